"""Language and consent. Nothing is stored before the person accepts the notice:
until then the conversation's state travels in the buttons themselves."""

from __future__ import annotations

import secrets

from handlers.context import Context, one_per_row
from handlers.messages import Choice, Choices
from handlers.privacy import full_notice, short_notice
from storage.models import Conversation, Participant


def offered_languages(ctx: Context) -> list[str]:
    return ctx.catalogs.complete_languages(ctx.consultation.languages) or [ctx.catalogs.default]


def guess_language(ctx: Context) -> str:
    """Before a choice, answer in the language the person's app reports, when we have it."""
    return app_language(ctx) or ctx.catalogs.default


def app_language(ctx: Context) -> str | None:
    """The language the person's app reports (Telegram does, WhatsApp does not), if we offer it."""
    code = (ctx.incoming.language_hint or "").split("-")[0].lower()
    return code if code in offered_languages(ctx) else None


def language_buttons(ctx: Context, *, besides: str | None = None) -> Choices:
    """A button per offered language, each named in its own language (``besides`` left out)."""
    return one_per_row(
        [
            Choice(f"lang:{lang}", ctx.catalogs.get(lang).language_name())
            for lang in offered_languages(ctx)
            if lang != besides
        ]
    )


def greet(ctx: Context, problem: str = "", *, begin: bool = False) -> None:
    """The first answer to someone who has not accepted the notice yet. When their app speaks a language we
    offer and proposals are open, the welcome and the notice come at once in it, the other languages a button
    away: one question fewer. Otherwise the question of the language (``begin``: they wrote before starting)."""
    if app_language(ctx) is not None and ctx.consultation.is_open(ctx.now):
        ask_consent(ctx, problem=problem, welcome=True)
    else:
        ask_language(ctx, problem or (ctx.tr._("To begin, choose your language.") if begin else ""))


def welcome_line(ctx: Context) -> str:
    consultation = ctx.consultation
    if consultation.is_open(ctx.now):
        return ctx.tr._("Welcome! Here you can send your proposals for {consultation}.").format(
            consultation=consultation.name(ctx.language)
        )
    if consultation.has_opened(ctx.now):
        return ctx.tr._("Welcome! Proposals for {consultation} closed on {date}.").format(
            consultation=consultation.name(ctx.language), date=ctx.tr.date(consultation.closes)
        )
    return ctx.tr._("Welcome! Proposals for {consultation} open on {date}.").format(
        consultation=consultation.name(ctx.language), date=ctx.tr.date(consultation.opens)
    )


def ask_language(ctx: Context, hint: str = "") -> None:
    headings = " · ".join(ctx.catalogs.get(lang)._("Choose your language") for lang in offered_languages(ctx))
    parts = [part for part in (hint, welcome_line(ctx), headings) if part]
    ctx.say("\n\n".join(parts), language_buttons(ctx))


def ask_consent(ctx: Context, *, full: bool = False, problem: str = "", welcome: bool = False) -> None:
    """The essentials of the notice on one phone screen (the full text a tap away), and the question.
    ``welcome``: the first message of all (greeted, and the other languages offered as buttons)."""
    choices = [
        Choice(f"consent:yes:{ctx.language}", ctx.tr._("I accept")),
        Choice(f"consent:no:{ctx.language}", ctx.tr._("No, thank you")),
    ]
    if not full:
        full_label, short_label = ctx.tr._("Read the full notice"), ctx.tr.p_("button", "Full notice")
        choices.append(Choice(f"consent:full:{ctx.language}", full_label, short=short_label))
    question = ctx.tr._("Do you accept this notice? Without your consent we cannot receive a proposal.")
    notice = full_notice(ctx) if full else short_notice(ctx)
    greeting = [problem, welcome_line(ctx)] if welcome else [problem]
    others = [choice for row in language_buttons(ctx, besides=ctx.language) for choice in row] if welcome else []
    text = "\n\n".join(part for part in (*greeting, notice, question) if part)
    ctx.say(text, one_per_row([*choices, *others]))


def say_closed(ctx: Context) -> None:
    consultation = ctx.consultation
    name = consultation.name(ctx.language)
    if not consultation.has_opened(ctx.now):
        ctx.say(
            ctx.tr._("Proposals for {consultation} are not open yet. They open on {date}.").format(
                consultation=name, date=ctx.tr.date(consultation.opens)
            )
        )
    else:
        ctx.say(
            ctx.tr._("Proposals for {consultation} closed on {date}. Thank you for your interest.").format(
                consultation=name, date=ctx.tr.date(consultation.closes)
            )
        )


def decline(ctx: Context) -> None:
    ctx.say(ctx.tr._("Understood. Nothing about you has been stored. If you change your mind, send /start."))


async def accept(ctx: Context) -> Conversation:
    """Create the participant and the conversation: the first personal data we keep."""
    incoming = ctx.incoming
    participant = await ctx.uow.participants.add(
        Participant(
            channel=incoming.channel,
            external_id=incoming.user_id,
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
            last_seen_at=ctx.now,
        )
    )
    ctx.participant, ctx.conversation = participant, conversation
    return conversation


def new_pseudonym() -> str:
    return "P-" + secrets.token_hex(5).upper()
