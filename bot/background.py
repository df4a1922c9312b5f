"""What runs beside the channels, once per process: housekeeping, the reminder round, the bot's exports,
and once at start the similar-proposals index (the model loaded and the index built before the first
citizen needs them).

Both loops stop between two rounds, never in the middle of a database call (a call cut in half would
leave the driver's thread answering a closed event loop)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from bot import housekeeping, reminders
from handlers.services import Services
from handlers.staff import export_jobs

log = logging.getLogger(__name__)

STOP_GRACE_SECONDS = 10.0
EXPORTS_EVERY = 2.0
"""How often the queue of ``/export`` jobs is looked at."""
START_AFTER = 1.0
"""Seconds the background waits after start: its first rounds (each first query SQLAlchemy compiles, the
similarity model) would otherwise take the CPU the channels need to reach their first poll (issue 13:
``cocrea run`` polling within 1.5 s)."""


async def after(seconds: float, work: Callable[[], Awaitable[None]], stopping: asyncio.Event) -> None:
    """``work()`` once ``seconds`` have passed, unless stopping meanwhile."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stopping.wait(), seconds)
    if not stopping.is_set():
        await work()


async def every(seconds: float, work: Callable[[], Awaitable[None]], stopping: asyncio.Event) -> None:
    while not stopping.is_set():
        await work()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), seconds)


class Background:
    def __init__(
        self,
        services: Services,
        wake: Callable[[], None],
        *,
        reminder_every: float = reminders.EVERY,
        housekeeping_every: float = housekeeping.EVERY,
        exports_every: float = EXPORTS_EVERY,
        start_after: float = START_AFTER,
    ) -> None:
        self._services = services
        self._wake = wake
        self._reminder_every = reminder_every
        self._housekeeping_every = housekeeping_every
        self._exports_every = exports_every
        self._start_after = start_after
        self._stopping = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self._stopping.clear()
        services = self._services
        stopping = self._stopping
        rounds: list[tuple[str, Callable[[], Awaitable[None]]]] = [
            (
                "housekeeping",
                lambda: every(self._housekeeping_every, lambda: housekeeping.run_round(services), stopping),
            ),
            (
                "reminders",
                lambda: every(self._reminder_every, lambda: reminders.run_round(services, self._wake), stopping),
            ),
            ("exports", lambda: every(self._exports_every, self._exports, stopping)),
            ("similar proposals", lambda: warm_up(services, stopping)),
        ]
        self._tasks = [
            asyncio.create_task(after(self._start_after, work, stopping), name=name) for name, work in rounds
        ]

    async def _exports(self) -> None:
        try:
            await export_jobs.run_round(self._services, self._wake, self._stopping)
        except Exception:
            log.exception("the export round failed; trying again later")

    async def stop(self) -> None:
        self._stopping.set()
        if self._tasks:
            _, late = await asyncio.wait(self._tasks, timeout=STOP_GRACE_SECONDS)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        self._tasks = []


async def warm_up(services: Services, stopping: asyncio.Event) -> None:
    """Load the similarity model, then build the index; a failure only costs the first review some time.
    Stopping meanwhile leaves the model's loading to its thread (no database call is cut in half)."""
    loading = asyncio.ensure_future(services.similar.load_model())
    stopped = asyncio.ensure_future(stopping.wait())
    try:
        await asyncio.wait({loading, stopped}, return_when=asyncio.FIRST_COMPLETED)
        if stopping.is_set():
            return
        loading.result()
        await services.similar.catch_up(services.uow)
    except Exception:
        log.exception("could not prepare the similar-proposals index; it will be built at the first review")
    finally:
        stopped.cancel()
        loading.add_done_callback(lambda done: done.cancelled() or done.exception())  # retrieved: never logged
