"""What moderators do to a proposal or for a citizen, one use case each, called alike by the
moderators' group, the command line and the web desk. Each returns the messages it owes people
(the caller writes them to the outbox in the same transaction) and writes the audit log."""

from __future__ import annotations

from handlers.actors import Actor, channel_of
from handlers.i18n import Translator
from handlers.intake.text_input import Accepted, check_text
from handlers.messages import Address, Choice, Outgoing, Reference
from handlers.moderation.recipients import author_of
from handlers.moderation.threads import MESSAGE_BOUNDS
from handlers.services import Services
from handlers.staff.permissions import MODERATE, roles_with
from storage.models import Proposal, ThreadMessage
from storage.uow import UnitOfWork

MODERATING_ROLES = roles_with(MODERATE)
"""Who may act in the moderators' group (declared with every other permission)."""


class Unreachable(Exception):
    """The person can no longer be reached (they deleted their data)."""


class Refused(Exception):
    """A staff member's message that cannot be sent; the reason is in their language."""


def staff_message(raw: str, tr: Translator) -> str:
    """A message from staff to a citizen, normalised and within bounds; raises ``Refused`` saying why not."""
    verdict = check_text(raw, MESSAGE_BOUNDS, tr)
    if not isinstance(verdict, Accepted):
        raise Refused(verdict.reason)
    return verdict.text


async def ask_author(
    uow: UnitOfWork, services: Services, actor: Actor, proposal: Proposal, text: str, *, via: str | None = None
) -> Outgoing:
    """A question to the author — for a workshop proposal, to the facilitator who entered it — in their
    language and labelled with the code; they answer with a reply or the button. Raises ``Unreachable``
    when the author deleted their data (or the facilitator is no longer one)."""
    recipient = await author_of(uow, services, proposal)
    if recipient is None:
        raise Unreachable(proposal.code)
    await uow.threads.add(
        ThreadMessage(
            proposal_id=proposal.id,
            participant_id=proposal.participant_id,
            direction="question",
            text=text,
            actor=str(actor),
            created_at=services.clock(),
        )
    )
    await uow.audit.record(str(actor), "ask_author", proposal.code, **channel_of(via))
    tr = services.translator(recipient.language)
    heading = (
        tr._("Question from the team about your proposal {code}:").format(code=proposal.code)
        if recipient.origin is None
        else tr._("Question from the team about {code}, a proposal of table {table} ({workshop}):").format(
            code=proposal.code, table=recipient.origin.table, workshop=recipient.origin.name
        )
    )
    return Outgoing(
        to=recipient.address,
        text=heading + "\n\n" + text + "\n\n" + tr._("Reply to this message, or press the button, to answer."),
        choices=((Choice(f"answer:{proposal.id}", tr._("Answer")),),),
        about=Reference("question", proposal_id=proposal.id),
        language=tr.language,
        subject=tr._("your proposal {code}").format(code=proposal.code),
    )


async def reply_to_participant(
    uow: UnitOfWork, services: Services, actor: Actor, participant_id: int, text: str, *, via: str | None = None
) -> Outgoing:
    """The team's answer to a citizen's /ask question (which it closes). Raises ``Unreachable`` when they
    deleted their data."""
    conversation = await uow.conversations.of_participant(participant_id)
    if conversation is None:
        raise Unreachable(str(participant_id))
    await uow.threads.add(
        ThreadMessage(
            participant_id=participant_id, direction="reply", text=text, actor=str(actor), created_at=services.clock()
        )
    )
    await uow.audit.record(str(actor), "reply_to_question", None, **channel_of(via))
    tr = services.translator(conversation.language)
    return Outgoing(
        to=Address(conversation.channel, conversation.chat_id),
        text=tr._("Answer from the team to your question:") + "\n\n" + text,
        about=Reference("reply", participant_id=participant_id),
        language=tr.language,
        subject=tr._("your question to the team"),
    )


async def set_hidden(
    uow: UnitOfWork, actor: Actor, proposal: Proposal, hidden: bool, *, via: str | None = None
) -> None:
    """Hide a proposal from everything public (or show it again)."""
    proposal.hidden = hidden
    await uow.audit.record(str(actor), "hide" if hidden else "unhide", proposal.code, **channel_of(via))
