"""The columns of the staff and public exports: the proposal's own fields come from the step table,
in the order they are asked; a workshop proposal's origin (workshop, table, backers) comes with it."""

from __future__ import annotations

from handlers.i18n import N_, Translator
from handlers.intake.table import StepTable

HEAD = ("code", "submitted_at", "consultation")
STAFF_TAIL = (
    "zone",
    "sector",
    "age_range",
    "language",
    "channel",
    "source",
    "workshop_id",
    "workshop",
    "table",
    "backers",
    "supporters",
    "status",
    "status_reason",
    "answered_at",
    "follow_up_count",
    "attachment_count",
    "participant",
)
PUBLIC_HEAD = ("code", "submitted_on", "consultation")
PUBLIC_TAIL = (
    "source",
    "workshop_id",
    "workshop",
    "table",
    "backers",
    "supporters",
    "status",
    "status_reason",
    "answered_on",
    "commitment",
)
"""The public repository: what was received (in the chat or at which workshop table) and what became of
it — down to the commitments of the action plan it is part of (their codes, space-separated); nothing
about the person."""


def staff_columns(steps: StepTable) -> tuple[str, ...]:
    return HEAD + steps.content_columns + STAFF_TAIL


def public_columns(steps: StepTable) -> tuple[str, ...]:
    return PUBLIC_HEAD + steps.content_columns + PUBLIC_TAIL


TITLES: dict[str, str] = {
    "code": N_("Tracking code"),
    "submitted_at": N_("Submitted at"),
    "submitted_on": N_("Submitted on"),
    "consultation": N_("Consultation"),
    "axis_id": N_("Axis id"),
    "axis": N_("Thematic axis"),
    "pillar_id": N_("Pillar id"),
    "pillar": N_("Open-government pillar"),
    "problem": N_("Problem"),
    "solution": N_("Proposed solution"),
    "contribution": N_("How it would help"),
    "lead_institution": N_("Suggested lead institution"),
    "zone": N_("Zone"),
    "sector": N_("Sector"),
    "age_range": N_("Age range"),
    "language": N_("Language"),
    "channel": N_("Channel"),
    "source": N_("Source"),
    "workshop_id": N_("Workshop id"),
    "workshop": N_("Workshop"),
    "table": N_("Table"),
    "backers": N_("Backers"),
    "supporters": N_("Supporters"),
    "status": N_("Status"),
    "status_reason": N_("Reasoned answer"),
    "answered_at": N_("Answered at"),
    "answered_on": N_("Answered on"),
    "commitment": N_("Commitment"),
    "follow_up_count": N_("Follow-up messages"),
    "attachment_count": N_("Photos"),
    "participant": N_("Participant"),
}
"""Column titles where people read the file (Excel); CSV and JSON keep the column ids, for programs."""


def titles(tr: Translator) -> dict[str, str]:
    return {column: tr._(title) for column, title in TITLES.items()}
