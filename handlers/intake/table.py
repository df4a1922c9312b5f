"""The intake conversation, declared once: one entry per step.

Each step says its name, the start of its option ids, its question, the input it accepts
(a choice, a text within bounds, a location or photos), which field it fills, its line on
the review screen and its edit button, whether it may be skipped and whether it is asked once
per participant (the optional profile) or for every proposal. Routing, prompts, the review,
the edit buttons, the moderators' card and the export's field order all read this table.

A step ``at_review`` is not asked on the way: the review offers it with its button (the location
and photos), so that whoever does not want it is spared a message. Adding a step is one entry here
(or in a consultation's ``optional_steps``), its strings in the catalogs, and — when the answer is
stored with the proposal — a column and its migration.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from config.consultation import Consultation, ConsultationError, Option
from handlers.choices import AGE_RANGES, SECTORS, SHORT_LABELS
from handlers.i18n import N_, Translator
from handlers.intake.text_input import Bounds


@dataclass(frozen=True)
class Answer:
    """One option of a choice step: id and label in the reader's language (and a short label)."""

    id: str
    label: str
    short: str = ""
    description: str = ""


Options = Callable[[Consultation, Translator], list[Answer]]


@dataclass(frozen=True)
class ChoiceInput:
    options: Options
    columns: int = 1
    """How many options a row holds where the channel shows rows of buttons."""
    explain: bool = False
    """Offer a "What do these mean?" option that lists the descriptions."""


@dataclass(frozen=True)
class TextInput:
    bounds: Bounds


@dataclass(frozen=True)
class NumberInput:
    """A whole number within bounds (how many people at a workshop table back a proposal)."""

    bounds: Bounds


@dataclass(frozen=True)
class AttachmentInput:
    max_photos: int = 3


Input = ChoiceInput | TextInput | NumberInput | AttachmentInput


@dataclass(frozen=True)
class Step:
    name: str
    prefix: str
    """Option ids of this step start with ``prefix:`` (``axis:4``)."""
    question: str
    """Message id of the question; may use ``{question}`` (the consultation's zone question) and ``{count}``."""
    accepts: Input
    field: str
    """The draft field it fills (for profile steps, the participant's column)."""
    column: str = ""
    """The proposals table's column that keeps the answer (default: the field)."""
    review: str | None = None
    """Message id of its line on the review and on the moderators' card, with ``{value}``."""
    edit: str | None = None
    """Message id of its edit button on the review."""
    skippable: bool = False
    once_per_participant: bool = False
    asked: Callable[[Consultation], bool] = lambda consultation: True
    """Whether this consultation asks it (the zone only when the consultation has zones)."""
    heading: str = ""
    """Message id of its column heading in a spreadsheet (the workshop template); default: the field."""
    at_review: bool = False
    """Not asked on the way: offered on the review by its button (one message fewer for whoever skips it)."""

    @property
    def stored_as(self) -> str:
        return self.column or self.field

    @property
    def export_columns(self) -> tuple[str, ...]:
        """Its columns in the staff export: the id and the label of a choice, the text of a text."""
        if isinstance(self.accepts, ChoiceInput):
            return (self.stored_as, self.field)
        if isinstance(self.accepts, TextInput | NumberInput):
            return (self.field,)
        return ()


class StepTable:
    """The steps in the order they are asked."""

    def __init__(self, steps: Sequence[Step]) -> None:
        self.steps = tuple(steps)
        self._by_name = {step.name: step for step in self.steps}
        self._by_prefix = {step.prefix: step for step in self.steps}

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def get(self, name: str) -> Step | None:
        return self._by_name.get(name)

    def by_prefix(self, prefix: str) -> Step | None:
        return self._by_prefix.get(prefix)

    @property
    def profile(self) -> tuple[Step, ...]:
        return tuple(step for step in self.steps if step.once_per_participant)

    @property
    def proposal(self) -> tuple[Step, ...]:
        return tuple(step for step in self.steps if not step.once_per_participant)

    @property
    def editable(self) -> tuple[Step, ...]:
        return tuple(step for step in self.proposal if step.edit is not None)

    @property
    def content_columns(self) -> tuple[str, ...]:
        """The proposal's own fields in the staff export, in the order they are asked."""
        return tuple(column for step in self.proposal for column in step.export_columns)

    def texts(self, consultation: Consultation) -> tuple[Step, ...]:
        """The proposal's free-text steps this consultation asks, in order (problem, solution…)."""
        return tuple(s for s in self.proposal if isinstance(s.accepts, TextInput) and s.asked(consultation))

    def first(self, consultation: Consultation, *, with_profile: bool) -> Step:
        steps = self.steps if with_profile else self.proposal
        return next(step for step in steps if step.asked(consultation) and not step.at_review)

    def after(self, name: str, consultation: Consultation) -> Step | None:
        """The next step asked on the way in this consultation, or None after the last (then comes the review)."""
        names = [step.name for step in self.steps]
        for step in self.steps[names.index(name) + 1 :]:
            if step.asked(consultation) and not step.at_review:
                return step
        return None

    def with_steps(self, *extra: Step, before: str) -> StepTable:
        """This table with ``extra`` steps inserted before the step named ``before``."""
        names = [step.name for step in self.steps]
        position = names.index(before)
        return StepTable([*self.steps[:position], *extra, *self.steps[position:]])


