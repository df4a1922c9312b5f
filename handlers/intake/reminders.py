"""One gentle reminder for an abandoned draft (the rule is in ``reminder_policy.py``).

Never twice for one draft, never at night, never after the consultation closed, never to someone who
said ``stop``. A background loop asks for the candidates, then reminds each in a transaction of its own
(a chat that moves meanwhile simply is not reminded this round).
"""

from __future__ import annotations

from datetime import datetime

from handlers.intake.screens import ANSWERING, ASKING, IDLE
from handlers.messages import Address, Choice, Outgoing
from handlers.services import Services
from storage.uow import UnitOfWork

NOT_A_DRAFT = (IDLE, ANSWERING, ASKING)
"""Steps where nothing is left unfinished (a follow-up's aside draft is reminded once the follow-up ends)."""


async def abandoned_drafts(uow: UnitOfWork, services: Services, now: datetime) -> list[int]:
    """Conversations that may be due for their reminder now."""
    policy = services.reminders
    if not policy.enabled or not services.consultation.is_open(now):
        return []
    if not policy.is_day(now, services.consultation.timezone):
        return []
    return await uow.conversations.inactive_drafts(now - policy.earliest, NOT_A_DRAFT, seen_after=now - policy.latest)


async def remind(uow: UnitOfWork, services: Services, conversation_id: int, now: datetime) -> list[Outgoing]:
    """The reminder owed to this conversation now, if any; the caller posts it and commits."""
    conversation = await uow.conversations.get(conversation_id)
    consultation = services.consultation
    if (
        conversation is None
        or conversation.reminded_at is not None
        or conversation.step in NOT_A_DRAFT
        or conversation.last_seen_at is None
        or not conversation.participant.reminders
        or not consultation.is_open(now)
        or not services.reminders.is_due(conversation.last_seen_at, now, consultation.timezone)
    ):
        return []
    conversation.reminded_at = now
    tr = services.translator(conversation.language)
    return [
        Outgoing(
            to=Address(conversation.channel, conversation.chat_id),
            text=tr._(
                "Your proposal is not finished yet. Shall we go on where you left it? "
                "If you prefer no more reminders, send stop."
            ),
            choices=((Choice("resume", tr._("Continue")),),),
            language=tr.language,
            subject=tr._("your proposal in progress"),
        )
    ]
