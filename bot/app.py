"""The composition root: settings → database → consultation → catalogs → services → engine."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.outbox.delivery import Delivery
from bot.outbox.pacing import Pacer
from bot.outbox.sending import Sender
from bot.settings import Settings
from config.consultation import Consultation, load_consultation
from handlers.engine import Engine
from handlers.i18n import Catalogs
from handlers.intake.table import steps_for
from handlers.messages import Address
from handlers.moderation.digest import CardDigest
from handlers.moderation.threads import record_sent
from handlers.services import Clock, Services, utc_now
from storage.database import Database, open_database, upgrade
from storage.uow import UnitOfWorkFactory

MODERATORS_CHANNEL = "telegram"


@dataclass
class App:
    settings: Settings
    database: Database
    services: Services
    engine: Engine
    pacer: Pacer
    wake_channels: Callable[[], None] = field(default=lambda: None)
    """Wakes every running channel's outbox sender (set by bot/serving.py)."""

    @property
    def uow(self) -> UnitOfWorkFactory:
        return self.services.uow

    @property
    def consultation(self) -> Consultation:
        return self.services.consultation

    @property
    def catalogs(self) -> Catalogs:
        return self.services.catalogs

    def delivery(self, sender: Sender, channel: str, *, pacer: Pacer | None = None, receipts: bool = False) -> Delivery:
        """The outbox sender for a runner's channel, paced and configured as the settings say (Telegram's
        pace unless the channel brings its own); ``receipts``: the channel reports delivery and reading."""
        return Delivery(
            self.services.uow,
            sender,
            channel,
            pacer=pacer or self.pacer,
            after_send=record_sent,
            sole_sender=self.database.is_sqlite,
            poll_seconds=self.settings.outbox_poll_seconds,
            receipts=receipts,
            elsewhere=lambda: self.wake_channels(),
            fold=CardDigest(lambda: self.services.staff_translator),
        )

    async def close(self) -> None:
        await self.database.dispose()


def build_services(
    settings: Settings, database: Database, consultation: Consultation, *, clock: Clock = utc_now
) -> Services:
    moderators = settings.moderators_chat_id
    factory = UnitOfWorkFactory(database)
    return Services(
        uow=factory,
        web_url=settings.web_base_url,
        consultation=consultation,
        catalogs=Catalogs(),
        clock=clock,
        moderators=Address(MODERATORS_CHANNEL, moderators) if moderators else None,
        data_dir=settings.data_dir,
        steps=steps_for(consultation),
        reminders=settings.reminders,
    )


async def build_app(settings: Settings, *, clock: Clock = utc_now) -> App:
    """Everything the runners and commands need, with the schema brought up to date."""
    consultation = load_consultation(settings.consultation)
    database = open_database(settings.database_url)
    try:
        services = build_services(settings, database, consultation, clock=clock)
        await upgrade(database)
    except Exception:
        await database.dispose()
        raise
    app = App(settings, database, services, Engine(services), Pacer(settings.send_limits))
    app.engine.on_queued = lambda: app.wake_channels()  # messages for other chats: their senders send them
    return app


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
