"""Messages owed to authors survive Telegram's faults and a crash of the bot."""

from __future__ import annotations

from pathlib import Path

from storage.uow import UnitOfWork
from tests.driver import eventually
from tests.e2e.citizen_script import full_proposal
from tests.e2e.conftest import RunningBot, StartBot
from tests.e2e.fake_bot_api import FakeBotApi, FakeUser
from tests.e2e.test_moderation_e2e import GROUP, MODERATION

NOTICE = "Novedades sobre tu propuesta"


async def authors(fake: FakeBotApi, count: int) -> list[FakeUser]:
    fake.group(GROUP, "Moderación")
    people = [fake.user(2001 + n, f"Autora {n}") for n in range(count)]
    for person in people:
        await full_proposal(person)
    return people


async def answer_everyone(bot: RunningBot, tmp_path: Path, count: int) -> None:
    from bot.cli.moderation import import_file

    rows = "".join(f"UIO-{n:04d},accepted,Respuesta motivada {n}.\n" for n in range(1, count + 1))
    path = tmp_path / "answers.csv"
    path.write_text("code,status,answer\n" + rows, encoding="utf-8")
    assert await import_file(bot.app, path) == 0


def notices(person: FakeUser) -> list[str]:
    return [m.text for m in person.inbox if m.text and NOTICE in m.text]


async def settled(bot: RunningBot, expected: dict[str, int]) -> bool:
    async with UnitOfWork(bot.app.database) as uow:
        return await uow.outbox.counts() == expected


async def test_429_500_timeouts_and_403_each_end_well(
    fake: FakeBotApi, start_bot: StartBot, framework: str, tmp_path: Path
) -> None:
    bot = await start_bot(framework, request_timeout=1.0, **MODERATION)
    flooded, failing, slow, gone = await authors(fake, 4)
    fake.fail_next(
        "sendMessage",
        status=429,
        description="Too Many Requests: retry after 1",
        retry_after=1,
        chat_id=flooded.chat_id,
    )
    fake.fail_next("sendMessage", status=500, description="Internal Server Error", times=2, chat_id=failing.chat_id)
    fake.stall_next("sendMessage", 3.0, deliver=False, chat_id=slow.chat_id)
    fake.block(gone.chat_id)
    calls_before = len(fake.calls("sendMessage"))

    await answer_everyone(bot, tmp_path, 4)

    for person, code in ((flooded, "UIO-0001"), (failing, "UIO-0002"), (slow, "UIO-0003")):
        await fake.wait_until(lambda person=person: bool(notices(person)), timeout=20)  # type: ignore[misc]
        assert len(notices(person)) == 1 and code in notices(person)[0]
    assert notices(gone) == []
    await eventually(lambda: settled(bot, {"undeliverable": 1}))
    blocked_attempts = [
        p for p in fake.calls("sendMessage")[calls_before:] if str(p.get("chat_id")) == str(gone.chat_id)
    ]
    assert len(blocked_attempts) == 1, "a person who blocked the bot is tried once, not again and again"


async def test_a_crash_mid_drain_delivers_every_owed_message_once(
    fake: FakeBotApi, start_bot: StartBot, framework: str, tmp_path: Path
) -> None:
    bot = await start_bot(framework, **MODERATION)
    people = await authors(fake, 6)
    fake.stall_next("sendMessage", 30.0, deliver=False, chat_id=people[3].chat_id)  # held, never carried out

    await answer_everyone(bot, tmp_path, 6)
    await fake.wait_until(lambda: fake.stats.stalled_requests >= 1, timeout=20)
    await eventually(lambda: settled(bot, {"pending": 1}))  # only the held message is still owed
    await bot.crash()
    assert notices(people[3]) == [], "the held message was never carried out"
    assert all(len(notices(p)) <= 1 for p in people), "other chats do not wait behind a stalled one"

    restarted = await start_bot(framework, **MODERATION)
    await eventually(lambda: settled(restarted, {}), timeout=20)  # nothing left to send
    assert [len(notices(p)) for p in people] == [1] * 6
