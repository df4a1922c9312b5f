"""The unit of work: one transaction per incoming update, committed once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.commitments import CommitmentRepository
from storage.database import Database, off_the_loop
from storage.errors import translate
from storage.export_jobs import ExportJobs
from storage.reports import Reports
from storage.repositories import (
    DELIVERED_ALONE,
    ConversationRepository,
    Counters,
    FacilitatorChatsOfUpdate,
    Outbox,
    ParticipantRepository,
    ProposalRepository,
    UpdateLog,
)
from storage.staff import AuditLog, Invitations, StaffRepository
from storage.supports import SupportRepository
from storage.threads import GroupLinks, ThreadRepository
from storage.vectors import ProposalVectors
from storage.web_access import WebAccess
from storage.workshops import WorkshopRepository

SQLITE_WRITER_PAUSE = 0.1


class UnitOfWork:
    """``async with uow: ...; await uow.commit()`` — anything not committed is rolled back.

    A reading unit of work (``read_only=True``) never waits for the writers' lock and cannot commit:
    pages that only show data use it, so that they never queue behind a write."""

    participants: ParticipantRepository
    conversations: ConversationRepository
    proposals: ProposalRepository
    updates: UpdateLog
    outbox: Outbox
    counters: Counters
    staff: StaffRepository
    invitations: Invitations
    audit: AuditLog
    threads: ThreadRepository
    group_links: GroupLinks
    reports: Reports
    workshops: WorkshopRepository
    facilitator_chats: FacilitatorChatsOfUpdate
    web: WebAccess
    supports: SupportRepository
    export_jobs: ExportJobs
    commitments: CommitmentRepository
    vectors: ProposalVectors

    def __init__(self, database: Database, *, read_only: bool = False) -> None:
        self._database = database
        self._read_only = read_only
        self._session: AsyncSession | None = None
        self._lock_cm = database.reading() if read_only else database.writing()

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("the unit of work is not open")
        return self._session

    def __getattr__(self, name: str) -> Any:
        """A repository is made when first asked for (an update uses three or four of the twenty)."""
        make = REPOSITORIES.get(name)
        if make is None:
            raise AttributeError(name)
        repository = make(self)
        setattr(self, name, repository)
        return repository

    async def __aenter__(self) -> UnitOfWork:
        await self._lock_cm.__aenter__()
        self._session = self._database.read_only_sessions() if self._read_only else self._database.sessions()
        for name in REPOSITORIES:  # those of an earlier use of this unit of work had its session
            self.__dict__.pop(name, None)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back what was not committed; a driver error raised inside leaves as ours (``translate``)."""
        try:
            if self._session is not None:
                await self._session.close()  # rolls back what was not committed; objects stay readable
        finally:
            self._session = None
            await self._lock_cm.__aexit__(exc_type, exc, tb)
            self._lock_cm = self._database.reading() if self._read_only else self._database.writing()
        translated = translate(exc) if exc is not None else None
        if translated is not None:
            raise translated from exc

    @property
    def read_only(self) -> bool:
        return self._read_only

    async def delivered_alone(self, message_id: int) -> bool:
        """The sender's delete of a message sent, in a transaction of its own without the session (SQLite:
        ``Database.alone``), when this unit of work has written nothing else (the sender's ``after_send``
        usually has nothing to record). False, having done nothing, when it must go through the session
        (``outbox.delivered``, then ``commit``)."""
        session = self.session
        if self._read_only or session.in_transaction() or session.new or session.dirty or session.deleted:
            return False
        return await self._database.alone(DELIVERED_ALONE, (message_id,))

    async def commit(self) -> None:
        if self._read_only:
            raise RuntimeError("a reading unit of work cannot commit")
        await self.session.commit()


REPOSITORIES: dict[str, Callable[[UnitOfWork], Any]] = {
    "participants": lambda uow: ParticipantRepository(uow.session),
    "conversations": lambda uow: ConversationRepository(uow.session),
    "proposals": lambda uow: ProposalRepository(uow.session),
    "updates": lambda uow: UpdateLog(uow.session),
    "outbox": lambda uow: Outbox(uow.session),
    "counters": lambda uow: Counters(uow.session),
    "staff": lambda uow: StaffRepository(uow.session),
    "invitations": lambda uow: Invitations(uow.session),
    "audit": lambda uow: AuditLog(uow.session),
    "threads": lambda uow: ThreadRepository(uow.session),
    "group_links": lambda uow: GroupLinks(uow.session),
    "reports": lambda uow: Reports(uow._database),
    "workshops": lambda uow: WorkshopRepository(uow.session),
    "facilitator_chats": lambda uow: FacilitatorChatsOfUpdate(uow.session),
    "web": lambda uow: WebAccess(uow.session),
    "supports": lambda uow: SupportRepository(uow.session),
    "export_jobs": lambda uow: ExportJobs(uow.session),
    "commitments": lambda uow: CommitmentRepository(uow.session),
    "vectors": lambda uow: ProposalVectors(uow.session),
}
"""How each of a unit of work's repositories is made (see ``UnitOfWork.__getattr__``)."""


class UnitOfWorkFactory:
    def __init__(self, database: Database) -> None:
        self.database = database

    def __call__(self) -> UnitOfWork:
        return UnitOfWork(self.database)

    async def let_others_write(self) -> None:
        """Between two transactions of bulk work: SQLite's lock is not fair, so a writer that takes it again
        at once can starve another process's writer (the bot); a short pause lets it in."""
        if self.database.is_sqlite:
            await asyncio.sleep(SQLITE_WRITER_PAUSE)

    def reading(self) -> UnitOfWork:
        """For work that only reads: it never holds the write lock (SQLite), so writers never wait for it."""
        return UnitOfWork(self.database, read_only=True)

    @asynccontextmanager
    async def reading_in_background(self) -> AsyncIterator[UnitOfWork]:
        """``reading`` for long work beside the bot's updates (a background export): on SQLite its statements
        run on the driver's thread, not on the event loop (``storage.database.off_the_loop``)."""
        with off_the_loop():
            async with self.reading() as uow:
                yield uow
