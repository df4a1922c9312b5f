"""Long polling confirms a batch only after processing it, survives bad answers, and never confirms an
update the database could not take."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

from bot.outbox.sending import Temporary
from bot.telegram.polling import BatchPoller
from storage.errors import DatabaseUnavailable

Update = Mapping[str, Any]


class Telegram:
    """Answers getUpdates from a script; records the offsets the poller confirmed."""

    def __init__(self, answers: list[Sequence[int] | Exception]) -> None:
        self.answers = answers
        self.offsets: list[int | None] = []
        self.drained = asyncio.Event()

    async def get_updates(self, offset: int | None, wait: int) -> Sequence[Update]:
        self.offsets.append(offset)
        if not self.answers:
            self.drained.set()
            await asyncio.Event().wait()  # a long poll with nothing new
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return [{"update_id": update_id} for update_id in answer]


async def run_until_drained(telegram: Telegram, poller: BatchPoller) -> None:
    task = asyncio.create_task(poller.run())
    await asyncio.wait_for(telegram.drained.wait(), 10)
    await poller.stop()
    await task


async def test_a_batch_is_confirmed_only_after_it_was_processed_and_bad_answers_are_survived() -> None:
    telegram = Telegram([[1, 2], ValueError("an answer that is not JSON"), Temporary("502"), [3]])
    processed: list[int] = []

    async def process(update: Update) -> None:
        assert telegram.offsets[-1] in (None, 3), "no later getUpdates (confirmation) while processing"
        processed.append(update["update_id"])

    await run_until_drained(telegram, BatchPoller(telegram.get_updates, process, max_backoff=0.01))
    assert processed == [1, 2, 3]
    assert telegram.offsets == [None, 3, 3, 3, 4]


async def test_one_failing_update_does_not_stop_the_others() -> None:
    telegram = Telegram([[1, 2, 3]])
    processed: list[int] = []

    async def process(update: Update) -> None:
        if update["update_id"] == 2:
            raise RuntimeError("a bug")
        processed.append(update["update_id"])

    await run_until_drained(telegram, BatchPoller(telegram.get_updates, process))
    assert processed == [1, 3]
    assert telegram.offsets == [None, 4]


async def test_an_update_the_database_cannot_take_is_retried_before_its_batch_is_confirmed() -> None:
    telegram = Telegram([[1, 2], [3]])
    attempts: dict[int, int] = {}

    async def process(update: Update) -> None:
        attempts[update["update_id"]] = attempts.get(update["update_id"], 0) + 1
        if update["update_id"] == 2 and attempts[2] < 3:
            raise DatabaseUnavailable("database is locked")

    await run_until_drained(telegram, BatchPoller(telegram.get_updates, process, max_backoff=0.01))
    assert attempts == {1: 1, 2: 3, 3: 1}
    assert telegram.offsets == [None, 3, 4], "the batch was confirmed only after update 2 went through"


async def test_stopping_while_the_database_is_locked_confirms_nothing() -> None:
    telegram = Telegram([])
    telegram.answers = [[7]]
    tried = asyncio.Event()

    async def process(update: Update) -> None:
        tried.set()
        raise DatabaseUnavailable("database is locked")

    poller = BatchPoller(telegram.get_updates, process, max_backoff=0.05)
    task = asyncio.create_task(poller.run())
    await asyncio.wait_for(tried.wait(), 10)
    await poller.stop()
    await task
    assert telegram.offsets == [None], "update 7 was never confirmed: Telegram delivers it again"
