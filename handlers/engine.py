"""The conversation engine: one transaction per update, processed at most once.

* the update id is recorded in the same transaction as the update's effects and
  its replies (written to the outbox), so a redelivered update changes nothing;
* updates of one chat run one after another (an in-process lock per chat; across
  workers the conversation row's version column rejects a concurrent writer and
  the update is retried);
* a failure inside a step rolls everything back, records the update and sends an
  apology, so one bad update can neither crash the process nor be retried forever.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

from handlers.consultation import Consultation
from handlers.context import Context
from handlers.i18n import Catalogs
from handlers.messages import Incoming, Outgoing
from handlers.onboarding import guess_language
from handlers.router import route
from storage.errors import AlreadyRecorded, Conflict
from storage.models import Conversation
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5

Clock = Callable[[], datetime]
Deliver = Callable[[list[int]], Awaitable[None]]


class DuplicateUpdate(Exception):
    """Another worker recorded this update first."""


class ChatLocks:
    """One asyncio lock per chat, dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[tuple[str, int], tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: tuple[str, int]) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)


class Engine:
    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        consultation: Consultation,
        catalogs: Catalogs,
        clock: Clock = lambda: datetime.now(UTC),
        data_dir: Path = Path("data"),
        moderators_chat_id: int | None = None,
    ) -> None:
        self._uow = uow_factory
        self.data_dir = data_dir
        self.moderators_chat_id = moderators_chat_id
        self.consultation = consultation
        self.catalogs = catalogs
        self._clock = clock
        self._locks = ChatLocks()

    async def handle(self, incoming: Incoming, deliver: Deliver | None = None) -> list[int]:
        """Process ``incoming`` once; ``deliver`` gets the ids of its replies in the outbox,
        still inside the chat's turn so that replies keep their order."""
        async with self._locks.hold((incoming.channel, incoming.chat_id)):
            ids = await self._process(incoming)
            if deliver is not None and ids:
                await deliver(ids)
            return ids

    async def _process(self, incoming: Incoming) -> list[int]:
        for _ in range(MAX_ATTEMPTS):
            try:
                return await self._attempt(incoming)
            except Conflict:
                log.info("conversation of chat %s changed meanwhile; retrying", incoming.chat_id)
            except DuplicateUpdate:
                return []
            except Exception:
                log.exception("update %s failed; answering with an apology", incoming.update_id)
                return await self._apologise(incoming)
        return await self._apologise(incoming)

    async def _attempt(self, incoming: Incoming) -> list[int]:
        async with self._uow() as uow:
            if not await self._claim(uow, incoming):
                return []
            ctx = await self._context(uow, incoming)
            await route(ctx)
            ids = await self._enqueue(uow, incoming.channel, ctx.replies)
            await uow.commit()
            return ids

    async def _claim(self, uow: UnitOfWork, incoming: Incoming) -> bool:
        if await uow.updates.seen(incoming.channel, incoming.update_id):
            return False
        try:
            await uow.updates.record(incoming.channel, incoming.update_id)
        except AlreadyRecorded as exc:
            raise DuplicateUpdate from exc
        return True

    async def _context(self, uow: UnitOfWork, incoming: Incoming) -> Context:
        participant = await uow.participants.find(incoming.channel, str(incoming.user_id))
        conversation = await uow.conversations.find(incoming.channel, incoming.chat_id)
        if participant is not None and conversation is None and incoming.chat_type == "private":
            conversation = await uow.conversations.add(Conversation(
                channel=incoming.channel, chat_id=incoming.chat_id, participant_id=participant.id,
                participant=participant, step="idle", draft={}, language=participant.language))
        tz = self.consultation.timezone
        ctx = Context(incoming, uow, self.consultation, self.catalogs, self._clock(),
                      self.catalogs.get(self.catalogs.default, tz), participant, conversation,
                      data_dir=self.data_dir, moderators_chat_id=self.moderators_chat_id)
        ctx.use_language(conversation.language if conversation else guess_language(ctx))
        return ctx

    async def _enqueue(self, uow: UnitOfWork, channel: str, replies: list[Outgoing]) -> list[int]:
        return [(await uow.outbox.put(channel, reply.chat_id, reply.to_json())).id for reply in replies]

    async def _apologise(self, incoming: Incoming) -> list[int]:
        try:
            async with self._uow() as uow:
                if not await self._claim(uow, incoming):
                    return []
                ctx = await self._context(uow, incoming)
                ctx.say(ctx.tr._("Sorry, something went wrong on our side. Please try again in a moment."))
                ids = await self._enqueue(uow, incoming.channel, ctx.replies)
                await uow.commit()
                return ids
        except Exception:
            log.exception("could not even record update %s", incoming.update_id)
            return []
