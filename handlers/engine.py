"""The conversation engine: one transaction per event, processed at most once.

* the event id is recorded in the same transaction as the event's effects and
  its replies (written to the outbox), so a redelivered event changes nothing;
* events of one chat run one after another (an in-process lock per chat; across
  workers a PostgreSQL advisory lock per chat, held for the event's transaction; and
  should anything else write meanwhile, the conversation row's version column rejects
  it and the event is retried — a conflict met anywhere in the transaction is retried);
* a database that cannot take the event now (locked by a long write, unreachable)
  raises ``DatabaseUnavailable``: the channel does not confirm the event, which comes again;
* a failure inside a step rolls everything back, records the event and sends an
  apology, so one bad event can neither crash the process nor be retried forever;
* replies to the person who wrote are sent at once, still in the chat's turn; messages to
  anyone else (the moderators' group, other people) are left to the outbox drainer, so that
  a slow pace elsewhere never holds a citizen's turn.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime

from handlers.channels import channel_name
from handlers.context import Context
from handlers.intake.onboarding import guess_language
from handlers.messages import Address, Incoming, Outgoing
from handlers.outbox import REPLY, release_waiting
from handlers.router import route
from handlers.services import Services
from storage.errors import AlreadyRecorded, Conflict, DatabaseUnavailable
from storage.locks import lock_chat
from storage.models import Conversation, OutboxMessage, Participant
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5

Deliver = Callable[[list[int]], Awaitable[None]]
Notify = Callable[[], None]


class DuplicateUpdate(Exception):
    """Another worker recorded this update first."""


class NotRecorded(Exception):
    """The event could not even be recorded (the database failed): the channel must deliver it again."""


@dataclass
class Claim:
    """The replies to the event's own chat are queued claimed until ``until`` by the sender ``deliver`` hands
    them to; once committed, ``rows`` holds them as queued, for that sender to send without reading them back."""

    until: datetime
    rows: dict[int, OutboxMessage] = field(default_factory=dict)


class ChatLocks:
    """One asyncio lock per chat, dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[tuple[str, str], tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: tuple[str, str]) -> AsyncIterator[None]:
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
    def __init__(self, services: Services, on_queued: Notify | None = None) -> None:
        self.services = services
        self.on_queued = on_queued
        """Called when messages for other chats were queued (the runners wake their drainers)."""
        self._uow: Callable[[], UnitOfWork] = services.uow
        self._locks = ChatLocks()

    async def handle(
        self,
        incoming: Incoming,
        deliver: Deliver | None = None,
        *,
        must_record: bool = False,
        claimed_until: datetime | None = None,
        handed: dict[int, OutboxMessage] | None = None,
    ) -> list[int]:
        """Process ``incoming`` once; ``deliver`` gets the outbox ids of the replies to its chat,
        still inside the chat's turn so that they keep their order. Returns those ids. With
        ``must_record``, an event that could not be recorded raises ``NotRecorded`` (a webhook then
        answers so that it comes again). ``claimed_until``: the replies to its chat are queued already
        claimed by the sender that ``deliver`` hands them to (no second write to claim them); ``handed`` then
        gets those replies as they were queued, once committed (that sender need not read them back)."""
        claim = None if claimed_until is None else Claim(claimed_until, {} if handed is None else handed)
        async with self._locks.hold((incoming.channel, incoming.chat_id)):
            queued = await self._process(incoming, must_record, claim)
            mine = [message_id for message_id, to in queued if to == incoming.address]
            if len(mine) < len(queued) and self.on_queued is not None:
                self.on_queued()
            if deliver is not None and mine:
                await deliver(mine)
            return mine

    async def _process(self, incoming: Incoming, must_record: bool, claim: Claim | None) -> list[tuple[int, Address]]:
        """Raises ``DatabaseUnavailable`` when the database cannot take the event now: the channel must
        not confirm it, so that it comes again (a locked or unreachable database never drops a step)."""
        for _ in range(MAX_ATTEMPTS):
            try:
                return await self._attempt(incoming, claim)
            except Conflict:
                log.info("another worker wrote for chat %s meanwhile; retrying its event", incoming.chat_id)
            except DuplicateUpdate:
                return []
            except DatabaseUnavailable:
                raise
            except Exception:
                log.exception("event %s failed; answering with an apology", incoming.event_id)
                return await self._apologise(incoming, must_record, claim)
        return await self._apologise(incoming, must_record, claim)

    async def _attempt(self, incoming: Incoming, claim: Claim | None) -> list[tuple[int, Address]]:
        async with self._uow() as uow:
            await lock_chat(uow, incoming.channel, incoming.chat_id)
            if not await self._claim(uow, incoming):
                return []
            ctx = await self._context(uow, incoming)
            released = await self._person_wrote(ctx)
            await route(ctx)
            ids, claimed = await self._post(uow, ctx.replies, incoming.address, claim)
            if ctx.conversation is not None:
                await uow.conversations.save(ctx.conversation)
            await uow.commit()
            _hand(claim, claimed)
            waited = [(message_id, incoming.address) for message_id in released]
            return waited + [(message_id, reply.to) for message_id, reply in zip(ids, ctx.replies, strict=True)]

    async def _person_wrote(self, ctx: Context) -> list[int]:
        """Note when the person last wrote (reply windows, reminders) and release what waited for them."""
        if not ctx.incoming.is_private:
            return []
        if ctx.conversation is not None:
            ctx.conversation.last_seen_at = ctx.now
        if not channel_name(ctx.incoming.channel).reply_window:
            return []
        released = await release_waiting(ctx.uow, ctx.incoming.address, ctx.now)
        ctx.released = len(released)
        return released

    async def _claim(self, uow: UnitOfWork, incoming: Incoming) -> bool:
        """Record the event id first thing; False when it was recorded before (a redelivery changes nothing)."""
        try:
            return await uow.updates.claim(incoming.channel, incoming.event_id)
        except AlreadyRecorded as exc:
            raise DuplicateUpdate from exc

    @staticmethod
    async def _post(
        uow: UnitOfWork, replies: list[Outgoing], here: Address, claim: Claim | None
    ) -> tuple[list[int], list[OutboxMessage]]:
        """The replies to the outbox in one statement (``post`` writes one row and one flush at a time), those
        to the event's own chat claimed until the claim's moment when there is one; their ids, and the rows of
        those claimed as queued."""
        until = None if claim is None else claim.until
        queued = [(m.to.channel, m.to.chat_id, m.to_json()) for m in replies]
        claims = [until if m.to == here else None for m in replies]
        ids = await uow.outbox.put_all(queued, REPLY, claims)
        claimed = [
            OutboxMessage(
                id=message_id,
                channel=channel,
                chat_id=chat_id,
                payload=payload,
                status="pending",
                attempts=0,
                priority=REPLY,
                claimed_until=held,
            )
            for message_id, (channel, chat_id, payload), held in zip(ids, queued, claims, strict=True)
            if held is not None
        ]
        return ids, claimed

    async def _context(self, uow: UnitOfWork, incoming: Incoming) -> Context:
        conversation, facilitating = await uow.conversations.of_update(incoming.channel, incoming.chat_id)
        if facilitating is False:  # the facilitator mode's handlers then ask no query of their own
            uow.facilitator_chats.none_for(incoming.channel, incoming.chat_id)
        participant = _writer_of(conversation, incoming)
        if participant is None:  # no conversation yet, a group, or someone else's chat
            participant = await uow.participants.find(incoming.channel, incoming.user_id)
        if participant is not None and conversation is None and incoming.is_private:
            conversation = await uow.conversations.add(
                Conversation(
                    channel=incoming.channel,
                    chat_id=incoming.chat_id,
                    participant_id=participant.id,
                    participant=participant,
                    step="idle",
                    draft={},
                    language=participant.language,
                    last_seen_at=self.services.clock(),
                )
            )
        services = self.services
        ctx = Context(
            incoming,
            uow,
            services,
            services.clock(),
            services.translator(services.catalogs.default),
            participant,
            conversation,
        )
        ctx.use_language(conversation.language if conversation else guess_language(ctx))
        return ctx

    async def _apologise(self, incoming: Incoming, must_record: bool, claim: Claim | None) -> list[tuple[int, Address]]:
        try:
            async with self._uow() as uow:
                await lock_chat(uow, incoming.channel, incoming.chat_id)
                if not await self._claim(uow, incoming):
                    return []
                ctx = await self._context(uow, incoming)
                ctx.say(ctx.tr._("Sorry, something went wrong on our side. Please try again in a moment."))
                ids, claimed = await self._post(uow, ctx.replies, incoming.address, claim)
                await uow.commit()
                _hand(claim, claimed)
                return [(message_id, incoming.address) for message_id in ids]
        except DuplicateUpdate:
            return []
        except DatabaseUnavailable:
            raise
        except Exception as error:
            log.exception("could not even record event %s", incoming.event_id)
            if must_record:
                raise NotRecorded(incoming.event_id) from error
            return []


def _hand(claim: Claim | None, rows: list[OutboxMessage]) -> None:
    """Committed: the claimed replies are the sender's (``Claim.rows``)."""
    if claim is not None:
        claim.rows.update((row.id, row) for row in rows)


def _writer_of(conversation: Conversation | None, incoming: Incoming) -> Participant | None:
    """The conversation's person when they are the one who wrote: loaded with the conversation (joined), so
    the usual private update needs no query of its own for the person."""
    participant = conversation.participant if conversation is not None else None
    if participant is None or (participant.channel, participant.external_id) != (incoming.channel, incoming.user_id):
        return None
    return participant
