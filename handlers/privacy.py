"""The citizen's data rights (Ley Orgánica de Protección de Datos Personales): see it, delete it.

Deleting removes the participant, the conversation and every message still owed to the chat;
proposals stay in the consultation, anonymised: nothing links them to the person any more.
"""

from __future__ import annotations

from handlers.choices import AGE_RANGES, SECTORS, STATUSES
from handlers.context import Context
from handlers.messages import Button


async def my_data(ctx: Context) -> None:
    participant = ctx.participant
    if participant is None:
        ctx.say(ctx.tr._("We keep no data about you."))
        return
    tr, consultation = ctx.tr, ctx.consultation
    zone = consultation.zone(participant.zone) if participant.zone else None
    proposals = await ctx.uow.proposals.of_participant(participant.id, limit=100)
    lines = [
        tr._("This is what we keep about you:"),
        tr._("Participant code: {code}").format(code=participant.pseudonym),
        tr._("Language: {language}").format(language=tr.language_name()),
        tr._("Consent given on: {date}").format(date=tr.datetime(participant.consented_at)),
        tr._("Sector: {sector}").format(sector=tr._(SECTORS[participant.sector]) if participant.sector else "—"),
        tr._("Zone: {zone}").format(zone=zone.label(ctx.language) if zone else "—"),
        tr._("Age range: {age}").format(
            age=tr._(AGE_RANGES[participant.age_range]) if participant.age_range else "—"),
        tr._("Your Telegram chat id, to answer you: {chat}").format(chat=ctx.incoming.chat_id),
        tr._("Proposals: {codes}").format(codes=", ".join(
            f"{p.code} ({tr._(STATUSES.get(p.status, p.status))})" for p in proposals) or "—"),
        tr._("To delete all this, send /delete_me."),
    ]
    ctx.say("\n".join(lines)[:4096])


def ask_to_delete(ctx: Context) -> None:
    if ctx.participant is None:
        ctx.say(ctx.tr._("We keep no data about you."))
        return
    ctx.say(ctx.tr._(
        "Delete your data? Your profile answers, your language and your chat with us will be erased. "
        "Your proposals stay in the consultation, anonymised: nothing will link them to you."), (
        (Button(ctx.tr._("Yes, delete my data"), "delete:yes"), Button(ctx.tr._("No, keep it"), "delete:no")),))


async def delete_me(ctx: Context, answer: str) -> bool:
    participant = ctx.participant
    if participant is None or answer not in ("yes", "no"):
        return False
    if answer == "no":
        ctx.say(ctx.tr._("Nothing was deleted."))
        return True
    await ctx.uow.audit.record(participant.pseudonym, "delete_participant", participant.pseudonym)
    await ctx.uow.participants.erase(participant.id, ctx.incoming.channel, ctx.incoming.chat_id)
    ctx.participant = ctx.conversation = None
    ctx.say(ctx.tr._("Your data has been deleted. Thank you for taking part. If you write again, we will "
                     "ask for your consent first."))
    return True
