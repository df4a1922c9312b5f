"""Status changes with reasoned answers, delivered to the author in their language.

The OGP co-creation standards (and Ecuador's right to a reasoned answer) require that
every participant learns what became of a proposal and why: a change to accepted,
merged or not adopted therefore needs an answer text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from handlers.choices import STATUSES
from handlers.i18n import Catalogs
from handlers.messages import Outgoing
from storage.models import Proposal, ThreadMessage
from storage.uow import UnitOfWork

NEEDS_ANSWER = frozenset({"accepted", "merged", "not_adopted"})
MAX_ANSWER = 3000


class StatusRefused(Exception):
    """The change cannot be made; the message says why, in plain English (for staff)."""


@dataclass(frozen=True)
class Change:
    status: str
    answer: str = ""
    actor: str = "staff"


def check(proposal: Proposal, change: Change) -> None:
    if change.status not in STATUSES:
        raise StatusRefused(f"unknown status {change.status!r}; statuses are {', '.join(STATUSES)}")
    if proposal.status == "withdrawn" and change.actor != "citizen":
        raise StatusRefused(f"{proposal.code} was withdrawn by its author")
    if change.status in NEEDS_ANSWER and not change.answer.strip():
        raise StatusRefused(f"{STATUSES[change.status]} needs a reasoned answer for the author")
    if len(change.answer) > MAX_ANSWER:
        raise StatusRefused(f"the answer is {len(change.answer)} characters; the limit is {MAX_ANSWER}")


async def change_status(
    uow: UnitOfWork, catalogs: Catalogs, proposal: Proposal, change: Change, now: datetime, timezone: str
) -> list[Outgoing]:
    """Apply ``change`` (after ``check``), keep its history, and return the author's notification."""
    check(proposal, change)
    answer = change.answer.strip()
    proposal.status = change.status
    if answer:
        proposal.status_reason, proposal.answered_at = answer, now
    uow.proposals.record_status(proposal, answer or None, change.actor)
    await uow.audit.record(change.actor, "change_status", proposal.code, status=change.status)
    if answer:
        await uow.threads.add(ThreadMessage(proposal_id=proposal.id, participant_id=proposal.participant_id,
                                            direction="status", text=answer, actor=change.actor))
    if change.actor == "citizen":
        return []
    return await _notify_author(uow, catalogs, proposal, answer, timezone)


async def _notify_author(
    uow: UnitOfWork, catalogs: Catalogs, proposal: Proposal, answer: str, timezone: str
) -> list[Outgoing]:
    if proposal.participant_id is None:
        return []  # the author deleted their data: nobody to tell
    conversation = await uow.conversations.of_participant(proposal.participant_id)
    if conversation is None:
        return []
    tr = catalogs.get(conversation.language, timezone)
    text = tr._("Update on your proposal {code}: {status}.").format(
        code=proposal.code, status=tr._(STATUSES[proposal.status]))
    if answer:
        text += "\n\n" + tr._("The team's answer:") + "\n" + answer
    return [Outgoing(chat_id=conversation.chat_id, text=text[:4096])]