# --- where the options come from ---------------------------------------------------------------


def _fixed(labels: dict[str, str]) -> Options:
    def options(consultation: Consultation, tr: Translator) -> list[Answer]:
        return [
            Answer(key, tr._(label), tr._(SHORT_LABELS[key]) if key in SHORT_LABELS else "")
            for key, label in labels.items()
        ]

    return options


def _configured(pick: Callable[[Consultation], tuple[Option, ...]]) -> Options:
    def options(consultation: Consultation, tr: Translator) -> list[Answer]:
        language = tr.language
        return [
            Answer(o.id, o.label(language), o.short_label(language), o.description(language))
            for o in pick(consultation)
        ]

    return options


# --- the default conversation ----------------------------------------------------------------------

PROBLEM = Step(
    "problem",
    "problem",
    N_("Describe the problem: what happens, where, who is affected, and since when?"),
    TextInput(Bounds(20, 1200)),
    "problem",
    review=N_("Problem: {value}"),
    edit=N_("Edit problem"),
    heading=N_("Problem"),
)
SOLUTION = Step(
    "solution",
    "solution",
    N_("What do you propose to solve it?"),
    TextInput(Bounds(20, 1200)),
    "solution",
    review=N_("Proposed solution: {value}"),
    edit=N_("Edit solution"),
    heading=N_("Proposed solution"),
)
CONTRIBUTION = Step(
    "contribution",
    "contribution",
    N_("How would your proposal help? Who would benefit, and how?"),
    TextInput(Bounds(10, 800)),
    "contribution",
    review=N_("How it would help: {value}"),
    edit=N_("Edit how it helps"),
    heading=N_("How it would help"),
)
LEAD_INSTITUTION = Step(
    "lead_institution",
    "lead",
    N_("Which institution do you think should lead it? (a suggestion for the team)"),
    TextInput(Bounds(3, 200)),
    "lead_institution",
    review=N_("Suggested lead institution: {value}"),
    edit=N_("Edit institution"),
    heading=N_("Suggested lead institution"),
)
"""Not asked by default: a consultation asks it with ``optional_steps = ["lead_institution"]``."""

DEFAULT_STEPS = StepTable(
    [
        Step(
            "profile_sector",
            "sector",
            N_("Which sector do you belong to?"),
            ChoiceInput(_fixed(SECTORS), columns=2),
            "sector",
            skippable=True,
            once_per_participant=True,
        ),
        Step(
            "profile_zone",
            "zone",
            N_("Where do you live? ({question})"),
            ChoiceInput(_configured(lambda c: c.zones), columns=2),
            "zone",
            skippable=True,
            once_per_participant=True,
            asked=lambda consultation: bool(consultation.zones),
        ),
        Step(
            "profile_age",
            "age",
            N_("What is your age range?"),
            ChoiceInput(_fixed(AGE_RANGES), columns=3),
            "age_range",
            skippable=True,
            once_per_participant=True,
        ),
        Step(
            "axis",
            "axis",
            N_("Which thematic axis of the development plan is your proposal about?"),
            ChoiceInput(_configured(lambda c: c.axes), explain=True),
            "axis",
            column="axis_id",
            review=N_("Thematic axis: {value}"),
            edit=N_("Edit axis"),
            heading=N_("Thematic axis"),
        ),
        Step(
            "pillar",
            "pillar",
            N_("Which open-government pillar does it strengthen?"),
            ChoiceInput(_configured(lambda c: c.pillars), explain=True),
            "pillar",
            column="pillar_id",
            review=N_("Pillar: {value}"),
            edit=N_("Edit pillar"),
            heading=N_("Open-government pillar"),
        ),
        PROBLEM,
        SOLUTION,
        CONTRIBUTION,
        Step(
            "extras",
            "extras",
            N_(
                "Optional: send a location (📎 → Location) or up to {count} photos that show the "
                "problem. When you are done, press the button."
            ),
            AttachmentInput(max_photos=3),
            "location",
            edit=N_("Add location or photos"),
            at_review=True,
        ),
    ]
)

OPTIONAL_STEPS: dict[str, tuple[Step, str]] = {"lead_institution": (LEAD_INSTITUTION, "extras")}
"""Steps a consultation file may add, and the step each goes before."""


def steps_for(consultation: Consultation) -> StepTable:
    """The default conversation with the optional steps the consultation asks for."""
    table = DEFAULT_STEPS
    for name in consultation.optional_steps:
        if name not in OPTIONAL_STEPS:
            known = ", ".join(OPTIONAL_STEPS)
            raise ConsultationError(
                f"{consultation.source}: unknown optional step {name!r} (known: {known})", source=consultation.source
            )
        step, before = OPTIONAL_STEPS[name]
        table = table.with_steps(step, before=before)
    return table
