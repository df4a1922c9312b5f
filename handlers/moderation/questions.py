"""The citizens' ``/ask`` questions that wait for the team's answer, and answering one.

The privacy notice names /ask as the way to ask for corrections, answered within 15 days (Ley Orgánica
de Protección de Datos Personales), so an open question is always where staff look — the command line
(``cocrea questions``) and the web desk, whether or not a moderators' group is set — with the days left.
A question is open until the team replies to that person (from the group, the desk or the command
line): any reply after it closes it. One use case for every caller.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from handlers.actors import Actor
from handlers.messages import Outgoing
from handlers.moderation.actions import reply_to_participant
from handlers.services import Services
from storage.models import ThreadMessage
from storage.uow import UnitOfWork

MAX_LISTED = 200
ANSWER_WITHIN = timedelta(days=15)


class NoSuchQuestion(Exception):
    """The question does not exist (any more), or it is not an /ask question."""


@dataclass(frozen=True)
class OpenQuestion:
    id: int
    participant_id: int
    pseudonym: str
    """The asker's random pseudonym: never their channel id."""
    language: str
    text: str
    asked_at: datetime
    days_left: int
    """Days left of the 15 the law gives (negative when late)."""
    codes: tuple[str, ...] = ()
    """The codes of the asker's proposals, as context for the answer."""
    earlier: Sequence[ThreadMessage] = ()
    """What this person and the team said before, oldest first."""


async def open_questions(uow: UnitOfWork, services: Services, limit: int = MAX_LISTED) -> list[OpenQuestion]:
    """The questions no reply came after, oldest first, each with the exchange before it."""
    now = services.clock()
    found = []
    for message, participant in await uow.threads.open_questions(limit):
        earlier = [m for m in await uow.threads.of_participant(participant.id) if m.id < message.id]
        proposals = await uow.proposals.of_participant(participant.id)
        found.append(
            OpenQuestion(
                id=message.id,
                participant_id=participant.id,
                pseudonym=participant.pseudonym,
                language=participant.language,
                text=message.text,
                asked_at=message.created_at,
                days_left=(message.created_at + ANSWER_WITHIN - now).days,
                codes=tuple(p.code for p in proposals),
                earlier=earlier,
            )
        )
    return found


async def answer_question(
    uow: UnitOfWork, services: Services, actor: Actor, question_id: int, text: str, *, via: str | None = None
) -> Outgoing:
    """The team's answer to the question ``question_id`` (``text`` already checked with ``staff_message``),
    for its asker's chat. Raises ``NoSuchQuestion``, or ``Unreachable`` when the asker deleted their data."""
    question = await uow.threads.get(question_id)
    if question is None or question.direction != "ask" or question.participant_id is None:
        raise NoSuchQuestion(str(question_id))
    return await reply_to_participant(uow, services, actor, question.participant_id, text, via=via)
