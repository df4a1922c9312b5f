from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.delivery import Delivery
from handlers.consultation import Consultation
from handlers.engine import Engine
from handlers.i18n import Catalogs
from storage.database import Database
from storage.uow import UnitOfWorkFactory
from tests.conftest import NOW
from tests.driver import Citizen, Counter, RecordingSender, fast_pacer, fixed_clock


@pytest.fixture
def engine(database: Database, quito: Consultation, catalogs: Catalogs) -> Engine:
    return Engine(UnitOfWorkFactory(database), quito, catalogs, fixed_clock(NOW))


@pytest.fixture
def make_citizen(engine: Engine, database: Database) -> Callable[..., Citizen]:
    sender = RecordingSender()
    delivery = Delivery(UnitOfWorkFactory(database), sender, "telegram", pacer=fast_pacer())
    counter = Counter()

    def make(user_id: int = 501, language_code: str = "es") -> Citizen:
        return Citizen(engine, delivery, sender, counter, user_id, language_code)

    return make


@pytest.fixture
def citizen(make_citizen: Callable[..., Citizen]) -> Citizen:
    return make_citizen()
