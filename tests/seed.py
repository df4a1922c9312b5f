"""Proposals written straight into the database, for export and statistics tests (no conversation needed)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from storage.database import Database
from storage.models import Participant, Proposal, ThreadMessage
from storage.uow import UnitOfWork

QUITO = ZoneInfo("America/Guayaquil")
SUBMITTED = datetime(2026, 11, 20, 9, 15, tzinfo=QUITO)


async def participant(database: Database, telegram_id: str = "770001", pseudonym: str = "vecino-7f3a") -> int:
    async with UnitOfWork(database) as uow:
        found = await uow.participants.find("telegram", telegram_id)
        if found is None:
            found = await uow.participants.add(Participant(
                channel="telegram", external_id=telegram_id, pseudonym=pseudonym, language="es",
                consented_at=SUBMITTED, profile_done=True, sector="academia", zone="quitumbe", age_range="30-44"))
            await uow.commit()
        return found.id


async def proposal(
    database: Database,
    code: str,
    *,
    telegram_id: str = "770001",
    pseudonym: str = "vecino-7f3a",
    axis_id: str = "4",
    pillar_id: str = "transparency",
    problem: str = "Los buses del corredor sur no publican horarios en las paradas.",
    solution: str = "Publicar horarios en tiempo real en cada parada.",
    contribution: str = "Menos espera para todos.",
    zone: str | None = "quitumbe",
    sector: str | None = "academia",
    age_range: str | None = "30-44",
    language: str = "es",
    status: str = "received",
    status_reason: str | None = None,
    answered_at: datetime | None = None,
    submitted_at: datetime = SUBMITTED,
    attachments: Sequence[str] = (),
    location: tuple[float, float] | None = None,
    follow_ups: int = 0,
) -> int:
    participant_id = await participant(database, telegram_id, pseudonym)
    async with UnitOfWork(database) as uow:
        added = await uow.proposals.add(Proposal(
            code=code, consultation="quito-2024", participant_id=participant_id, participant_pseudonym=pseudonym,
            axis_id=axis_id, pillar_id=pillar_id, problem=problem, solution=solution, contribution=contribution,
            zone=zone, sector=sector, age_range=age_range, language=language, channel="telegram",
            latitude=location[0] if location else None, longitude=location[1] if location else None,
            attachments=list(attachments), status=status, status_reason=status_reason, answered_at=answered_at,
            submitted_at=submitted_at), actor="citizen")
        for n in range(follow_ups):
            await uow.threads.add(ThreadMessage(
                proposal_id=added.id, participant_id=participant_id, direction="question" if n % 2 == 0 else "answer",
                text=f"Pregunta {n}", actor="moderator"))
        await uow.commit()
        return added.id
