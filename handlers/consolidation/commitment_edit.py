"""Editing a commitment: the OGP template's fields and the group's reasoned answer.

A field left ``None`` stays as it is. Setting the lead institution (or ``confirm_lead``) confirms it: it is
no longer only what a citizen suggested. A new answer becomes the answer of every proposal merged into the
commitment (their status history records it) and is told to their people, once per text; the default
answer follows a new title silently."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from handlers.actors import Actor, channel_of
from handlers.consolidation.commitment_notices import answer_changed, answer_event, tell
from handlers.consolidation.commitment_people import people_of
from handlers.consolidation.commitment_rules import (
    CommitmentRefused,
    clean_answer,
    clean_text,
    clean_title,
    find_commitment,
    parse_date,
)
from handlers.consolidation.commitment_template import OGP_VALUES, default_answer
from handlers.i18n import N_
from handlers.services import Services
from storage.models import Commitment
from storage.uow import UnitOfWork

TEXT_FIELDS = (
    "problem",
    "status_quo",
    "action",
    "contribution",
    "long_term_goal",
    "policy_area",
    "sector",
    "supporting_institutions",
)


@dataclass(frozen=True)
class CommitmentEdit:
    """What staff change; ``None`` leaves a field as it is. Dates are ``YYYY-MM-DD`` ("" clears one);
    ``ogp_values`` are ids of ``OGP_VALUES``; an empty ``answer`` restores the default answer."""

    title: str | None = None
    problem: str | None = None
    status_quo: str | None = None
    action: str | None = None
    contribution: str | None = None
    long_term_goal: str | None = None
    ogp_values: Sequence[str] | None = None
    policy_area: str | None = None
    sector: str | None = None
    lead_institution: str | None = None
    confirm_lead: bool = False
    supporting_institutions: str | None = None
    starts_on: str | None = None
    ends_on: str | None = None
    answer: str | None = None


@dataclass(frozen=True)
class Edited:
    commitment: Commitment
    changed: tuple[str, ...]
    """The names of the fields that changed (those of ``CommitmentEdit``)."""
    told: int
    """Messages queued for the people of its proposals (a new answer)."""


async def update_commitment(
    uow: UnitOfWork, services: Services, actor: Actor, code: str, edit: CommitmentEdit, *, via: str | None = None
) -> Edited:
    """Apply ``edit`` to the commitment ``code``; everything is checked before anything changes."""
    commitment = await find_commitment(uow, services, code)
    values = _checked(commitment, edit)
    tr = services.staff_translator
    was_default = commitment.answer == default_answer(tr, commitment.code, commitment.title)
    changed = [name for name, value in values.items() if getattr(commitment, name) != value]
    for name in changed:
        setattr(commitment, name, values[name])
        if name == "lead_institution":
            commitment.lead_suggested = False
    if edit.confirm_lead and commitment.lead_suggested:
        commitment.lead_suggested = False
        changed.append("confirm_lead")
    told_answer = edit.answer is not None
    if edit.answer is not None:
        answer = clean_answer(edit.answer) or default_answer(tr, commitment.code, commitment.title)
    elif was_default:
        answer = default_answer(tr, commitment.code, commitment.title)  # the default follows a new title
    else:
        answer = commitment.answer
    told = 0
    if answer != commitment.answer:
        commitment.answer = answer
        changed.append("answer")
        await _answer_sources(uow, actor, commitment)
        if told_answer:
            proposals = [p for p, _ in await uow.commitments.sources(commitment.id)]
            people = await people_of(uow, services, proposals)
            told = await tell(
                uow, services, commitment, answer_event(answer), people, answer_changed(services, commitment)
            )
    if changed:
        commitment.updated_at = services.clock()
        await uow.audit.record(str(actor), "commitment.edit", commitment.code, fields=changed, **channel_of(via))
    return Edited(commitment, tuple(changed), told)


def _checked(commitment: Commitment, edit: CommitmentEdit) -> dict[str, object]:
    """The new values of the fields ``edit`` sets, each checked."""
    values: dict[str, object] = {}
    if edit.title is not None:
        values["title"] = clean_title(edit.title)
    for name in TEXT_FIELDS:
        value = getattr(edit, name)
        if value is not None:
            values[name] = clean_text(value)
    if edit.lead_institution is not None:
        values["lead_institution"] = clean_text(edit.lead_institution)
    if edit.ogp_values is not None:
        chosen = list(dict.fromkeys(v.strip().lower() for v in edit.ogp_values if v.strip()))
        for value in chosen:
            if value not in OGP_VALUES:
                raise CommitmentRefused(
                    N_("Unknown OGP value {value}. Values: {known}."), value=value[:40], known=", ".join(OGP_VALUES)
                )
        values["ogp_values"] = chosen
    starts = commitment.starts_on if edit.starts_on is None else parse_date(edit.starts_on)
    ends = commitment.ends_on if edit.ends_on is None else parse_date(edit.ends_on)
    if starts is not None and ends is not None and starts > ends:
        raise CommitmentRefused(N_("The commitment cannot end before it starts."))
    if edit.starts_on is not None:
        values["starts_on"] = starts
    if edit.ends_on is not None:
        values["ends_on"] = ends
    return values


async def _answer_sources(uow: UnitOfWork, actor: Actor, commitment: Commitment) -> None:
    """The new answer is each merged proposal's answer — or, for a proposal merged into a further
    commitment since, what a later undo of that one gives back."""
    sources = await uow.commitments.sources(commitment.id)
    chains = await uow.commitments.links_of([p.id for p, _ in sources])
    for proposal, link in sources:
        chain = chains.get(proposal.id, [link])
        later = chain[chain.index(link) + 1 :] if link in chain else []
        if later:
            later[0].previous_reason = commitment.answer
        elif proposal.status == "merged" and proposal.status_reason != commitment.answer:
            proposal.status_reason = commitment.answer
            uow.proposals.record_status(proposal, commitment.answer, str(actor))
