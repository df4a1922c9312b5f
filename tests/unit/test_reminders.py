"""One gentle reminder for an abandoned draft: after 20 hours of silence, by day, once, until ``stop``."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.outbox.delivery import Delivery
from bot.reminders import remind_once
from config.consultation import load_consultation
from handlers.engine import Engine
from handlers.intake.reminder_policy import ReminderPolicy
from handlers.services import Services
from tests.driver import Citizen
from tests.unit.story import consent, skip_profile

QUITO = ZoneInfo("America/Guayaquil")
POLICY = ReminderPolicy()


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=QUITO)


@pytest.mark.parametrize(
    ("last", "reminded"),
    [
        (at(21, 15), at(22, 11)),  # 20 hours later it is day
        (at(21, 10, 30), at(22, 8)),  # 06:30 is night: the next morning, 21.5 h after
        (at(21, 8), at(21, 21)),  # 04:00 is night and 08:00 would be 24 h after: the evening before
        (at(21, 2), at(21, 21)),  # 22:00 is night; 08:00 would be 30 h after
    ],
)
def test_the_reminder_comes_after_twenty_hours_and_never_at_night(last: datetime, reminded: datetime) -> None:
    moment = POLICY.moment(last, "America/Guayaquil")
    assert moment == reminded
    assert POLICY.is_day(moment, "America/Guayaquil")
    assert moment - last <= POLICY.latest


def test_no_reminder_when_turned_off() -> None:
    assert not ReminderPolicy(after=timedelta(0)).is_due(at(21, 8), at(22, 7), "America/Guayaquil")


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(at(21, 10, 30))


@pytest.fixture
def timed(services: Services, clock: Clock) -> Services:
    return replace(services, clock=clock)


@pytest.fixture
def person(timed: Services, citizen: Citizen) -> Citizen:
    citizen.engine = Engine(timed)
    return citizen


async def start_a_draft(citizen: Citizen) -> None:
    await consent(citizen)
    await skip_profile(citizen)
    await citizen.press_data("axis:4")
    await citizen.press_data("pillar:transparency")


async def round_at(services: Services, clock: Clock, delivery: Delivery, moment: datetime) -> int:
    clock.now = moment
    written = await remind_once(services)
    await delivery.drain_once()
    return written


async def test_an_abandoned_draft_gets_one_reminder_in_the_morning(
    person: Citizen, timed: Services, clock: Clock
) -> None:
    await start_a_draft(person)
    assert await round_at(timed, clock, person.delivery, at(22, 6, 30)) == 0, "20 hours later it is still night"
    assert await round_at(timed, clock, person.delivery, at(22, 8)) == 1
    reminder = person.last
    assert "Your proposal is not finished yet" in reminder.text and "send stop" in reminder.text
    assert [option.label for option in reminder.options] == ["Continue"]
    assert reminder.subject == "your proposal in progress"
    assert await round_at(timed, clock, person.delivery, at(22, 9)) == 0, "never twice"

    await person.press("Continue")
    assert "Describe the problem" in person.last.text, "where the draft stands"
    assert await round_at(timed, clock, person.delivery, at(23, 7, 59)) == 0, "the same draft is not reminded again"


async def test_a_new_draft_may_be_reminded_again(person: Citizen, timed: Services, clock: Clock) -> None:
    await start_a_draft(person)
    assert await round_at(timed, clock, person.delivery, at(22, 8)) == 1
    clock.now = at(22, 9)
    await person.send("/new")
    assert await round_at(timed, clock, person.delivery, at(23, 8)) == 1


async def test_stop_turns_reminders_off(person: Citizen, timed: Services, clock: Clock) -> None:
    await start_a_draft(person)
    await person.send("stop")
    assert "I will not send you reminders any more" in person.last.text
    assert await round_at(timed, clock, person.delivery, at(22, 8)) == 0


@pytest.mark.parametrize(
    "moment",
    [at(22, 10, 31), at(23, 9)],
    ids=["more than 23 hours after the last message", "a day later"],
)
async def test_a_reminder_that_would_come_too_late_does_not_come(
    person: Citizen, timed: Services, clock: Clock, moment: datetime
) -> None:
    await start_a_draft(person)
    clock.now = at(21, 11)
    await person.send("Los buses del corredor sur no tienen horarios publicados.")
    assert await round_at(timed, clock, person.delivery, moment) == 0


async def test_no_reminder_without_a_draft_or_after_the_consultation_closed(
    person: Citizen, timed: Services, clock: Clock
) -> None:
    await consent(person)
    await person.send("/cancel")
    assert await round_at(timed, clock, person.delivery, at(22, 8)) == 0, "idle: nothing is unfinished"
    await person.send("/new")
    cuenca = load_consultation("cuenca-2022")  # closed in 2022
    assert await round_at(replace(timed, consultation=cuenca), clock, person.delivery, at(22, 8)) == 0
