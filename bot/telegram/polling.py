"""Long polling that confirms a batch of updates only after every update in it was processed.

Telegram confirms updates by the ``offset`` of the next ``getUpdates`` call. Libraries
usually ask for the next batch while the previous one is still being handled, so a
crash loses that batch. Here the next call (and so the confirmation) waits until the
batch is processed and committed; the updates of one batch run concurrently (the engine
keeps each chat in order), and after a crash Telegram delivers the batch again, which
the engine recognises by update id.

An update the database cannot take now (``DatabaseUnavailable``: locked by a long import,
unreachable) is tried again with backoff, and its batch is not confirmed until it went
through — or, when the poller stops meanwhile, never, so that Telegram delivers it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from bot.outbox.sending import RetryAfter, SendError
from storage.errors import DatabaseUnavailable

log = logging.getLogger(__name__)

RawUpdate = Mapping[str, Any]
GetUpdates = Callable[[int | None, int], Awaitable[Sequence[RawUpdate]]]
Process = Callable[[RawUpdate], Awaitable[None]]


class BatchPoller:
    def __init__(
        self, get_updates: GetUpdates, process: Process, *, timeout: int = 25, max_backoff: float = 30.0
    ) -> None:
        self._get_updates = get_updates
        self._process = process
        self._timeout = timeout
        self._max_backoff = max_backoff
        self._stop = asyncio.Event()
        self._stopped = asyncio.Event()
        self._fetch: asyncio.Task[Sequence[RawUpdate]] | None = None

    async def run(self) -> None:
        offset: int | None = None
        backoff = 0.0
        self._stopped.clear()
        try:
            while not self._stop.is_set():
                try:
                    batch = await self._next_batch(offset)
                except asyncio.CancelledError:
                    if self._stop.is_set():
                        return
                    raise
                except Exception as error:  # network, 5xx, 429, or an answer that is not JSON
                    backoff = self._wait_after(error, backoff)
                    await self._pause(backoff)
                    continue
                backoff = 0.0
                if batch:
                    done = await asyncio.gather(*(self._process_safely(update) for update in batch))
                    if all(done):
                        offset = max(int(update["update_id"]) for update in batch) + 1
        finally:
            self._stopped.set()

    async def _next_batch(self, offset: int | None) -> Sequence[RawUpdate]:
        self._fetch = asyncio.ensure_future(self._get_updates(offset, self._timeout))
        try:
            return await self._fetch
        finally:
            self._fetch = None

    async def _process_safely(self, update: RawUpdate) -> bool:
        """True once the update went through (or can never go through); False when stopped before."""
        backoff = 0.0
        while True:
            try:
                await self._process(update)
                return True
            except DatabaseUnavailable as error:
                backoff = min(max(backoff * 2, 0.5), self._max_backoff)
                log.warning(
                    "update %s waits: the database cannot take it now (%s); retrying in %.1f s",
                    update.get("update_id"),
                    error,
                    backoff,
                )
                await self._pause(backoff)
                if self._stop.is_set():
                    return False
            except Exception:  # the engine already guards; this keeps one bad update from stopping polling
                log.exception("update %s could not be processed", update.get("update_id"))
                return True

    def _wait_after(self, error: Exception, backoff: float) -> float:
        if isinstance(error, RetryAfter):
            return error.seconds
        if not isinstance(error, SendError | OSError | TimeoutError):
            log.exception("getUpdates gave an answer that could not be used; retrying", exc_info=error)
        else:
            log.warning("getUpdates failed (%s); retrying", error)
        return min(max(backoff * 2, 0.5), self._max_backoff)

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), seconds)

    async def stop(self) -> None:
        """Finish the batch in hand, abandon the long poll in flight (nothing is confirmed by it)."""
        self._stop.set()
        if self._fetch is not None:
            self._fetch.cancel()
        await self._stopped.wait()
