"""Routes one incoming event to the step, button or command that handles it."""

from __future__ import annotations

from handlers import followups, moderation, onboarding, privacy, review, steps
from handlers.commands import new, run_command
from handlers.context import Context

BUTTON_STEPS: dict[str, tuple[str, ...]] = {
    "sector": ("profile_sector",),
    "zone": ("profile_zone",),
    "age": ("profile_age",),
    "axis": ("axis",),
    "pillar": ("pillar",),
    "extras": ("extras",),
    "edit": ("review",),
    "review": ("review",),
}
TEXT_STEPS = ("problem", "solution", "contribution")
FOLLOW_UP_BUTTONS = {"answer": followups.start_answer, "withdraw": followups.withdraw, "delete": privacy.delete_me}


async def route(ctx: Context) -> None:
    kind = ctx.incoming.content_type
    if ctx.incoming.chat_type != "private":
        await moderation.on_group(ctx)
    elif kind == "command":
        await run_command(ctx)
    elif kind == "button":
        await on_button(ctx)
    elif ctx.conversation is None:
        onboarding.ask_language(ctx, ctx.tr._("To begin, choose your language."))
    elif not await followups.on_reply(ctx):
        await on_message(ctx)


async def on_button(ctx: Context) -> None:
    prefix, _, value = ctx.incoming.button_data.partition(":")
    if prefix == "lang":
        await choose_language(ctx, value)
    elif prefix == "consent":
        await consent(ctx, value)
    elif ctx.conversation is None:
        onboarding.ask_language(ctx, ctx.tr._("To begin, choose your language."))
    elif prefix == "menu" and value == "new":
        await new(ctx)
    elif prefix in FOLLOW_UP_BUTTONS:
        if not await FOLLOW_UP_BUTTONS[prefix](ctx, value):
            not_understood(ctx)
    elif prefix not in BUTTON_STEPS:
        not_understood(ctx)
    elif ctx.conversation.step not in BUTTON_STEPS[prefix]:
        steps.prompt(ctx, ctx.tr._("That button belongs to an earlier message. Here is where we are now:"))
    elif not await on_step_button(ctx, prefix, value):
        not_understood(ctx)


def not_understood(ctx: Context) -> None:
    problem = ctx.tr._("Sorry, I did not understand that button.")
    if ctx.conversation is None:
        onboarding.ask_language(ctx, problem)
    else:
        steps.prompt(ctx, problem)


async def on_step_button(ctx: Context, prefix: str, value: str) -> bool:
    if prefix in ("sector", "zone", "age"):
        return steps.choose_profile(ctx, prefix, value)
    if prefix in ("axis", "pillar"):
        return steps.choose_option(ctx, prefix, value)
    if prefix == "extras" and value == "done":
        steps.advance(ctx)
        return True
    if prefix == "edit":
        return review.edit(ctx, value)
    if prefix == "review" and value == "send":
        await review.send(ctx)
        return True
    if prefix == "review" and value == "cancel":
        review.cancel_draft(ctx)
        return True
    return False


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
    steps.prompt(ctx, ctx.tr._("Done: I will speak {language} with you.").format(
        language=ctx.tr.language_name()))


async def consent(ctx: Context, value: str) -> None:
    answer, _, language = value.partition(":")
    if ctx.conversation is not None:
        steps.prompt(ctx, ctx.tr._("You have already accepted the privacy notice."))
        return
    if answer not in ("yes", "no") or language not in onboarding.offered_languages(ctx):
        not_understood(ctx)
        return
    ctx.use_language(language)
    if answer == "no":
        onboarding.decline(ctx)
        return
    if not ctx.consultation.is_open(ctx.now):
        onboarding.say_closed(ctx)
        return
    await onboarding.accept(ctx)
    steps.begin_proposal(ctx, steps.welcome_after_consent(ctx))


async def on_message(ctx: Context) -> None:
    assert ctx.conversation is not None
    step, incoming = ctx.conversation.step, ctx.incoming
    if step in followups.FOLLOW_UP_STEPS:
        await followups.on_follow_up_message(ctx)
    elif step in TEXT_STEPS:
        if incoming.content_type == "text":
            steps.answer_text(ctx, step, incoming.text)
        else:
            steps.prompt(ctx, ctx.tr._("I can only read text here. Please type your answer."))
    elif step == "extras":
        on_extra(ctx)
    elif step == "idle":
        steps.prompt(ctx)
    else:
        steps.prompt(ctx, ctx.tr._("Please choose one of the options with the buttons."))


def on_extra(ctx: Context) -> None:
    incoming = ctx.incoming
    if incoming.content_type == "location" and incoming.location is not None:
        steps.add_location(ctx, incoming.location.latitude, incoming.location.longitude)
    elif incoming.content_type == "photo" and incoming.attachment_ids:
        steps.add_photos(ctx, incoming.attachment_ids)
    else:
        steps.prompt(ctx, ctx.tr._("Please send a location or a photo, or press the button to continue."))
