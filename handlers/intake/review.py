"""The review screen: the proposal's fields as the table declares them, an edit button per field,
then send or cancel. The same field lines make the moderators' card. When published proposals like
the draft were found (``handlers/consolidation/offer.py``), the screen also shows them, each with a
button to support it instead of sending the draft."""

from __future__ import annotations

from collections.abc import Callable

from config.consultation import Consultation
from handlers.choices import STATUSES
from handlers.context import Context
from handlers.i18n import Translator
from handlers.intake.draft import Draft, Similar
from handlers.intake.table import AttachmentInput, ChoiceInput, Step, StepTable
from handlers.messages import Choice, Choices

Value = Callable[[Step], str | None]
EMPTY = "—"


def field_lines(tr: Translator, consultation: Consultation, steps: StepTable, value: Value) -> list[str]:
    """One line per reviewed field of the proposal: ``Thematic axis: Movilidad Sostenible``."""
    lines = []
    for step in steps.proposal:
        if step.review is None or not step.asked(consultation):
            continue
        raw = value(step)
        lines.append(tr._(step.review).format(value=shown(tr, consultation, step, raw)))
    return lines


def shown(tr: Translator, consultation: Consultation, step: Step, raw: str | None) -> str:
    """An answer as a person reads it: a choice's label, a text as written."""
    if raw is None or raw == "":
        return EMPTY
    if isinstance(step.accepts, ChoiceInput):
        for answer in step.accepts.options(consultation, tr):
            if answer.id == raw:
                return answer.label
    return raw


def summary(ctx: Context, draft: Draft) -> str:
    tr = ctx.tr
    lines = field_lines(tr, ctx.consultation, ctx.steps, lambda step: draft.get(step.field))
    if any(isinstance(step.accepts, AttachmentInput) for step in ctx.steps.proposal):
        lines.append(
            tr._("Location: {location} · Photos: {count}").format(
                location=tr._("yes") if draft.location else tr._("no"), count=len(draft.photos)
            )
        )
    return "\n\n".join(lines)


def review_screen(ctx: Context) -> tuple[str, Choices]:
    tr = ctx.tr
    chat = ctx.facilitator_chat
    heading = (
        tr._("Please review your proposal.")
        if chat is None
        else tr._("Please review the proposal of table {table}.").format(table=chat.table_number)
    )
    similar = ctx.state.similar
    text = heading + "\n\n" + summary(ctx, ctx.state.draft)
    if similar:
        text += "\n\n" + similar_block(ctx, similar)
    supports = tuple(
        (Choice(f"support:{shown.id}", tr._("Support {code}").format(code=shown.code)),) for shown in similar
    )
    edits = [
        Choice(f"edit:{step.name}", tr._(step.edit))
        for step in ctx.steps.editable
        if step.edit is not None and step.asked(ctx.consultation)
    ]
    rows = tuple(tuple(edits[i : i + 2]) for i in range(0, len(edits), 2))
    final = (Choice("review:send", tr._("Send proposal")), Choice("review:cancel", tr._("Cancel")))
    return text, (*supports, *rows, final)


def similar_block(ctx: Context, similar: tuple[Similar, ...]) -> str:
    """The similar proposals: code, axis, status and the start of the problem; never who wrote them."""
    tr = ctx.tr
    lines = [
        tr._(
            "Similar proposals were already received. You can support one of them instead of sending yours: "
            "you will receive its updates and the team's answers, like its author. Or send yours anyway."
        )
    ]
    for shown in similar:
        axis = ctx.consultation.axis(shown.axis)
        lines.append(
            tr._("{code} · {axis} · {status}\n“{problem}”").format(
                code=shown.code,
                axis=axis.label(ctx.language) if axis else shown.axis,
                status=tr._(STATUSES.get(shown.status, shown.status)),
                problem=shown.problem,
            )
        )
    return "\n\n".join(lines)
