"""The composition root: settings → database → consultation → catalogs → engine."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.settings import Settings
from handlers.consultation import Consultation, load_consultation
from handlers.engine import Clock, Engine
from handlers.i18n import Catalogs
from storage.database import Database, open_database, upgrade
from storage.uow import UnitOfWorkFactory


@dataclass
class App:
    settings: Settings
    database: Database
    uow: UnitOfWorkFactory
    consultation: Consultation
    catalogs: Catalogs
    engine: Engine

    async def close(self) -> None:
        await self.database.dispose()


async def build_app(settings: Settings, *, clock: Clock | None = None) -> App:
    """Everything the runners need, with the schema brought up to date."""
    consultation = load_consultation(settings.consultation)
    catalogs = Catalogs()
    database = open_database(settings.database_url)
    try:
        await upgrade(database)
    except Exception:
        await database.dispose()
        raise
    uow = UnitOfWorkFactory(database)
    engine = Engine(uow, consultation, catalogs, clock) if clock else Engine(uow, consultation, catalogs)
    return App(settings, database, uow, consultation, catalogs, engine)


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)
