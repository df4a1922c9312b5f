"""Waiting on several asyncio events at once."""

from __future__ import annotations

import asyncio


async def first_of(*events: asyncio.Event, seconds: float | None = None) -> None:
    """Wait until one of ``events`` is set, or ``seconds`` (None: no limit)."""
    waits = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in waits:
            wait.cancel()
