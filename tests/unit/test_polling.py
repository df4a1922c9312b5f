"""Long polling confirms a batch only after processing it, and survives bad answers."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from bot.polling import BatchPoller
from bot.sending import Temporary


class Telegram:
    """Answers getUpdates from a script; records the offsets the poller confirmed."""

    def __init__(self, answers: list[Sequence[int] | Exception]) -> None:
        self.answers = answers
        self.offsets: list[int | None] = []
        self.drained = asyncio.Event()

    async def get_updates(self, offset: int | None, wait: int) -> Sequence[int]:
        self.offsets.append(offset)
        if not self.answers:
            self.drained.set()
            await asyncio.Event().wait()  # a long poll with nothing new
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


async def test_a_batch_is_confirmed_only_after_it_was_processed_and_bad_answers_are_survived() -> None:
    telegram = Telegram([[1, 2], ValueError("an update the library cannot decode"), Temporary("502"), [3]])
    processed: list[int] = []

    async def process(update: int) -> None:
        assert telegram.offsets[-1] in (None, 3), "no later getUpdates (confirmation) while processing"
        processed.append(update)

    poller = BatchPoller(telegram.get_updates, lambda u: u, process, max_backoff=0.01)
    task = asyncio.create_task(poller.run())
    await asyncio.wait_for(telegram.drained.wait(), 10)
    await poller.stop()
    await task
    assert processed == [1, 2, 3]
    assert telegram.offsets == [None, 3, 3, 3, 4]


async def test_one_failing_update_does_not_stop_the_others() -> None:
    telegram = Telegram([[1, 2, 3]])
    processed: list[int] = []

    async def process(update: int) -> None:
        if update == 2:
            raise RuntimeError("a bug")
        processed.append(update)

    poller = BatchPoller(telegram.get_updates, lambda u: u, process)
    task = asyncio.create_task(poller.run())
    await asyncio.wait_for(telegram.drained.wait(), 10)
    await poller.stop()
    await task
    assert processed == [1, 3] and telegram.offsets[-1] == 4
