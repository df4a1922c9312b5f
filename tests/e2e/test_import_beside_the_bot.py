"""A long answers import on SQLite while citizens are mid-conversation: no citizen's step is lost.

The import runs in its own process's connection (as ``cocrea answers import`` does beside a running
bot) and applies its rows in short transactions; an update that still meets a locked database is
not confirmed to Telegram but tried again, never dropped."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import pytest

from bot.app import build_app
from bot.cli.moderation import import_file
from bot.settings import load_settings
from tests.conftest import NOW
from tests.driver import fixed_clock
from tests.e2e.citizen_script import consent, skip_profile, submit, write_proposal
from tests.e2e.conftest import StartBot, bot_environment
from tests.e2e.fake_bot_api import FakeBotApi, FakeUser
from tests.seed import answers_csv, many_authors

pytestmark = pytest.mark.serial  # measures time or loads the machine: run alone (scripts/test)

AUTHORS = 20_000
CITIZENS = 6


async def a_citizen_finishes(person: FakeUser) -> str:
    await skip_profile(person)
    await write_proposal(person)
    return await submit(person)


async def test_an_import_of_20000_rows_loses_no_citizens_step(
    fake: FakeBotApi, start_bot: StartBot, tmp_path: Path
) -> None:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    await many_authors(database_url, AUTHORS)
    bot = await start_bot("aiogram", COCREA_SEND_PER_SECOND="30")  # the notices trickle out at a real pace
    citizens = [fake.user(8001 + n, f"Vecina {n}") for n in range(CITIZENS)]
    for person in citizens:  # the promise is that no step is lost; on a loaded machine one may take longer than 10 s
        person.patience = 60.0
    for person in citizens:
        await consent(person)  # mid-conversation when the import starts
    operator = await build_app(
        load_settings(bot_environment(fake, database_url), env_file=None), clock=fixed_clock(NOW)
    )
    importing = asyncio.create_task(import_file(operator, answers_csv(tmp_path, AUTHORS)))
    try:
        codes = await asyncio.gather(*(a_citizen_finishes(person) for person in citizens))
        assert await asyncio.wait_for(importing, 300) == 0
    finally:
        importing.cancel()  # when a citizen's step failed: the import must not outlive its database
        with contextlib.suppress(asyncio.CancelledError):
            await importing
        await operator.close()
    assert sorted(codes) == [f"UIO-{AUTHORS + n:04d}" for n in range(1, CITIZENS + 1)], "every step of everyone"
    for person in citizens:
        assert not [m for m in person.inbox if m.text and "algo falló" in m.text], "no apology"
    async with bot.app.uow() as uow:
        assert await uow.proposals.count() == AUTHORS + CITIZENS
