"""The composition root: settings → database → consultation → catalogs → engine."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.delivery import Delivery
from bot.pacing import Pacer
from bot.sending import Sender
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
    pacer: Pacer

    def delivery(self, sender: Sender, channel: str) -> Delivery:
        """The outbox sender for a runner's channel, paced and configured as the settings say."""
        return Delivery(self.uow, sender, channel, pacer=self.pacer, sole_sender=self.database.is_sqlite,
                        poll_seconds=self.settings.outbox_poll_seconds)

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
    engine = Engine(uow, consultation, catalogs, clock or (lambda: datetime.now(UTC)),
                    data_dir=settings.data_dir, moderators_chat_id=settings.moderators_chat_id)
    return App(settings, database, uow, consultation, catalogs, engine, Pacer(settings.send_limits))


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
