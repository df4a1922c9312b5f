"""Proposals written straight into the database, for export, statistics and import tests and benchmarks
(no conversation needed)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import insert

from storage.database import Database, open_database, upgrade
from storage.models import (
    Conversation,
    Counter,
    Participant,
    Proposal,
    ThreadMessage,
    Workshop,
    WorkshopOrigin,
    WorkshopTable,
)
from storage.uow import UnitOfWork

QUITO = ZoneInfo("America/Guayaquil")
SUBMITTED = datetime(2026, 11, 20, 9, 15, tzinfo=QUITO)


async def participant(database: Database, telegram_id: str = "770001", pseudonym: str = "vecino-7f3a") -> int:
    async with UnitOfWork(database) as uow:
        found = await uow.participants.find("telegram", telegram_id)
        if found is None:
            found = await uow.participants.add(
                Participant(
                    channel="telegram",
                    external_id=telegram_id,
                    pseudonym=pseudonym,
                    language="es",
                    consented_at=SUBMITTED,
                    profile_done=True,
                    sector="academia",
                    zone="quitumbe",
                    age_range="30-44",
                )
            )
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
    consultation: str = "quito-2024",
) -> int:
    participant_id = await participant(database, telegram_id, pseudonym)
    async with UnitOfWork(database) as uow:
        added = await uow.proposals.add(
            Proposal(
                code=code,
                consultation=consultation,
                participant_id=participant_id,
                participant_pseudonym=pseudonym,
                axis_id=axis_id,
                pillar_id=pillar_id,
                problem=problem,
                solution=solution,
                contribution=contribution,
                zone=zone,
                sector=sector,
                age_range=age_range,
                language=language,
                channel="telegram",
                latitude=location[0] if location else None,
                longitude=location[1] if location else None,
                attachments=list(attachments),
                status=status,
                status_reason=status_reason,
                answered_at=answered_at,
                submitted_at=submitted_at,
            ),
            actor="citizen",
        )
        for n in range(follow_ups):
            await uow.threads.add(
                ThreadMessage(
                    proposal_id=added.id,
                    participant_id=participant_id,
                    direction="question" if n % 2 == 0 else "answer",
                    text=f"Pregunta {n}",
                    actor="moderator",
                )
            )
        await uow.commit()
        return added.id


FIRST_CHAT = 500_000


async def many_authors(database_url: str, authors: int) -> None:
    """``authors`` people with one proposal each (codes UIO-0001…), written in bulk."""
    database = open_database(database_url)
    await upgrade(database)
    ids = range(1, authors + 1)
    async with database.engine.begin() as conn:
        await conn.execute(
            insert(Participant),
            [
                {
                    "id": i,
                    "channel": "telegram",
                    "external_id": str(FIRST_CHAT + i),
                    "pseudonym": f"P-{i:06d}",
                    "language": "es" if i % 3 else "en",
                    "consented_at": SUBMITTED,
                    "profile_done": True,
                }
                for i in ids
            ],
        )
        await conn.execute(
            insert(Conversation),
            [
                {
                    "id": i,
                    "channel": "telegram",
                    "chat_id": str(FIRST_CHAT + i),
                    "participant_id": i,
                    "step": "idle",
                    "draft": {},
                    "language": "es" if i % 3 else "en",
                    "version": 1,
                }
                for i in ids
            ],
        )
        await conn.execute(
            insert(Proposal),
            [
                {
                    "id": i,
                    "code": f"UIO-{i:04d}",
                    "consultation": "quito-2024",
                    "participant_id": i,
                    "participant_pseudonym": f"P-{i:06d}",
                    "axis_id": str(i % 6 + 1),
                    "pillar_id": "integrity",
                    "problem": "Problema de prueba suficientemente largo.",
                    "solution": "Solución de prueba bastante larga.",
                    "contribution": "Ayudaría a todos.",
                    "language": "es",
                    "channel": "telegram",
                    "attachments": [],
                    "status": "received",
                    "submitted_at": SUBMITTED,
                }
                for i in ids
            ],
        )
        await conn.execute(insert(Counter), [{"name": "code:quito-2024", "value": authors}])
    await database.dispose()


def answers_csv(folder: Path, authors: int) -> Path:
    """A code,status,answer file answering every proposal of ``many_authors``."""
    path = folder / "answers.csv"
    rows = (
        f"UIO-{i:04d},{'accepted' if i % 2 else 'not_adopted'},Respuesta motivada número {i}.\n"
        for i in range(1, authors + 1)
    )
    path.write_text("code,status,answer\n" + "".join(rows), encoding="utf-8")
    return path


async def workshop(
    database: Database,
    name: str = "Taller Calderón",
    *,
    zone: str | None = "calderon",
    tables: int = 3,
    held_on: date = date(2026, 11, 21),
) -> int:
    async with UnitOfWork(database) as uow:
        added = await uow.workshops.add(
            Workshop(consultation="quito-2024", name=name, zone=zone, held_on=held_on, created_by="operator:cli-test"),
            [WorkshopTable(number=n) for n in range(1, tables + 1)],
        )
        await uow.commit()
        return added.id


async def workshop_proposal(
    database: Database,
    code: str,
    workshop_id: int,
    *,
    table: int = 1,
    backers: int | None = 8,
    axis_id: str = "4",
    pillar_id: str = "participation",
    zone: str | None = "calderon",
    problem: str = "Faltan luminarias en las paradas del barrio desde hace dos años.",
    status: str = "received",
    status_reason: str | None = None,
    submitted_at: datetime = SUBMITTED,
    reference: str | None = None,
) -> int:
    """A proposal of a workshop table: no participant, no pseudonym, no profile."""
    async with UnitOfWork(database) as uow:
        added = await uow.proposals.add(
            Proposal(
                code=code,
                consultation="quito-2024",
                participant_id=None,
                participant_pseudonym=None,
                axis_id=axis_id,
                pillar_id=pillar_id,
                problem=problem,
                solution="Instalar luminarias solares en cada parada.",
                contribution="Más seguridad al esperar el bus.",
                zone=zone,
                language="es",
                channel="telegram",
                attachments=[],
                status=status,
                status_reason=status_reason,
                answered_at=submitted_at if status_reason else None,
                submitted_at=submitted_at,
                source="workshop",
            ),
            actor="facilitator:staff-1",
        )
        await uow.workshops.add_origin(
            WorkshopOrigin(
                proposal_id=added.id,
                workshop_id=workshop_id,
                table_number=table,
                backers=backers,
                entered_by="facilitator:staff-1",
                reference=reference,
            )
        )
        await uow.commit()
        return added.id


SEEDED = [  # code, axis, language, (problem, solution, contribution): two groups of near-duplicates, two alone
    (
        "UIO-0001",
        "4",
        "es",
        (
            "Los buses del corredor sur no publican horarios en las paradas desde 2023.",
            "Publicar horarios en tiempo real en cada parada y en datos abiertos.",
            "Menos espera y más control ciudadano del servicio.",
        ),
    ),
    (
        "UIO-0002",
        "1",
        "es",
        (
            "El parque de La Magdalena está oscuro en la noche y hay asaltos cada semana.",
            "Instalar luminarias LED en el parque de La Magdalena y en las calles de acceso.",
            "Menos asaltos y familias usando el parque.",
        ),
    ),
    (
        "UIO-0003",
        "4",
        "es",
        (
            "Las paradas del corredor sur no tienen horarios publicados desde 2023.",
            "Publicar los horarios en tiempo real en cada parada y como datos abiertos.",
            "Menos tiempo de espera y más control del servicio.",
        ),
    ),
    (
        "UIO-0004",
        "1",
        "es",
        (
            "En Calderón el carro recolector pasa una vez por semana y la basura se acumula en las esquinas.",
            "Poner contenedores y recolectar la basura tres veces por semana.",
            "Calles limpias y menos enfermedades.",
        ),
    ),
    (
        "UIO-0005",
        "4",
        "en",
        (
            "The bus stops on the southern corridor have had no published timetables since 2023.",
            "Publish real-time timetables at every stop and as open data.",
            "Less waiting and more citizen oversight of the service.",
        ),
    ),
    (
        "UIO-0006",
        "1",
        "es",
        (
            "El parque de La Magdalena no tiene luz en la noche y roban a los vecinos.",
            "Poner luces LED en el parque de La Magdalena y sus calles.",
            "Familias seguras en el parque.",
        ),
    ),
    (
        "UIO-0007",
        "6",
        "es",
        (
            "En Yaruquíes se va el agua dos o tres veces por semana sin aviso.",
            "Publicar con anticipación el horario de cortes de agua por SMS y WhatsApp.",
            "Las familias podríamos guardar agua.",
        ),
    ),
]


async def similar_proposals(database: Database) -> None:
    """``SEEDED``'s proposals, each by its own author, and an eighth: the buses again, hidden by the
    moderators (never grouped, never shown)."""
    for number, (code, axis, language, (problem, solution, contribution)) in enumerate(SEEDED):
        await proposal(
            database,
            code,
            telegram_id=str(7000 + number),
            pseudonym=f"autor-{number}",
            axis_id=axis,
            problem=problem,
            solution=solution,
            contribution=contribution,
            language=language,
        )
    await proposal(database, "UIO-0008", telegram_id="7100", pseudonym="autor-x", problem=SEEDED[0][3][0])
    async with database.engine.begin() as conn:
        await conn.exec_driver_sql("UPDATE proposals SET hidden = true WHERE code = 'UIO-0008'")
