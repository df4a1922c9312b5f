"""Streaming a file that a use case writes (an export) into an HTTP response, in flat memory.

The use case writes into a ``Pipe`` (a binary file object); the response reads what was written and
sends it. When the browser reads slower than the database is read, the writer waits at its next
pause (``Pipe.drained``) until the buffer is below ``HIGH_WATER``: memory stays flat however many rows.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import threading
from collections.abc import AsyncGenerator, Awaitable, Callable, Coroutine
from typing import IO, Any

import anyio

HIGH_WATER = 256 * 1024

Writer = Callable[["Pipe"], Coroutine[Any, Any, int]]


class Pipe(io.RawIOBase):
    """Written on the event loop or from a worker thread (the Excel writer zips its workbook in one), read on
    the loop."""

    def __init__(self, high_water: int = HIGH_WATER) -> None:
        super().__init__()
        self._buffer = bytearray()
        self._lock = threading.Lock()
        self._high_water = high_water
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._data = asyncio.Event()
        self._space = asyncio.Event()
        self._space.set()

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        with self._lock:
            self._buffer += data
            full = len(self._buffer) >= self._high_water
        if threading.get_ident() == self._loop_thread:
            self._written(full)
        else:
            self._loop.call_soon_threadsafe(self._written, full)
        return len(data)

    def _written(self, full: bool) -> None:
        self._data.set()
        if full:
            self._space.clear()

    async def drained(self) -> None:
        """Wait until the reader has taken enough of what was written."""
        await self._space.wait()

    def take(self) -> bytes:
        with self._lock:
            chunk = bytes(self._buffer)
            self._buffer.clear()
        self._data.clear()  # a thread's write after the copy sets it again (its call comes after this one)
        self._space.set()
        return chunk

    async def wait_for_data(self) -> None:
        await self._data.wait()


async def stream(
    write: Writer, after: Callable[[int, bool], Awaitable[None]] | None = None
) -> AsyncGenerator[bytes, None]:
    """Run ``write(pipe)`` and yield what it writes as it comes. ``after(count, complete)`` runs at the end,
    also when the browser went away (``complete`` False), e.g. to record the export in the audit log."""
    pipe = Pipe()
    task = asyncio.create_task(write(pipe))
    complete, count = False, 0
    try:
        while not task.done():
            waiting = asyncio.ensure_future(pipe.wait_for_data())
            await asyncio.wait({waiting, task}, return_when=asyncio.FIRST_COMPLETED)
            waiting.cancel()
            chunk = pipe.take()
            if chunk:
                yield chunk
        count = task.result()  # raises what the writer raised
        chunk = pipe.take()
        if chunk:
            yield chunk
        complete = True
    finally:
        with anyio.CancelScope(shield=True):  # the browser may have gone: finish the bookkeeping anyway
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            if after is not None:
                await after(count, complete)


def as_binary(pipe: Pipe) -> IO[bytes]:
    """The pipe as the binary file the writers take (``RawIOBase`` is one, typeshed says otherwise)."""
    return pipe  # type: ignore[return-value]
