"""Status changes with reasoned answers, delivered to the author — and to every citizen who supports the
proposal, each once — in their language, on their channel.

The OGP co-creation standards (and Ecuador's right to a reasoned answer) require that
every participant learns what became of a proposal and why: a change to accepted,
merged or not adopted therefore needs an answer text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from handlers.actors import CITIZEN, Actor, channel_of
from handlers.choices import STATUSES
from handlers.i18n import N_, Translator
from handlers.messages import Address, Outgoing
from handlers.moderation.recipients import Recipient, author_of, supporters_of
from handlers.services import Services
from handlers.workshops.origin import WORKSHOP
from storage.models import Conversation, Proposal, ThreadMessage
from storage.uow import UnitOfWork

NEEDS_ANSWER = frozenset({"accepted", "merged", "not_adopted"})
FINAL = frozenset({"withdrawn", "accepted", "merged", "not_adopted"})
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
    actor: Actor = CITIZEN
    via: str | None = None
    """Where a staff member made the change (``web``), for the audit log."""


def check(proposal: Proposal, change: Change) -> None:
    if change.status not in STATUSES:
        raise StatusRefused(
            N_("unknown status {status}; statuses are {known}"), status=change.status, known=", ".join(STATUSES)
        )
    if proposal.status == "withdrawn" and change.actor != CITIZEN:
        raise StatusRefused(N_("{code} was withdrawn by its author"), code=proposal.code)
    if change.status in NEEDS_ANSWER and not change.answer.strip():
        raise StatusRefused(N_("{status} needs a reasoned answer for the author"), status=STATUSES[change.status])
    if len(change.answer) > MAX_ANSWER:
        raise StatusRefused(
            N_("the answer is {length} characters; the limit is {maximum}"),
            length=len(change.answer),
            maximum=MAX_ANSWER,
        )


async def change_status(
    uow: UnitOfWork,
    services: Services,
    proposal: Proposal,
    change: Change,
    authors: Mapping[int, Conversation] | None = None,
    supporters: Mapping[int, Sequence[Recipient]] | None = None,
) -> list[Outgoing]:
    """Apply ``change`` (after ``check``), keep its history, and return the notifications: the author's
    (unless the author made the change) and each supporter's, one per person. ``authors`` (participant
    id → conversation) and ``supporters`` (proposal id → recipients, ``supporters_of_many``) spare
    queries per proposal in bulk changes."""
    check(proposal, change)
    answer = change.answer.strip()
    proposal.status = change.status
    if answer:
        proposal.status_reason, proposal.answered_at = answer, services.clock()
    uow.proposals.record_status(proposal, answer or None, str(change.actor))
    await uow.audit.record(
        str(change.actor), "change_status", proposal.code, status=change.status, **channel_of(change.via)
    )
    if answer:
        await uow.threads.add(
            ThreadMessage(
                proposal_id=proposal.id,
                participant_id=proposal.participant_id,
                direction="status",
                text=answer,
                actor=str(change.actor),
                created_at=services.clock(),
            )
        )
    recipients: list[Recipient | None] = []
    if change.actor != CITIZEN:  # the author's own change (withdrawing) is told to its supporters only
        recipients.append(await _author(uow, services, proposal, authors))
    told = {recipient.address for recipient in recipients if recipient is not None}
    told_too = supporters.get(proposal.id, ()) if supporters is not None else await supporters_of(uow, proposal)
    for supporter in told_too:
        if supporter.address not in told:
            told.add(supporter.address)
            recipients.append(supporter)
    return [notice(services, proposal, answer, r) for r in recipients if r is not None]  # None: nobody to tell


async def _author(
    uow: UnitOfWork, services: Services, proposal: Proposal, authors: Mapping[int, Conversation] | None
) -> Recipient | None:
    if authors is not None and proposal.source != WORKSHOP:
        conversation = authors.get(proposal.participant_id) if proposal.participant_id is not None else None
        if conversation is None:
            return None
        return Recipient(Address(conversation.channel, conversation.chat_id), conversation.language)
    return await author_of(uow, services, proposal)


def notice(services: Services, proposal: Proposal, answer: str, recipient: Recipient) -> Outgoing:
    """The author's (or the facilitator's, who tells the table) notification of a new status, in their
    language, on their channel."""
    tr = services.translator(recipient.language)
    status = tr._(STATUSES[proposal.status])
    if recipient.supporter:
        text = tr._("Update on {code}, a proposal you support: {status}.").format(code=proposal.code, status=status)
    elif recipient.origin is None:
        text = tr._("Update on your proposal {code}: {status}.").format(code=proposal.code, status=status)
    else:
        text = tr._("Update on {code}, a proposal of table {table} ({workshop}): {status}.").format(
            code=proposal.code, table=recipient.origin.table, workshop=recipient.origin.name, status=status
        )
    if answer:
        text += "\n\n" + tr._("The team's answer:") + "\n" + answer
    subject = (tr._("the proposal {code} you support") if recipient.supporter else tr._("your proposal {code}")).format(
        code=proposal.code
    )
    return Outgoing(to=recipient.address, text=text, language=tr.language, subject=subject)
