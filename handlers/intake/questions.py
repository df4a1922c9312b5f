"""The question of a step of the table, with its options, in the person's language."""

from __future__ import annotations

from handlers.context import Context, one_per_row, rows_of
from handlers.intake.table import AttachmentInput, ChoiceInput, NumberInput, Step, TextInput
from handlers.messages import Choice, Choices

HELP = "help"
SKIP = "skip"
SKIP_ALL = "skip_all"
"""On the first question about the person: skip every question about them at once (two messages fewer)."""
DONE = "done"
UNLOCATE = "unlocate"
UNPHOTO = "unphoto"


def option_id(step: Step, value: str) -> str:
    return f"{step.prefix}:{value}"


def question(ctx: Context, step: Step) -> tuple[str, Choices]:
    accepts = step.accepts
    if isinstance(accepts, ChoiceInput):
        return _choice_question(ctx, step, accepts)
    if isinstance(accepts, TextInput):
        return _text_question(ctx, step, accepts), ()
    if isinstance(accepts, NumberInput):
        return _number_question(ctx, step, accepts), ()
    return _attachments_question(ctx, step, accepts)


def _choice_question(ctx: Context, step: Step, accepts: ChoiceInput) -> tuple[str, Choices]:
    answers = accepts.options(ctx.consultation, ctx.tr)
    choices = [Choice(option_id(step, a.id), a.label, a.short) for a in answers]
    text = ctx.tr._(step.question).format(question=_zone_question(ctx))
    if accepts.explain:
        return text, one_per_row([*choices, Choice(option_id(step, HELP), ctx.tr._("What do these mean?"))])
    rows = rows_of(choices, accepts.columns) if accepts.columns > 1 else one_per_row(choices)
    if step.skippable:
        rows = (*rows, (Choice(option_id(step, SKIP), skip_label(ctx)),))
    if offers_skip_all(ctx, step):
        rows = (*rows, (Choice(option_id(step, SKIP_ALL), skip_all_label(ctx)),))
    return text, rows


def skip_label(ctx: Context) -> str:
    return ctx.tr._("Prefer not to say")


def skip_all_label(ctx: Context) -> str:
    return ctx.tr._("Skip these questions")


def offers_skip_all(ctx: Context, step: Step) -> bool:
    """Whether ``step`` is the first question about the person, when more than one is asked."""
    asked = [s for s in ctx.steps.profile if s.asked(ctx.consultation)]
    return len(asked) > 1 and asked[0].name == step.name and step.skippable


def _zone_question(ctx: Context) -> str:
    asked = ctx.consultation.zone_question
    return asked.get(ctx.language) or asked.get("es", "")


def _text_question(ctx: Context, step: Step, accepts: TextInput) -> str:
    bounds = accepts.bounds
    text = (
        ctx.tr._(step.question)
        + "\n"
        + ctx.tr._("(between {minimum} and {maximum} characters)").format(
            minimum=bounds.minimum, maximum=bounds.maximum
        )
    )
    state = ctx.state
    current = state.draft.get(step.field)
    if state.editing and current:
        text += "\n\n" + ctx.tr._("Your current text:") + "\n" + current
    return text


def _number_question(ctx: Context, step: Step, accepts: NumberInput) -> str:
    bounds = accepts.bounds
    text = (
        ctx.tr._(step.question)
        + "\n"
        + ctx.tr._("(a number from {minimum} to {maximum})").format(minimum=bounds.minimum, maximum=bounds.maximum)
    )
    state = ctx.state
    current = state.draft.get(step.field)
    if state.editing and current:
        text += "\n\n" + ctx.tr._("Now: {value}").format(value=current)
    return text


def _attachments_question(ctx: Context, step: Step, accepts: AttachmentInput) -> tuple[str, Choices]:
    draft = ctx.state.draft
    has_extra = bool(draft.photos) or draft.location is not None
    label = ctx.tr._("Continue") if has_extra else ctx.tr._("Skip")
    text = ctx.tr._(step.question).format(count=accepts.max_photos)
    rows: list[tuple[Choice, ...]] = [(Choice(option_id(step, DONE), label),)]
    if draft.location is not None:
        rows.append((Choice(option_id(step, UNLOCATE), ctx.tr._("Remove the location")),))
    if draft.photos:
        rows.append((Choice(option_id(step, UNPHOTO), ctx.tr._("Remove the photos")),))
    return text, tuple(rows)


def explanations(ctx: Context, step: Step, accepts: ChoiceInput) -> str:
    """The options of a choice step with their descriptions ("What do these mean?")."""
    answers = accepts.options(ctx.consultation, ctx.tr)
    return "\n".join(f"• {a.label}: {a.description}".rstrip(": ") for a in answers)
