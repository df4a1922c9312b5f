"""The unit of work: one transaction per incoming update, committed once."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from storage.database import Database
from storage.errors import Conflict
from storage.repositories import (
    ConversationRepository,
    Counters,
    Outbox,
    ParticipantRepository,
    ProposalRepository,
    UpdateLog,
)
from storage.staff import AuditLog, StaffRepository
from storage.threads import GroupLinks, ThreadRepository


class UnitOfWork:
    """``async with uow: ...; await uow.commit()`` — anything not committed is rolled back."""

    participants: ParticipantRepository
    conversations: ConversationRepository
    proposals: ProposalRepository
    updates: UpdateLog
    outbox: Outbox
    counters: Counters
    staff: StaffRepository
    audit: AuditLog
    threads: ThreadRepository
    group_links: GroupLinks

    def __init__(self, database: Database) -> None:
        self._database = database
        self._session: AsyncSession | None = None
        self._lock_cm = database.writing()

    @property
    def database(self) -> Database:
        """For reads that stream on a connection of their own (exports, statistics)."""
        return self._database

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("the unit of work is not open")
        return self._session

    async def __aenter__(self) -> UnitOfWork:
        await self._lock_cm.__aenter__()
        session = self._database.sessions()
        self._session = session
        self.participants = ParticipantRepository(session)
        self.conversations = ConversationRepository(session)
        self.proposals = ProposalRepository(session)
        self.updates = UpdateLog(session)
        self.outbox = Outbox(session)
        self.counters = Counters(session)
        self.staff = StaffRepository(session)
        self.audit = AuditLog(session)
        self.threads = ThreadRepository(session)
        self.group_links = GroupLinks(session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._session is not None:
                await self._session.close()  # rolls back what was not committed; objects stay readable
        finally:
            self._session = None
            await self._lock_cm.__aexit__(exc_type, exc, tb)
            self._lock_cm = self._database.writing()

    async def commit(self) -> None:
        try:
            await self.session.commit()
        except StaleDataError as error:
            raise Conflict(str(error)) from error

    async def rollback(self) -> None:
        await self.session.rollback()


class UnitOfWorkFactory:
    def __init__(self, database: Database) -> None:
        self.database = database

    def __call__(self) -> UnitOfWork:
        return UnitOfWork(self.database)
