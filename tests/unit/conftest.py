from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.outbox.delivery import Delivery
from handlers.engine import Engine
from handlers.moderation.threads import record_sent
from handlers.services import Services
from tests.driver import Citizen, Counter, RecordingSender, fast_pacer


@pytest.fixture
def engine(services: Services) -> Engine:
    return Engine(services)


@pytest.fixture
def make_citizen(engine: Engine, services: Services) -> Callable[..., Citizen]:
    sender = RecordingSender()
    delivery = Delivery(services.uow, sender, "telegram", pacer=fast_pacer(), after_send=record_sent)
    counter = Counter()

    def make(user_id: str = "501", language_code: str = "es") -> Citizen:
        return Citizen(engine, delivery, sender, counter, user_id, language_code)

    return make


@pytest.fixture
def citizen(make_citizen: Callable[..., Citizen]) -> Citizen:
    return make_citizen()
