"""``cocrea run --workers N``: N worker processes that share the webhook port, and a parent that starts
them, starts again one that dies, and stops them all on SIGINT or SIGTERM.

Each worker is a whole ``cocrea run`` (``--worker``: it listens with SO_REUSEPORT, and the kernel
shares the incoming connections out between the workers). On PostgreSQL the workers agree among
themselves on the one that sends the outbox and registers the webhook (``bot/outbox/leader.py``), so
several machines behind an HTTP balancer behave the same. A worker that exits with status 2 (a
setting, a token Telegram refuses) would fail again: the parent then stops them all and exits with 2.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Sequence
from dataclasses import dataclass

log = logging.getLogger(__name__)
STOP_GRACE_SECONDS = 20.0
QUICK_DEATH_SECONDS = 10.0
"""A worker that dies sooner than this after its start waits longer before the next start (backoff)."""
MAX_BACKOFF = 30.0
OPERATOR_ERROR = 2


@dataclass
class Slot:
    index: int
    process: asyncio.subprocess.Process | None = None
    started_at: float = 0.0
    backoff: float = 0.0


def worker_command(framework: str) -> list[str]:
    return [sys.executable, "-m", "bot", "run", "--framework", framework, "--worker"]


async def supervise(command: Sequence[str], count: int, stop: asyncio.Event) -> int:
    """Keep ``count`` processes of ``command`` running until ``stop`` is set; the exit status."""
    slots = [Slot(index) for index in range(count)]
    loop = asyncio.get_running_loop()
    try:
        for slot in slots:
            await _start(slot, command)
        while not stop.is_set():
            waits: dict[asyncio.Future[None], Slot] = {asyncio.ensure_future(_exit_of(slot)): slot for slot in slots}
            stopping = asyncio.ensure_future(_until(stop))
            try:
                done, _ = await asyncio.wait({*waits, stopping}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for wait in (*waits, stopping):
                    wait.cancel()
            if stop.is_set():
                break
            for slot in [waits[wait] for wait in done if wait in waits]:
                status = slot.process.returncode if slot.process is not None else None
                if status == OPERATOR_ERROR:
                    log.error("worker %s exited with status 2 (see its message above); stopping them all", slot.index)
                    return OPERATOR_ERROR
                lived = loop.time() - slot.started_at
                slot.backoff = min(max(slot.backoff * 2, 1.0), MAX_BACKOFF) if lived < QUICK_DEATH_SECONDS else 0.0
                log.warning(
                    "worker %s (pid %s) %s; starting it again%s",
                    slot.index,
                    slot.process.pid if slot.process is not None else "?",
                    _described(status),
                    f" in {slot.backoff:.0f} s" if slot.backoff else "",
                )
                if slot.backoff:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), slot.backoff)
                if not stop.is_set():
                    await _start(slot, command)
        return 0
    finally:
        await _stop_all(slots)


async def _start(slot: Slot, command: Sequence[str]) -> None:
    slot.process = await asyncio.create_subprocess_exec(*command, preexec_fn=die_with_parent)
    slot.started_at = asyncio.get_running_loop().time()
    log.info("worker %s started (pid %s)", slot.index, slot.process.pid)


async def _until(stop: asyncio.Event) -> None:
    await stop.wait()


async def _exit_of(slot: Slot) -> None:
    if slot.process is not None:
        await slot.process.wait()


async def _stop_all(slots: Sequence[Slot]) -> None:
    """SIGTERM to every worker still running (each finishes what it has in hand), SIGKILL after the grace."""
    running = [slot.process for slot in slots if slot.process is not None and slot.process.returncode is None]
    for process in running:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
    if not running:
        return
    _, late = await asyncio.wait([asyncio.ensure_future(p.wait()) for p in running], timeout=STOP_GRACE_SECONDS)
    if late:
        for process in running:
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
        await asyncio.gather(*(p.wait() for p in running))


def _described(status: int | None) -> str:
    if status is None:
        return "stopped"
    if status < 0:
        with contextlib.suppress(ValueError):
            return f"was killed by {signal.Signals(-status).name}"
        return f"was killed by signal {-status}"
    return f"exited with status {status}"


def die_with_parent() -> None:
    """Linux: a worker gets SIGTERM when the parent dies, even by SIGKILL (no orphan keeps the port)."""
    if sys.platform == "linux":
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
