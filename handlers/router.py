"""Routes one incoming event to the step, option or command that handles it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from handlers import privacy
from handlers.consolidation import offer, supporting
from handlers.context import Context
from handlers.intake import flow, onboarding, submit
from handlers.intake.commands import new, run_command
from handlers.intake.screens import FOLLOW_UP_STEPS, REVIEW, prompt
from handlers.intake.typed import understood
from handlers.moderation import followups
from handlers.moderation.group import on_group
from handlers.workshops import facilitator


async def resume(ctx: Context, value: str) -> bool:
    """*Continue* under a reminder, or under a channel's notice that messages wait: what waited is the
    answer; when nothing did, where the chat stands."""
    if ctx.released == 0:
        prompt(ctx)
    return True


OptionHandler = Callable[[Context, str], Awaitable[bool]]
ANYTIME: dict[str, OptionHandler] = {
    "answer": followups.start_answer,
    "withdraw": followups.withdraw,
    "delete": privacy.delete_me,
    "resume": resume,
    "unsupport": supporting.withdraw,
}


async def route(ctx: Context) -> None:
    if not ctx.incoming.is_private:
        await on_group(ctx)
        return
    if await facilitator.on_event(ctx):  # a facilitator's table comes first: its answers are not commands
        return
    ctx.incoming = understood(ctx)
    kind = ctx.incoming.content_type
    if kind == "command":
        await run_command(ctx)
    elif kind == "button":
        await on_option(ctx)
    elif ctx.conversation is None:
        onboarding.greet(ctx, begin=True)
    elif not await followups.on_reply(ctx):
        await on_message(ctx)
    await offer.at_review(ctx)


async def on_option(ctx: Context) -> None:
    prefix, _, value = ctx.incoming.choice.partition(":")
    if prefix == "lang":
        await choose_language(ctx, value)
    elif prefix == "consent":
        await consent(ctx, value)
    elif ctx.conversation is None:
        onboarding.greet(ctx, begin=True)
    elif prefix == "menu" and value == "new":
        await new(ctx)
    elif prefix in ANYTIME:
        if not await ANYTIME[prefix](ctx, value):
            not_understood(ctx)
    elif prefix in ("edit", "review", "support"):
        await on_review(ctx, prefix, value)
    elif (step := ctx.steps.by_prefix(prefix)) is None:
        not_understood(ctx)
    elif ctx.step != step.name:
        prompt(ctx, ctx.tr._("That button belongs to an earlier message. Here is where we are now:"))
    elif not flow.on_choice(ctx, step, value):
        not_understood(ctx)


async def on_review(ctx: Context, prefix: str, value: str) -> None:
    if ctx.step != REVIEW:
        prompt(ctx, ctx.tr._("That button belongs to an earlier message. Here is where we are now:"))
    elif prefix == "edit":
        if not submit.edit(ctx, value):
            not_understood(ctx)
    elif prefix == "support":
        if not await supporting.choose(ctx, value):
            not_understood(ctx)
    elif value == "send":
        await submit.send(ctx)
    elif value == "cancel":
        submit.confirm_cancel(ctx)
    elif value == "discard":
        submit.cancel_draft(ctx)
    elif value == "keep":
        prompt(ctx)
    else:
        not_understood(ctx)


def not_understood(ctx: Context) -> None:
    problem = ctx.tr._("Sorry, I did not understand that button.")
    if ctx.conversation is None:
        onboarding.greet(ctx, problem)
    else:
        prompt(ctx, problem)


async def choose_language(ctx: Context, language: str) -> None:
    if language not in onboarding.offered_languages(ctx):
        not_understood(ctx)
        return
    ctx.use_language(language)
    if ctx.conversation is None or ctx.participant is None:
        if ctx.consultation.is_open(ctx.now):
            onboarding.ask_consent(ctx)
        else:
            onboarding.say_closed(ctx)
        return
    ctx.participant.language = language
    ctx.conversation.language = language
    prompt(
        ctx, ctx.tr._("Done: I will speak {language} with you.").format(language=ctx.tr.language_name(in_sentence=True))
    )


async def consent(ctx: Context, value: str) -> None:
    answer, _, language = value.partition(":")
    if ctx.conversation is not None:
        prompt(ctx, ctx.tr._("You have already accepted the privacy notice."))
        return
    if answer not in ("yes", "no", "full") or language not in onboarding.offered_languages(ctx):
        not_understood(ctx)
        return
    ctx.use_language(language)
    if answer == "full":
        onboarding.ask_consent(ctx, full=True)
        return
    if answer == "no":
        onboarding.decline(ctx)
        return
    if not ctx.consultation.is_open(ctx.now):
        onboarding.say_closed(ctx)
        return
    await onboarding.accept(ctx)
    flow.begin_proposal(ctx, flow.welcome_after_consent(ctx))


async def on_message(ctx: Context) -> None:
    if ctx.step in FOLLOW_UP_STEPS:
        await followups.on_follow_up_message(ctx)
    else:
        flow.on_message(ctx)
