"""A download streams: the writer waits for a slow reader instead of piling bytes up in memory, and the
bookkeeping after it runs even when the browser goes away."""

from __future__ import annotations

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
