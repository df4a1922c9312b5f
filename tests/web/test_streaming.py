"""A download streams: the writer waits for a slow reader instead of piling bytes up in memory, and the
bookkeeping after it runs even when the browser goes away."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from web.streaming import HIGH_WATER, Pipe, stream

CHUNK = 64 * 1024


async def test_a_slow_reader_holds_the_writer_back() -> None:
    buffered: list[int] = []
    finished: list[tuple[int, bool]] = []

    async def write(pipe: Pipe) -> int:
        for _ in range(40):
            pipe.write(b"x" * CHUNK)
            buffered.append(len(pipe._buffer))
            await pipe.drained()
        return 40

    async def after(count: int, complete: bool) -> None:
        finished.append((count, complete))

    received = 0
    async for chunk in stream(write, after):
        received += len(chunk)
    assert received == 40 * CHUNK
    assert max(buffered) <= HIGH_WATER + CHUNK, "never more than the high-water mark and one chunk"
    assert finished == [(40, True)]


async def test_a_browser_that_goes_away_stops_the_writer_and_is_recorded() -> None:
    finished: list[tuple[int, bool]] = []
    written: list[int] = []

    async def write(pipe: Pipe) -> int:
        for n in range(1000):
            pipe.write(b"y" * CHUNK)
            written.append(n)
            await pipe.drained()
        return 1000

    async def after(count: int, complete: bool) -> None:
        finished.append((count, complete))

    body = stream(write, after)
    await anext(body)
    await body.aclose()
    assert finished == [(0, False)]
    assert len(written) < 20, "the writer stopped with the reader"


async def test_a_failing_writer_fails_the_download() -> None:
    async def write(pipe: Pipe) -> int:
        pipe.write(b"header\n")
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError, match="went away"):
        async for _ in stream(write):
            pass


async def test_what_a_worker_thread_writes_goes_out_as_it_is_written_whole_and_in_order() -> None:
    """The Excel writer zips its workbook on a worker thread, into the pipe, while the loop sends it."""
    pieces = [bytes([n % 251]) * (1000 + n) for n in range(3000)]
    first_chunk_sent = threading.Event()

    async def write(pipe: Pipe) -> int:
        def zip_it() -> bool:
            time.sleep(0.2)  # the loop is asleep, waiting for data, when the first piece comes
            for piece in pieces[:10]:
                pipe.write(piece)
            sent_meanwhile = first_chunk_sent.wait(timeout=5)
            for piece in pieces[10:]:
                pipe.write(piece)
            return sent_meanwhile

        assert await asyncio.to_thread(zip_it), "the loop sends what the thread wrote without waiting for its end"
        return len(pieces)

    received = bytearray()
    async for chunk in stream(write):
        received += chunk
        first_chunk_sent.set()
    assert bytes(received) == b"".join(pieces)
