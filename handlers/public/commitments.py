"""The commitments of the action plan as the public site shows them: what the proposals became and how it
is going. No sign-in, and nothing about a person:

* only the source proposals that are published (not hidden by the moderators, not withdrawn by their
  authors) are named, and a text of an unpublished one that staff left in a field (a draft is pre-filled
  with its sources' texts, each headed by its code) is left out;
* the status quo and the supporting actors are not shown: a draft fills them from the authors' profiles
  (their zones and sectors), which the public export never shows either;
* progress says what and when, never who recorded it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from handlers.consolidation.commitment_rules import CommitmentRefused
from handlers.consolidation.commitment_view import CommitmentView, show_commitment, view_of
from handlers.listing import Paged, page_bounds
from handlers.services import Services
from storage.models import Proposal
from storage.uow import UnitOfWork

PUBLIC_TEXTS = ("problem", "action", "contribution", "long_term_goal")
"""The template's long texts the public reads (in the template's order)."""
PAGE_SIZE = 10
"""Commitments on one page of the public list: each is read with its proposals, people and progress (a
dozen milliseconds each on a small server), so a visitor never makes the server read the whole plan."""


@dataclass(frozen=True)
class PublicSource:
    code: str
    status: str
    problem: str


@dataclass(frozen=True)
class PublicMilestone:
    number: int
    title: str
    due_on: date | None
    done_at: datetime | None


@dataclass(frozen=True)
class PublicProgress:
    milestone: int | None
    milestone_title: str
    done: bool
    note: str
    created_at: datetime


@dataclass(frozen=True)
class PublicCommitment:
    code: str
    title: str
    texts: dict[str, str]
    """``PUBLIC_TEXTS`` by name."""
    ogp_values: tuple[str, ...]
    policy_area: str
    sector: str
    lead_institution: str
    lead_suggested: bool
    starts_on: date | None
    ends_on: date | None
    sources: tuple[PublicSource, ...]
    people: int
    """Everyone behind its proposals, each once (a number, nobody named)."""
    milestones: tuple[PublicMilestone, ...]
    progress: tuple[PublicProgress, ...]
    """Newest first."""

    @property
    def done(self) -> int:
        return sum(1 for m in self.milestones if m.done_at is not None)


@dataclass(frozen=True)
class CommitmentPage(Paged):
    commitments: tuple[PublicCommitment, ...]
    total: int
    number: int
    """1 for the first page."""
    size: int


def published(proposal: Proposal) -> bool:
    return not proposal.hidden and proposal.status != "withdrawn"


async def public_commitments(uow: UnitOfWork, services: Services, page: int = 1) -> CommitmentPage:
    """One page of the consultation's commitments, in the order they were drafted."""
    every = await uow.commitments.of_consultation(services.consultation.slug)
    number, offset, size = page_bounds(page, len(every), PAGE_SIZE)
    shown = [public_view(await view_of(uow, c)) for c in every[offset : offset + size]]
    return CommitmentPage(tuple(shown), len(every), number, size)


async def public_commitment(uow: UnitOfWork, services: Services, code: str) -> PublicCommitment | None:
    try:
        return public_view(await show_commitment(uow, services, code[:24]))
    except CommitmentRefused:
        return None


def public_view(view: CommitmentView) -> PublicCommitment:
    c = view.commitment
    unpublished = [p for p in view.sources if not published(p)]
    steps = {m.number: m.title for m in view.milestones}
    return PublicCommitment(
        code=c.code,
        title=c.title,
        texts={name: without(getattr(c, name), unpublished) for name in PUBLIC_TEXTS},
        ogp_values=tuple(c.ogp_values or ()),
        policy_area=c.policy_area,
        sector=c.sector,
        lead_institution=c.lead_institution,
        lead_suggested=c.lead_suggested,
        starts_on=c.starts_on,
        ends_on=c.ends_on,
        sources=tuple(PublicSource(p.code, p.status, p.problem) for p in view.sources if published(p)),
        people=view.people,
        milestones=tuple(PublicMilestone(m.number, m.title, m.due_on, m.done_at) for m in view.milestones),
        progress=tuple(
            PublicProgress(u.milestone, steps.get(u.milestone or 0, ""), u.done, u.note, u.created_at)
            for u in reversed(view.progress)
        ),
    )


def without(text: str, unpublished: Sequence[Proposal]) -> str:
    """``text`` without the paragraphs that are an unpublished proposal's: headed by its code
    (``UIO-0003: …``, as a draft writes them) or exactly one of its texts."""
    if not unpublished:
        return text
    heads = tuple(f"{p.code}:" for p in unpublished)
    theirs = {" ".join(t.split()) for p in unpublished for t in (p.problem, p.solution, p.contribution) if t}
    kept = [
        part
        for part in text.split("\n\n")
        if not part.strip().startswith(heads) and " ".join(part.split()) not in theirs
    ]
    return "\n\n".join(kept).strip()
