"""The unit of work: one transaction per incoming update, committed once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession

from storage.commitments import CommitmentRepository
from storage.database import Database, off_the_loop
from storage.errors import translate
from storage.export_jobs import ExportJobs
from storage.reports import Reports
from storage.repositories import (
    ConversationRepository,
    Counters,
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
from storage.workshops import FacilitatorChats, WorkshopRepository

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
    facilitator_chats: FacilitatorChats
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

    async def __aenter__(self) -> UnitOfWork:
        await self._lock_cm.__aenter__()
        session = self._database.read_only_sessions() if self._read_only else self._database.sessions()
        self._session = session
        self.participants = ParticipantRepository(session)
        self.conversations = ConversationRepository(session)
        self.proposals = ProposalRepository(session)
        self.updates = UpdateLog(session)
        self.outbox = Outbox(session)
        self.counters = Counters(session)
        self.staff = StaffRepository(session)
        self.invitations = Invitations(session)
        self.audit = AuditLog(session)
        self.threads = ThreadRepository(session)
        self.group_links = GroupLinks(session)
        self.reports = Reports(self._database)
        self.workshops = WorkshopRepository(session)
        self.facilitator_chats = FacilitatorChats(session)
        self.web = WebAccess(session)
        self.supports = SupportRepository(session)
        self.export_jobs = ExportJobs(session)
        self.commitments = CommitmentRepository(session)
        self.vectors = ProposalVectors(session)
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

    async def commit(self) -> None:
        if self._read_only:
            raise RuntimeError("a reading unit of work cannot commit")
        await self.session.commit()


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
