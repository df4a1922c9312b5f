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
    code = (ctx.incoming.language_hint or "").split("-")[0].lower()
    return code if code in offered_languages(ctx) else ctx.catalogs.default


def language_buttons(ctx: Context) -> Choices:
    return one_per_row(
        [Choice(f"lang:{lang}", ctx.catalogs.get(lang).language_name()) for lang in offered_languages(ctx)]
    )


def ask_language(ctx: Context, hint: str = "") -> None:
    headings = " · ".join(ctx.catalogs.get(lang)._("Choose your language") for lang in offered_languages(ctx))
    consultation = ctx.consultation
    if consultation.is_open(ctx.now):
        welcome = ctx.tr._("Welcome! Here you can send your proposals for {consultation}.").format(
            consultation=consultation.name(ctx.language)
        )
    elif consultation.has_opened(ctx.now):
        welcome = ctx.tr._("Welcome! Proposals for {consultation} closed on {date}.").format(
            consultation=consultation.name(ctx.language), date=ctx.tr.date(consultation.closes)
        )
    else:
        welcome = ctx.tr._("Welcome! Proposals for {consultation} open on {date}.").format(
            consultation=consultation.name(ctx.language), date=ctx.tr.date(consultation.opens)
        )
    parts = [part for part in (hint, welcome, headings) if part]
    ctx.say("\n\n".join(parts), language_buttons(ctx))


def ask_consent(ctx: Context, *, full: bool = False) -> None:
    """The essentials of the notice on one phone screen (the full text a tap away), and the question."""
    choices = [
        Choice(f"consent:yes:{ctx.language}", ctx.tr._("I accept")),
        Choice(f"consent:no:{ctx.language}", ctx.tr._("No, thank you")),
    ]
    if not full:
        full_label, short_label = ctx.tr._("Read the full notice"), ctx.tr.p_("button", "Full notice")
        choices.append(Choice(f"consent:full:{ctx.language}", full_label, short=short_label))
    question = ctx.tr._("Do you accept this notice? Without your consent we cannot receive a proposal.")
    notice = full_notice(ctx) if full else short_notice(ctx)
    ctx.say(notice + "\n\n" + question, one_per_row(choices))


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
