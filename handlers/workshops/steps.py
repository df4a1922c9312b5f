"""The facilitator's steps: the citizen's proposal steps, as the step table declares them (no profile:
a table's proposal belongs to no one person), then how many people at the table back it."""

from __future__ import annotations

from handlers.i18n import N_
from handlers.intake.table import NumberInput, Step, StepTable
from handlers.intake.text_input import Bounds

BACKERS = Step(
    "backers",
    "backers",
    N_("How many people at the table back this proposal?"),
    NumberInput(Bounds(1, 500)),
    "backers",
    review=N_("People at the table who back it: {value}"),
    edit=N_("Edit backers"),
    heading=N_("People who back it"),
)


def facilitator_steps(steps: StepTable) -> StepTable:
    """What a facilitator answers for each proposal of a table."""
    return StepTable([*steps.proposal, BACKERS])
