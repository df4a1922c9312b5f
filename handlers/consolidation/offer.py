"""At review, before sending: published proposals like the draft, offered to support instead.

The review screen is drawn synchronously from the chat's state (so that a typed option number names
what was shown). After each event that showed the review, ``at_review`` looks for similar proposals
when the draft's texts changed since the last look, or checks the ones shown (still published, their
status now) when they did not, keeps them in the state, and draws the review again when what it
shows changed. Only when similar proposals exist does the screen differ.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

from handlers.consolidation.similar import is_published, proposal_text
from handlers.context import Context
from handlers.intake.draft import Similar
from handlers.intake.screens import REVIEW, screen
from storage.models import Proposal

PROBLEM_START = 90
"""Characters of a similar proposal's problem shown at review."""


def fingerprint(text: str, language: str) -> str:
    return hashlib.sha256(f"{language}\x1f{text}".encode()).hexdigest()[:16]


def problem_start(problem: str, limit: int = PROBLEM_START) -> str:
    flat = " ".join(problem.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def shown(proposal: Proposal) -> Similar:
    return Similar(proposal.id, proposal.code, proposal.axis_id, proposal.status, problem_start(proposal.problem))


async def at_review(ctx: Context) -> None:
    """After the event: the review it showed, with the similar proposals of the draft (if any)."""
    where = ctx.review_shown
    participant = ctx.participant
    if where is None or participant is None or ctx.facilitator_chat is not None or ctx.step != REVIEW:
        return
    state = ctx.state
    draft = state.draft
    texts = proposal_text(draft.problem, draft.solution, draft.contribution)
    key = fingerprint(texts, ctx.language)
    if key == state.similar_for:
        similar = await still_published(ctx, state.similar)
    else:
        supported = await ctx.uow.supports.proposal_ids_of(participant.id)
        found = await ctx.services.similar.similar_to(
            ctx.services.uow,
            ctx.uow,
            texts,
            ctx.language,
            consultation=ctx.consultation.slug,
            exclude=supported,
            participant_id=participant.id,
        )
        similar = tuple(shown(hit.proposal) for hit in found)
    if (similar, key) == (state.similar, state.similar_for):
        return
    ctx.go(REVIEW, replace(state, similar=similar, similar_for=key))
    if similar == state.similar:
        return
    index, problem = where
    review, choices = screen(ctx)
    text = f"{problem}\n\n{review}" if problem else review
    ctx.replies[index] = replace(ctx.replies[index], text=text, choices=choices)


async def still_published(ctx: Context, similar: tuple[Similar, ...]) -> tuple[Similar, ...]:
    """The proposals shown before that are still published, with their status now."""
    if not similar:
        return ()
    proposals = await ctx.uow.proposals.by_ids([item.id for item in similar])
    return tuple(
        replace(item, status=proposal.status)
        for item in similar
        if (proposal := proposals.get(item.id)) is not None and is_published(proposal)
    )
