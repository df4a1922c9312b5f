"""Consent and the citizen's data rights (Ley Orgánica de Protección de Datos Personales).

The notice names the controller, the purpose, what is kept and for how long, the recipients, the
rights and whose servers messages pass through; its essentials fit one phone screen, the full text
is a tap away. ``/mydata`` shows what is kept; ``/delete_me`` erases the person from every table
(``ParticipantRepository.erase``): their proposals stay in the consultation, anonymised.
"""

from __future__ import annotations

from handlers.actors import CITIZEN
from handlers.channels import channel_name
from handlers.choices import AGE_RANGES, SECTORS, STATUSES
from handlers.context import Context
from handlers.messages import Choice


def short_notice(ctx: Context) -> str:
    tr = ctx.tr
    company = channel_name(ctx.incoming.channel).company
    return (
        tr._("Privacy notice")
        + "\n\n"
        + tr._(
            "{controller} receives your proposals for the Open Government action plan, may ask you about them and "
            "will give you a reasoned answer. We keep your answers and your chat id until the plan has been "
            "evaluated; proposals are published without your name. See, correct or delete your data with /mydata, "
            "/ask and /delete_me. Messages pass through {company}'s servers."
        ).format(controller=ctx.consultation.controller.name, company=company)
    )


def full_notice(ctx: Context) -> str:
    tr, controller = ctx.tr, ctx.consultation.controller
    channel = channel_name(ctx.incoming.channel)
    who = tr._("Controller: {controller}. Data requests: {contact}.").format(
        controller=controller.name, contact=controller.contact
    )
    if controller.dpo:
        who += " " + tr._("Data protection officer: {dpo}.").format(dpo=controller.dpo)
    return "\n\n".join(
        [
            tr._("Privacy notice"),
            who,
            tr._(
                "Purpose: to receive your proposals for the Open Government action plan, to ask you "
                "follow-up questions about them and to give you a reasoned answer."
            ),
            tr._(
                "What we keep: your answers, your chosen language, the optional profile answers you give "
                "and your {channel} chat id, so that we can reply. We never ask for sensitive data such as "
                "ethnicity, health, religion, political views or sexual orientation."
            ).format(channel=channel.name),
            tr._(
                "Recipients: the consultation team and its moderators. Proposals are published without "
                "your name or any personal data. Messages pass through {company}'s servers, where "
                "{company}'s own privacy policy applies."
            ).format(company=channel.company),
            tr._("Retention: until the action plan has been evaluated; afterwards, proposals are kept anonymised."),
            tr._(
                "Your rights (Ley Orgánica de Protección de Datos Personales): see your data with /mydata, "
                "delete it with /delete_me, and ask for corrections with /ask; requests are answered within "
                "15 days. Use /privacy to read this notice again."
            ),
        ]
    )


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
        tr._("Age range: {age}").format(age=tr._(AGE_RANGES[participant.age_range]) if participant.age_range else "—"),
        tr._("Your {channel} chat id, to answer you: {chat}").format(
            channel=channel_name(ctx.incoming.channel).name, chat=ctx.incoming.chat_id
        ),
        tr._("Proposals: {codes}").format(
            codes=", ".join(f"{p.code} ({tr._(STATUSES.get(p.status, p.status))})" for p in proposals) or "—"
        ),
        tr._("To delete all this, send /delete_me."),
    ]
    supported = await ctx.uow.supports.of_participant(participant.id)
    if supported:
        lines.insert(-1, tr._("Proposals you support: {codes}").format(codes=", ".join(p.code for p in supported)))
    ctx.say("\n".join(lines))


def ask_to_delete(ctx: Context) -> None:
    if ctx.participant is None:
        ctx.say(ctx.tr._("We keep no data about you."))
        return
    ctx.say(
        ctx.tr._(
            "Delete your data? Your profile answers, your language and your chat with us will be erased. "
            "Your proposals stay in the consultation, anonymised: nothing will link them to you."
        ),
        (
            (
                Choice("delete:yes", ctx.tr._("Yes, delete my data")),
                Choice("delete:no", ctx.tr.p_("data", "No, keep it")),
            ),
        ),
    )


async def delete_me(ctx: Context, answer: str) -> bool:
    participant = ctx.participant
    if participant is None or answer not in ("yes", "no"):
        return False
    if answer == "no":
        ctx.say(ctx.tr._("Nothing was deleted."))
        return True
    await ctx.uow.audit.record(str(CITIZEN), "delete_participant", None)
    await ctx.uow.participants.erase(participant.id, ctx.incoming.channel, ctx.incoming.chat_id)
    ctx.participant = ctx.conversation = None
    ctx.say(
        ctx.tr._(
            "Your data has been deleted. Thank you for taking part. If you write again, we will "
            "ask for your consent first."
        )
    )
    return True
