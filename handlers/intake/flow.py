"""Moving through the table: begin a proposal, take an answer, go to the next step (or back to
the review when a field was edited from it)."""

from __future__ import annotations

from dataclasses import replace

from handlers.context import Context
from handlers.intake.draft import State
from handlers.intake.questions import (
    DONE,
    HELP,
    SKIP,
    SKIP_ALL,
    UNLOCATE,
    UNPHOTO,
    explanations,
    offers_skip_all,
    skip_all_label,
    skip_label,
)
from handlers.intake.screens import IDLE, REVIEW, prompt
from handlers.intake.table import AttachmentInput, ChoiceInput, NumberInput, Step, TextInput
from handlers.intake.text_input import Accepted, check_text


def begin_proposal(ctx: Context, intro: str = "") -> None:
    assert ctx.participant is not None
    first = ctx.steps.first(ctx.consultation, with_profile=not ctx.participant.profile_done)
    ctx.go(first.name, State())
    assert ctx.conversation is not None
    ctx.conversation.reminded_at = None  # a new draft may get its own reminder
    prompt(ctx, intro)


def welcome_after_consent(ctx: Context) -> str:
    """One message, not three: every message a citizen gets counts against the channel's sending limits."""
    return (
        ctx.tr._("Thank you! Your consent has been recorded.")
        + "\n\n"
        + ctx.tr._(
            "First, three optional questions about you. They help us understand who takes part; "
            "you can skip any of them, or all three at once."
        )
    )


def advance(ctx: Context, state: State | None = None) -> None:
    """Go to the next step (or back to the review when editing) and ask its question."""
    state = state or ctx.state
    current = ctx.steps.get(ctx.step)
    if state.editing and current is not None and not current.once_per_participant:
        ctx.go(REVIEW, replace(state, editing=False))
    else:
        following = ctx.steps.after(ctx.step, ctx.consultation)
        ctx.go(following.name if following is not None else REVIEW, state)
    now = ctx.steps.get(ctx.step)
    profile_behind = now is None or not now.once_per_participant
    if ctx.participant is not None and ctx.steps.profile and profile_behind and not ctx.participant.profile_done:
        ctx.participant.profile_done = True  # set once: setting it again at every step made the commit flush
    prompt(ctx)


def on_choice(ctx: Context, step: Step, value: str) -> bool:
    """An option of ``step`` was chosen; False when it is not one of its options."""
    accepts = step.accepts
    if isinstance(accepts, AttachmentInput):
        return on_attachment_choice(ctx, value)
    if not isinstance(accepts, ChoiceInput):
        return False
    if value == HELP and accepts.explain:
        prompt(ctx, explanations(ctx, step, accepts))
        return True
    if value == SKIP_ALL and offers_skip_all(ctx, step):
        skip_profile(ctx)
        in_place(ctx, skip_all_label(ctx))
        return True
    skipped = value == SKIP and step.skippable
    labels = {a.id: a.label for a in accepts.options(ctx.consultation, ctx.tr)}
    if not skipped and value not in labels:
        return False
    if step.once_per_participant:
        assert ctx.participant is not None
        setattr(ctx.participant, step.field, None if skipped else value)
        advance(ctx)
    else:
        state = ctx.state
        advance(ctx, replace(state, draft=state.draft.with_value(step.field, None if skipped else value)))
    in_place(ctx, skip_label(ctx) if skipped else labels[value])
    return True


def in_place(ctx: Context, answer: str) -> None:
    """A button answered the question: the next question, under the answer, takes the place of the message
    that carried the buttons — one message fewer where the channel edits messages (Telegram); elsewhere it
    comes as a new message. Not for the review, which is always shown anew."""
    incoming = ctx.incoming
    if incoming.content_type != "button" or incoming.message_id is None or ctx.step == REVIEW:
        return
    match ctx.replies:
        case [next_question] if next_question.to == incoming.address and next_question.replaces is None:
            ctx.replies[0] = replace(next_question, replaces=incoming.message_id, answered=answer)


def skip_profile(ctx: Context) -> None:
    """No question about the person: none of their answers kept, on to the proposal's first step."""
    assert ctx.participant is not None
    for step in ctx.steps.profile:
        setattr(ctx.participant, step.field, None)
    ctx.participant.profile_done = True
    ctx.go(ctx.steps.first(ctx.consultation, with_profile=False).name, ctx.state)
    prompt(ctx)


