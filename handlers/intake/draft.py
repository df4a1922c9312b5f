"""The proposal being written, as a typed value, and where a chat stands besides it.

The draft's fields follow the OGP commitment template's mapping (DOMAIN.md): axis → policy
area, pillar → OGP value, problem → problem and status quo, solution → action, contribution →
how it contributes, a suggested institution → lead institution. The state is stored as JSON in
the conversation row, in the same flat shape as before it was typed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

from handlers.messages import Location

TEXT_FIELDS = ("problem", "solution", "contribution", "lead_institution")
CHOICE_FIELDS = ("axis", "pillar")
NUMBER_FIELDS = ("backers",)


@dataclass(frozen=True)
class Draft:
    axis: str | None = None
    pillar: str | None = None
    problem: str | None = None
    solution: str | None = None
    contribution: str | None = None
    lead_institution: str | None = None
    backers: int | None = None
    """How many people at a workshop table back the proposal (entered by a facilitator)."""
    location: Location | None = None
    photos: tuple[str, ...] = ()

    def get(self, name: str) -> str | None:
        """A choice, text or number field by name (as the step table names it), as text."""
        value = getattr(self, name)
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return value if isinstance(value, str) else None

    def with_value(self, name: str, value: str | int | None) -> Draft:
        """This draft with a choice, text or number field set (by the name the step table gives it)."""
        values: dict[str, Any] = {name: value}
        return replace(self, **values)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for name in CHOICE_FIELDS + TEXT_FIELDS + NUMBER_FIELDS:
            if (value := getattr(self, name)) is not None:
                data[name] = value
        if self.location is not None:
            data["location"] = [self.location.latitude, self.location.longitude]
        if self.photos:
            data["photos"] = list(self.photos)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Draft:
        values: dict[str, Any] = {name: str(data[name]) for name in CHOICE_FIELDS + TEXT_FIELDS if data.get(name)}
        values.update({name: data[name] for name in NUMBER_FIELDS if isinstance(data.get(name), int)})
        location = data.get("location")
        if isinstance(location, list) and len(location) == 2:
            values["location"] = Location(float(location[0]), float(location[1]))
        photos = data.get("photos")
        if isinstance(photos, list):
            values["photos"] = tuple(str(photo) for photo in photos)
        return cls(**values)


@dataclass(frozen=True)
class Aside:
    """A step and draft kept aside while the citizen answers a question or asks one."""

    step: str
    state: State


@dataclass(frozen=True)
class Similar:
    """A published proposal like the draft, as the review shows it (no author information): kept with
    the state so that the review is drawn again, and a typed option number read, without a search."""

    id: int
    code: str
    axis: str
    status: str
    problem: str
    """The start of its problem."""

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "code": self.code, "axis": self.axis, "status": self.status, "problem": self.problem}

    @classmethod
    def from_json(cls, data: Any) -> Similar | None:
        if not isinstance(data, dict) or not isinstance(data.get("id"), int):
            return None
        return cls(
            data["id"],
            str(data.get("code", "")),
            str(data.get("axis", "")),
            str(data.get("status", "")),
            str(data.get("problem", "")),
        )


@dataclass(frozen=True)
class State:
    """Everything a chat carries besides its step: the draft, whether a field is being edited
    from the review, what was kept aside, which proposal a follow-up answer is about, and the
    similar proposals the review shows (with the fingerprint of the texts they were found for)."""

    draft: Draft = field(default_factory=Draft)
    editing: bool = False
    aside: Aside | None = None
    proposal_id: int | None = None
    code: str | None = None
    similar: tuple[Similar, ...] = ()
    similar_for: str = ""

    def to_json(self) -> dict[str, Any]:
        data = self.draft.to_json()
        if self.editing:
            data["editing"] = True
        if self.aside is not None:
            data["stash"] = {"step": self.aside.step, "draft": self.aside.state.to_json()}
        if self.proposal_id is not None:
            data["proposal_id"] = self.proposal_id
        if self.code is not None:
            data["code"] = self.code
        if self.similar:
            data["similar"] = [similar.to_json() for similar in self.similar]
        if self.similar_for:
            data["similar_for"] = self.similar_for
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> State:
        data = data or {}
        stash = data.get("stash")
        aside = None
        if isinstance(stash, dict):
            inner = stash.get("draft")
            aside = Aside(str(stash.get("step", "idle")), cls.from_json(inner if isinstance(inner, dict) else {}))
        proposal_id = data.get("proposal_id")
        listed = data.get("similar")
        similar = [Similar.from_json(item) for item in listed] if isinstance(listed, list) else []
        return cls(
            draft=Draft.from_json(data),
            editing=bool(data.get("editing")),
            aside=aside,
            proposal_id=int(proposal_id) if isinstance(proposal_id, int | str) and str(proposal_id).isdigit() else None,
            code=str(data["code"]) if data.get("code") else None,
            similar=tuple(item for item in similar if item is not None),
            similar_for=str(data.get("similar_for") or ""),
        )


DRAFT_FIELDS = tuple(f.name for f in fields(Draft))
