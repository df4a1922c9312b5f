"""Telling people what became of their proposals: merged into a commitment, taken out of it again, the
team's answer changed, progress made. Each message is written in the person's language and goes through
the outbox in the transaction of the change. What was told to whom is recorded per commitment and event
(``merged``, ``answer:<digest>``, ``progress:<id>``), so that running a step again tells nobody twice."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

from handlers.choices import STATUSES
from handlers.consolidation.commitment_people import Person
from handlers.consolidation.commitment_template import default_answer
from handlers.i18n import Translator
from handlers.messages import Outgoing
from handlers.outbox import post_later
from handlers.services import Services
from storage.models import Commitment, Milestone, ProgressUpdate
from storage.uow import UnitOfWork

MERGED = "merged"

Compose = Callable[[Translator, Person], str]


def answer_event(answer: str) -> str:
    """The event of telling an answer: the same text is told once."""
    return "answer:" + hashlib.sha256(answer.encode("utf-8")).hexdigest()[:16]


def progress_event(update: ProgressUpdate) -> str:
    return f"progress:{update.id}"


async def tell(
    uow: UnitOfWork,
    services: Services,
    commitment: Commitment,
    event: str,
    people: Sequence[Person],
    compose: Compose,
) -> int:
    """Queue one message per person not yet told of ``event`` and record them as told; returns how many."""
    keys = sorted({key for person in people for key in person.keys})
    told = await uow.commitments.already_told(commitment.id, event, keys) if keys else set()
    messages: list[Outgoing] = []
    fresh: set[str] = set()
    for person in people:
        if person.keys <= told:
            continue
        tr = services.translator(person.language)
        subject = tr._("commitment {commitment}").format(commitment=commitment.code)
        messages.append(Outgoing(to=person.address, text=compose(tr, person), language=tr.language, subject=subject))
        fresh |= person.keys - told
    await uow.commitments.mark_told(commitment.id, event, sorted(fresh), services.clock())
    return post_later(uow, messages)


def answer_for(services: Services, commitment: Commitment, tr: Translator) -> str:
    """The group's answer for a reader: the default answer in their language, or the text staff wrote."""
    if commitment.answer == default_answer(services.staff_translator, commitment.code, commitment.title):
        return default_answer(tr, commitment.code, commitment.title)
    return commitment.answer


def _head(tr: Translator, commitment: Commitment) -> str:
    return tr._("Commitment {commitment} of the action plan: “{title}”").format(
        commitment=commitment.code, title=commitment.title
    )


def _following(tr: Translator, person: Person) -> str:
    codes = person.codes()
    return tr.n_(
        "It includes proposal {codes}, which you follow.",
        "It includes proposals {codes}, which you follow.",
        len(codes),
    ).format(codes=", ".join(codes))


def merged(services: Services, commitment: Commitment) -> Compose:
    """The news that proposals became part of ``commitment``, with the team's reasoned answer."""

    def compose(tr: Translator, person: Person) -> str:
        lines = [_head(tr, commitment)]
        own, supported = person.codes("author"), person.codes("supporter")
        if own:
            said = tr.n_(
                "Your proposal {codes} is now part of it.", "Your proposals {codes} are now part of it.", len(own)
            )
            lines.append(said.format(codes=", ".join(own)))
        if supported:
            lines.append(
                tr.n_(
                    "The proposal you support, {codes}, is now part of it.",
                    "The proposals you support, {codes}, are now part of it.",
                    len(supported),
                ).format(codes=", ".join(supported))
            )
        for mention in person.mentions:
            if mention.role == "table" and mention.origin is not None:
                lines.append(
                    tr._("{code}, a proposal of table {table} ({workshop}), is now part of it.").format(
                        code=mention.proposal.code, table=mention.origin.table, workshop=mention.origin.name
                    )
                )
        text = "\n".join(lines)
        return text + "\n\n" + tr._("The team's answer:") + "\n" + answer_for(services, commitment, tr)

    return compose


def undone(commitment: Commitment) -> Compose:
    """The correction: these proposals are no longer part of ``commitment``; each one's status now."""

    def compose(tr: Translator, person: Person) -> str:
        lines = [
            tr._("A correction about commitment {commitment}, “{title}”:").format(
                commitment=commitment.code, title=commitment.title
            )
        ]
        for mention in person.mentions:
            proposal = mention.proposal
            status = tr._(STATUSES.get(proposal.status, proposal.status))
            if mention.role == "author":
                line = tr._("Your proposal {code} is no longer part of it. Its status now: {status}.")
            elif mention.role == "supporter":
                line = tr._("{code}, which you support, is no longer part of it. Its status now: {status}.")
            else:
                line = tr._(
                    "{code}, a proposal of table {table} ({workshop}), is no longer part of it. "
                    "Its status now: {status}."
                )
            origin = mention.origin
            lines.append(
                line.format(
                    code=proposal.code,
                    status=status,
                    table=origin.table if origin else "",
                    workshop=origin.name if origin else "",
                )
            )
        return "\n".join(lines)

    return compose


def answer_changed(services: Services, commitment: Commitment) -> Compose:
    def compose(tr: Translator, person: Person) -> str:
        return (
            _head(tr, commitment)
            + "\n"
            + tr._("The team updated its answer about this commitment:")
            + "\n"
            + answer_for(services, commitment, tr)
            + "\n\n"
            + _following(tr, person)
        )

    return compose


def progressed(commitment: Commitment, update: ProgressUpdate, milestone: Milestone | None) -> Compose:
    def compose(tr: Translator, person: Person) -> str:
        lines = [
            tr._("Progress on commitment {commitment}, “{title}”:").format(
                commitment=commitment.code, title=commitment.title
            )
        ]
        if milestone is not None:
            line = (
                tr._("Milestone {number} done: {milestone}.")
                if update.done
                else tr._("About milestone {number}: {milestone}.")
            )
            lines.append(line.format(number=milestone.number, milestone=milestone.title))
        if update.note:
            lines.append(update.note)
        return "\n".join(lines) + "\n\n" + _following(tr, person)

    return compose