def on_text(ctx: Context, step: Step, raw: str) -> None:
    assert isinstance(step.accepts, TextInput)
    verdict = check_text(raw, step.accepts.bounds, ctx.tr)
    if not isinstance(verdict, Accepted):
        prompt(ctx, verdict.reason)
        return
    state = ctx.state
    advance(ctx, replace(state, draft=state.draft.with_value(step.field, verdict.text)))


def on_number(ctx: Context, step: Step, raw: str) -> None:
    assert isinstance(step.accepts, NumberInput)
    bounds = step.accepts.bounds
    typed = raw.strip()
    if not typed.isdecimal() or len(typed) > 9 or not bounds.minimum <= int(typed) <= bounds.maximum:
        problem = ctx.tr._("Please type a number from {minimum} to {maximum}.")
        prompt(ctx, problem.format(minimum=bounds.minimum, maximum=bounds.maximum))
        return
    state = ctx.state
    advance(ctx, replace(state, draft=state.draft.with_value(step.field, int(typed))))


def on_attachment(ctx: Context, step: Step) -> None:
    assert isinstance(step.accepts, AttachmentInput)
    incoming, state = ctx.incoming, ctx.state
    draft = state.draft
    if incoming.content_type == "location" and incoming.location is not None:
        if not incoming.location.valid:
            prompt(ctx, ctx.tr._("That location is not on the map. Please send it again with 📎 → Location."))
            return
        ctx.go(ctx.step, replace(state, draft=replace(draft, location=incoming.location)))
        prompt(ctx, ctx.tr._("Location saved."))
    elif incoming.content_type == "photo" and incoming.attachment_ids:
        maximum = step.accepts.max_photos
        if len(draft.photos) >= maximum:
            prompt(ctx, ctx.tr._("You have already added {count} photos, the maximum.").format(count=maximum))
            return
        photos = (*draft.photos, incoming.attachment_ids[-1])
        ctx.go(ctx.step, replace(state, draft=replace(draft, photos=photos)))
        prompt(ctx, ctx.tr._("Photo saved."))
    else:
        prompt(ctx, ctx.tr._("Please send a location or a photo, or press the button to continue."))


def on_attachment_choice(ctx: Context, value: str) -> bool:
    """Done, or take back the location or the photos."""
    state = ctx.state
    if value == DONE:
        advance(ctx)
    elif value == UNLOCATE and state.draft.location is not None:
        ctx.go(ctx.step, replace(state, draft=replace(state.draft, location=None)))
        prompt(ctx, ctx.tr._("Location removed."))
    elif value == UNPHOTO and state.draft.photos:
        ctx.go(ctx.step, replace(state, draft=replace(state.draft, photos=())))
        prompt(ctx, ctx.tr._("Photos removed."))
    else:
        return False
    return True


def on_message(ctx: Context) -> None:
    """A message (not a button, not a command) while a step of the table waits."""
    step = ctx.steps.get(ctx.step)
    if step is None and (extras := attachments_at_review(ctx)) is not None:
        ctx.go(extras.name, replace(ctx.state, editing=True))  # as if its button was pressed, then the file
        on_attachment(ctx, extras)
    elif step is None:
        prompt(ctx) if ctx.step == IDLE else prompt(ctx, ctx.tr._("Please choose one of the options with the buttons."))
    elif isinstance(step.accepts, TextInput | NumberInput):
        if ctx.incoming.content_type != "text":
            prompt(ctx, ctx.tr._("I can only read text here. Please type your answer."))
        elif isinstance(step.accepts, NumberInput):
            on_number(ctx, step, ctx.incoming.text)
        else:
            on_text(ctx, step, ctx.incoming.text)
    elif isinstance(step.accepts, AttachmentInput):
        on_attachment(ctx, step)
    else:
        prompt(ctx, ctx.tr._("Please choose one of the options with the buttons."))


def attachments_at_review(ctx: Context) -> Step | None:
    """The step that takes a location or photos, when one was sent at the review (where that step is offered)."""
    if ctx.step != REVIEW or ctx.incoming.content_type not in ("location", "photo"):
        return None
    steps = (s for s in ctx.steps.editable if isinstance(s.accepts, AttachmentInput) and s.asked(ctx.consultation))
    return next(steps, None)


def is_idle(ctx: Context) -> bool:
    return ctx.conversation is None or ctx.step == IDLE
