"""Drafting a commitment from proposals merges them into it — without losing anyone.

Each source proposal gets status ``merged`` with the group's reasoned answer (its status history keeps
what came before), is linked to the commitment with the status, answer and answer time it had, and every
author and supporter is told once, in their language, on their channel. Nothing is destroyed: texts,
authors, supporters, threads and histories stay. A merge can be undone (all sources or some), restoring
what each proposal was and telling the people of the correction; a proposal covering two topics can be
split: linked to a further commitment.

A proposal's links form a chain, oldest first: each link keeps the state the proposal had before it. Taking
a link out hands its kept state to the next link, or — for the last one — gives it back to the proposal.

Running a step again tells nobody twice:

* ``draft`` with a title the consultation already has, from the same proposals, changes nothing and
  returns that commitment (an interrupted or repeated command is safe); from other proposals it is
  refused (add them with ``merge_into``);
* ``merge_into`` and ``split`` refuse a proposal already part of that commitment;
* a person already told that their proposals are part of a commitment is not told again when more of
  their proposals join it; ``undo_merge`` cannot run twice on the same links (they are gone), and tells
  only people who had been told of the merge.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from handlers.actors import Actor, channel_of
from handlers.consolidation.commitment_notices import MERGED, merged, tell, undone
from handlers.consolidation.commitment_people import count_people, people_of, supporter_sectors
from handlers.consolidation.commitment_rules import (
    CommitmentRefused,
    clean_answer,
    clean_title,
    codes_of,
    find_commitment,
    find_proposals,
    same_title,
    split_codes,
)
from handlers.consolidation.commitment_template import default_answer, prefill
from handlers.i18n import N_
from handlers.moderation.statuses import Change, change_status
from handlers.services import Services
from storage.models import Commitment, CommitmentSource, Proposal
from storage.uow import UnitOfWork

UNDONE = "undone"
TICK = timedelta(microseconds=1)


@dataclass(frozen=True)
class Merged:
    """What a merge did: the commitment, the codes of the proposals newly linked to it, how many messages
    were queued, and (for a draft) whether the commitment is new."""

    commitment: Commitment
    merged: tuple[str, ...]
    told: int
    created: bool = False


@dataclass(frozen=True)
class Undone:
    commitment: Commitment
    restored: tuple[str, ...]
    """The codes of the proposals taken out of the commitment."""
    told: int


async def draft(
    uow: UnitOfWork,
    services: Services,
    actor: Actor,
    codes: Iterable[str],
    title: str,
    *,
    answer: str | None = None,
    via: str | None = None,
) -> Merged:
    """Draft a commitment titled ``title`` from the proposals ``codes`` and merge them into it. ``answer``
    is the reasoned answer for the group (default: a text naming the commitment, told to each person in
    their language). Committed by the caller."""
    title = clean_title(title)
    text = clean_answer(answer or "")
    proposals = await find_proposals(uow, services, codes)
    consultation = services.consultation
    for existing in await uow.commitments.of_consultation(consultation.slug):
        if same_title(existing.title, title):
            linked = (await uow.commitments.source_codes([existing.id])).get(existing.id, [])
            if set(linked) == set(codes_of(proposals)):
                return Merged(existing, (), 0)  # the same command again: nothing changes, nobody is told
            raise CommitmentRefused(
                N_("There is already a commitment titled “{title}”: {commitment}."),
                title=existing.title,
                commitment=existing.code,
            )
    tr = services.staff_translator
    code = await uow.commitments.next_code(consultation.slug, consultation.code_prefix)
    people = await count_people(uow, proposals)
    filled = prefill(consultation, tr, proposals, await supporter_sectors(uow, proposals), people)
    now = services.clock()
    commitment = await uow.commitments.add(
        Commitment(
            code=code,
            consultation=consultation.slug,
            title=title,
            problem=filled.problem,
            status_quo=filled.status_quo,
            action=filled.action,
            contribution=filled.contribution,
            long_term_goal="",
            ogp_values=filled.ogp_values,
            policy_area=filled.policy_area,
            sector="",
            lead_institution=filled.lead_institution,
            lead_suggested=filled.lead_suggested,
            supporting_institutions=filled.supporting_institutions,
            answer=text or default_answer(tr, code, title),
            created_by=str(actor),
            created_at=now,
            updated_at=now,
        )
    )
    told = await _link(uow, services, actor, commitment, proposals, via)
    await uow.audit.record(
        str(actor), "commitment.draft", code, title=title, sources=codes_of(proposals), **channel_of(via)
    )
    return Merged(commitment, tuple(codes_of(proposals)), told, created=True)


async def draft_commitment(
    uow: UnitOfWork,
    services: Services,
    actor: Actor,
    codes: Iterable[str],
    title: str,
    *,
    answer: str | None = None,
    via: str | None = None,
) -> Commitment:
    """``draft``, returning the commitment only."""
    return (await draft(uow, services, actor, codes, title, answer=answer, via=via)).commitment


async def merge_into(
    uow: UnitOfWork, services: Services, actor: Actor, code: str, codes: Iterable[str], *, via: str | None = None
) -> Merged:
    """Merge more proposals into the existing commitment ``code`` (its template fields stay as staff left
    them). A proposal already part of it is refused."""
    commitment = await find_commitment(uow, services, code)
    proposals = await find_proposals(uow, services, codes)
    links = await uow.commitments.links_of([p.id for p in proposals])
    for proposal in proposals:
        if any(link.commitment_id == commitment.id for link in links.get(proposal.id, [])):
            raise CommitmentRefused(
                N_("{code} is already part of {commitment}."), code=proposal.code, commitment=commitment.code
            )
    told = await _link(uow, services, actor, commitment, proposals, via)
    await uow.audit.record(
        str(actor), "commitment.merge", commitment.code, sources=codes_of(proposals), **channel_of(via)
    )
    return Merged(commitment, tuple(codes_of(proposals)), told)


async def split(
    uow: UnitOfWork, services: Services, actor: Actor, proposal_code: str, into: str, *, via: str | None = None
) -> Merged:
    """A proposal that covers two topics: link it, already part of a commitment, to a further one ``into``
    as well. Its people are told about the further commitment."""
    commitment = await find_commitment(uow, services, into)
    (proposal,) = await find_proposals(uow, services, [proposal_code.replace(",", "")])
    links = (await uow.commitments.links_of([proposal.id])).get(proposal.id, [])
    if any(link.commitment_id == commitment.id for link in links):
        raise CommitmentRefused(
            N_("{code} is already part of {commitment}."), code=proposal.code, commitment=commitment.code
        )
    if not links:
        raise CommitmentRefused(
            N_("{code} is not part of any commitment yet, so there is nothing to split: merge it into {commitment}."),
            code=proposal.code,
            commitment=commitment.code,
        )
    told = await _link(uow, services, actor, commitment, [proposal], via)
    codes = (await uow.commitments.commitments_of([proposal.id])).get(proposal.id, [])
    await uow.audit.record(
        str(actor), "commitment.split", proposal.code, into=commitment.code, commitments=codes, **channel_of(via)
    )
    return Merged(commitment, (proposal.code,), told)


async def undo_merge(
    uow: UnitOfWork,
    services: Services,
    actor: Actor,
    code: str,
    *,
    proposals: Iterable[str] | None = None,
    via: str | None = None,
) -> Undone:
    """Take proposals out of the commitment ``code`` (all of them by default): each gets back the status,
    answer and answer time it had before (or stays merged while it is part of another commitment), and
    the people who were told of the merge are told of the correction, once. The commitment itself stays,
    with its fields, milestones and progress."""
    commitment = await find_commitment(uow, services, code)
    sources = await uow.commitments.sources(commitment.id)
    chosen = list(sources)
    if proposals is not None:
        wanted = split_codes(proposals)
        known = {p.code for p, _ in sources}
        for wanted_code in wanted:
            if wanted_code not in known:
                raise CommitmentRefused(
                    N_("{code} is not part of {commitment}."), code=wanted_code[:24], commitment=commitment.code
                )
        chosen = [(p, link) for p, link in sources if p.code in wanted]
    if not chosen:
        raise CommitmentRefused(N_("No proposal is part of {commitment}: there is nothing to undo."), commitment=code)
    taken = [p for p, _ in chosen]
    people = await people_of(uow, services, taken)
    chains = await uow.commitments.links_of([p.id for p in taken])
    for proposal, link in chosen:
        chain = chains.get(proposal.id, [link])
        later = chain[chain.index(link) + 1 :] if link in chain else []
        if later:
            _hand_over(link, later[0])
        else:
            _give_back(uow, proposal, link, actor)
    await uow.commitments.unlink(link for _, link in chosen)
    taken_ids = {p.id for p in taken}
    remaining = await people_of(uow, services, [p for p, _ in sources if p.id not in taken_ids])
    still = {key for person in remaining for key in person.keys}
    keys = sorted({key for person in people for key in person.keys})
    told_of_merge = await uow.commitments.already_told(commitment.id, MERGED, keys) if keys else set()
    told = await tell(
        uow, services, commitment, UNDONE, [p for p in people if p.keys & told_of_merge], undone(commitment)
    )
    await uow.commitments.forget_told(commitment.id, MERGED, [key for key in keys if key not in still])
    await uow.audit.record(str(actor), "commitment.undo", commitment.code, proposals=codes_of(taken), **channel_of(via))
    return Undone(commitment, tuple(codes_of(taken)), told)


async def _link(
    uow: UnitOfWork,
    services: Services,
    actor: Actor,
    commitment: Commitment,
    proposals: Sequence[Proposal],
    via: str | None,
) -> int:
    """Link ``proposals`` to ``commitment``, mark them merged with its answer, and tell their people."""
    now = services.clock()
    chains = await uow.commitments.links_of([p.id for p in proposals])
    await uow.commitments.link(
        CommitmentSource(
            commitment_id=commitment.id,
            proposal_id=proposal.id,
            previous_status=proposal.status,
            previous_reason=proposal.status_reason,
            previous_answered_at=proposal.answered_at,
            linked_by=str(actor),
            linked_at=_after(now, chains.get(proposal.id, [])),
        )
        for proposal in proposals
    )
    for proposal in proposals:
        # The status change as any other (history, thread, audit); its own notice is replaced by one
        # message per person for the whole group, below.
        await change_status(uow, services, proposal, Change("merged", commitment.answer, actor, via), {})
    people = await people_of(uow, services, proposals)
    keys = sorted({key for person in people for key in person.keys})
    await uow.commitments.forget_told(commitment.id, UNDONE, keys)  # a later correction is news again
    return await tell(uow, services, commitment, MERGED, people, merged(services, commitment))


def _after(now: datetime, chain: Sequence[CommitmentSource]) -> datetime:
    """A link's time, strictly after the proposal's previous links: the chain's order never ties."""
    last = max((link.linked_at for link in chain), default=None)
    return now if last is None or now > last else last + TICK


def _hand_over(link: CommitmentSource, following: CommitmentSource) -> None:
    following.previous_status = link.previous_status
    following.previous_reason = link.previous_reason
    following.previous_answered_at = link.previous_answered_at


def _give_back(uow: UnitOfWork, proposal: Proposal, link: CommitmentSource, actor: Actor) -> None:
    """The proposal's state before ``link``, unless staff changed its status since the merge."""
    if proposal.status != "merged":
        return
    proposal.status = link.previous_status
    proposal.status_reason = link.previous_reason
    proposal.answered_at = link.previous_answered_at
    uow.proposals.record_status(proposal, link.previous_reason, str(actor))
