"""Language and consent. Nothing is stored before the person accepts the notice:
until then the conversation's state travels in the buttons themselves."""

from __future__ import annotations

import secrets

from handlers.context import Context, one_per_row
from handlers.messages import Button
from storage.models import Conversation, Participant


def offered_languages(ctx: Context) -> list[str]:
    return ctx.catalogs.complete_languages(ctx.consultation.languages) or [ctx.catalogs.default]


def guess_language(ctx: Context) -> str:
    """Before a choice, answer in the Telegram client's language when we have it."""
    code = (ctx.incoming.language_code or "").split("-")[0].lower()
    return code if code in offered_languages(ctx) else ctx.catalogs.default


def language_buttons(ctx: Context) -> tuple[tuple[Button, ...], ...]:
    return one_per_row(
        [Button(ctx.catalogs.get(lang).language_name(), f"lang:{lang}") for lang in offered_languages(ctx)]
    )


def ask_language(ctx: Context, hint: str = "") -> None:
    headings = " · ".join(ctx.catalogs.get(lang)._("Choose your language") for lang in offered_languages(ctx))
    welcome = ctx.tr._("Welcome! Here you can send your proposals for {consultation}.").format(
        consultation=ctx.consultation.name(ctx.language)
    )
    parts = [part for part in (hint, welcome, headings) if part]
    ctx.say("\n\n".join(parts), language_buttons(ctx))


def privacy_notice(ctx: Context) -> str:
    tr = ctx.tr
    return "\n\n".join(
        [
            tr._("Privacy notice"),
            tr._("Controller: {controller}.").format(controller=ctx.consultation.name(ctx.language)),
            tr._(
                "Purpose: to receive your proposals for the Open Government action plan, to ask you "
                "follow-up questions about them and to give you a reasoned answer."
            ),
            tr._(
                "What we keep: your answers, your chosen language, the optional profile answers you give "
                "and your Telegram chat id, so that we can reply. We never ask for sensitive data such as "
                "ethnicity, health, religion, political views or sexual orientation."
            ),
            tr._(
                "Recipients: the consultation team and its moderators. Proposals are published without "
                "your name or any personal data. Messages pass through Telegram's servers, where "
                "Telegram's own privacy policy applies."
            ),
            tr._("Retention: until the action plan has been evaluated; afterwards, proposals are kept anonymised."),
            tr._(
                "Your rights (Ley Orgánica de Protección de Datos Personales): see your data with /mydata, "
                "delete it with /delete_me, and ask for corrections with /ask; requests are answered within "
                "15 days. Use /privacy to read this notice again."
            ),
        ]
    )


def ask_consent(ctx: Context) -> None:
    buttons = one_per_row(
        [
            Button(ctx.tr._("I accept"), f"consent:yes:{ctx.language}"),
            Button(ctx.tr._("No, thank you"), f"consent:no:{ctx.language}"),
        ]
    )
    question = ctx.tr._("Do you accept this notice? Without your consent we cannot receive a proposal.")
    ctx.say(privacy_notice(ctx) + "\n\n" + question, buttons)


def say_closed(ctx: Context) -> None:
    consultation = ctx.consultation
    name = consultation.name(ctx.language)
    if not consultation.has_opened(ctx.now):
        ctx.say(ctx.tr._("Proposals for {consultation} are not open yet. They open on {date}.").format(
            consultation=name, date=ctx.tr.date(consultation.opens)))
    else:
        ctx.say(ctx.tr._("Proposals for {consultation} closed on {date}. Thank you for your interest.").format(
            consultation=name, date=ctx.tr.date(consultation.closes)))


def decline(ctx: Context) -> None:
    ctx.say(ctx.tr._(
        "Understood. Nothing about you has been stored. If you change your mind, send /start."))


async def accept(ctx: Context) -> Conversation:
    """Create the participant and the conversation: the first personal data we keep."""
    incoming = ctx.incoming
    participant = await ctx.uow.participants.add(
        Participant(
            channel=incoming.channel,
            external_id=str(incoming.user_id),
            pseudonym=new_pseudonym(),
            language=ctx.language,
            consented_at=ctx.now,
            profile_done=False,
        )
    )
    conversation = await ctx.uow.conversations.add(
        Conversation(
            channel=incoming.channel,
            chat_id=incoming.chat_id,
            participant_id=participant.id,
            participant=participant,
            step="idle",
            draft={},
            language=ctx.language,
        )
    )
    ctx.participant, ctx.conversation = participant, conversation
    return conversation


def new_pseudonym() -> str:
    return "P-" + secrets.token_hex(5).upper()
