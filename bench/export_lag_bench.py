"""How long the event loop stalls while the Excel export writes its rows: a staff member's export runs in the
bot's (or the web desk's) process, beside every citizen's updates.

A ticker sleeps 5 ms at a time and records how late it wakes. The floor is the same ticker with nothing else
running; the export row writes ``--rows`` rows of the export's shape through ``write_xlsx_cells``.

    .venv/bin/python -m bench.export_lag_bench --rows 20000
"""

from __future__ import annotations

import argparse
import asyncio
import io
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

from storage.export import Value
from storage.export_xlsx import write_xlsx_cells

TICK = 0.005
TEXT = "Las paradas del corredor sur no tienen horarios publicados desde 2023. " * 3
COLUMNS = [f"column_{n}" for n in range(22)] + ["problem", "solution", "contribution"]
ROW: Sequence[Value] = ["UIO-0001", "2024-05-01T10:00:00-05:00", "quito-2024", 3, "Movilidad Sostenible"]
ROW = [*ROW, *["texto"] * 17, TEXT, TEXT, TEXT]


async def batches(rows: int) -> AsyncIterator[list[Sequence[Value]]]:
    for _ in range(rows // 1000):
        yield [ROW] * 1000
        await asyncio.sleep(0)  # as a database read would, between batches


async def lags_during(work: Callable[[], Awaitable[object]]) -> tuple[float, list[float]]:
    """``work``'s wall time, and how late each 5 ms tick woke meanwhile."""
    lags: list[float] = []
    done = asyncio.Event()

    async def tick() -> None:
        while not done.is_set():
            started = time.perf_counter()
            await asyncio.sleep(TICK)
            lags.append(time.perf_counter() - started - TICK)

    ticker = asyncio.create_task(tick())
    started = time.perf_counter()
    await work()
    wall = time.perf_counter() - started
    done.set()
    await ticker
    return wall, sorted(lags)


def line(name: str, wall: float, lags: list[float]) -> str:
    def ms(share: float) -> str:
        return f"{lags[min(len(lags) - 1, int(len(lags) * share))] * 1000:.0f}"

    return f"| {name:<22} | {wall:6.1f} | {ms(0.5):>6} | {ms(0.99):>6} | {lags[-1] * 1000:6.0f} |"


async def run(rows: int) -> None:
    floor = await lags_during(lambda: asyncio.sleep(2))
    export = await lags_during(lambda: write_xlsx_cells(batches(rows), io.BytesIO(), columns=COLUMNS))
    print(f"loop lag while the Excel export writes {rows:,} rows (ticks of {TICK * 1000:.0f} ms)\n")
    print("| run                    | wall s | p50 ms | p99 ms | max ms |")
    print("|------------------------|--------|--------|--------|--------|")
    print(line("nothing else (floor)", *floor))
    print(line("xlsx export", *export))


def main(argv: Sequence[str] | None = None) -> int:
    options = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    options.add_argument("--rows", type=int, default=20_000)
    args = options.parse_args(argv)
    asyncio.run(run(args.rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
