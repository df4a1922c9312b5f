"""Status changes with reasoned answers, delivered to the author in their language.

The OGP co-creation standards (and Ecuador's right to a reasoned answer) require that
every participant learns what became of a proposal and why: a change to accepted,
merged or not adopted therefore needs an answer text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from handlers.choices import STATUSES
from handlers.i18n import N_, Catalogs, Translator
from handlers.messages import Outgoing
from storage.models import Proposal, ThreadMessage
from storage.uow import UnitOfWork

NEEDS_ANSWER = frozenset({"accepted", "merged", "not_adopted"})
MAX_ANSWER = 3000


class StatusRefused(Exception):
    """The change cannot be made. ``str()`` says why in English (the CLI); ``explain(tr)`` in a language."""

    def __init__(self, message: str, **values: str | int) -> None:
        super().__init__(message.format(**values))
        self.message, self.values = message, values

    def explain(self, tr: Translator) -> str:
        values = dict(self.values)
        if isinstance(values.get("status"), str) and values["status"] in STATUSES.values():
            values["status"] = tr._(str(values["status"]))  # a status label, shown in the reader's language
        return tr._(self.message).format(**values)


@dataclass(frozen=True)
class Change:
    status: str
    answer: str = ""
    actor: str = "staff"


def check(proposal: Proposal, change: Change) -> None:
    if change.status not in STATUSES:
        raise StatusRefused(N_("unknown status {status}; statuses are {known}"), status=change.status,
                            known=", ".join(STATUSES))
    if proposal.status == "withdrawn" and change.actor != "citizen":
        raise StatusRefused(N_("{code} was withdrawn by its author"), code=proposal.code)
    if change.status in NEEDS_ANSWER and not change.answer.strip():
        raise StatusRefused(N_("{status} needs a reasoned answer for the author"), status=STATUSES[change.status])
    if len(change.answer) > MAX_ANSWER:
        raise StatusRefused(N_("the answer is {length} characters; the limit is {maximum}"),
                            length=len(change.answer), maximum=MAX_ANSWER)


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
