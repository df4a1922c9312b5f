"""Running the real channels in-process against the fake servers, and a WhatsApp citizen for the shared script.

``launch_channels`` starts what ``cocrea run`` starts — ``bot.serving.serve`` with the WhatsApp runner,
and the Telegram runner when a fake Bot API is given — on a free loopback port, with the bot's clock
following the fake WhatsApp's virtual clock (so ``wa.advance(hours=25)`` closes windows for both).

The citizen who plays the shared script on WhatsApp is ``tests/e2e/whatsapp_citizen.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.app import App, build_app
from bot.serving import ChannelRunner, serve
from bot.settings import load_settings
from bot.telegram.frameworks import make_runner
from bot.whatsapp.runner import WhatsAppRunner
from bot.whatsapp.webhook import PATH
from tests.conftest import NOW
from tests.driver import eventually
from tests.e2e.conftest import FAST_SENDING, free_port
from tests.e2e.fake_bot_api import FakeBotApi
from tests.e2e.fake_whatsapp import FakeWhatsApp
from tests.e2e.whatsapp_citizen import APP_SECRET, PHONE_NUMBER_ID, TOKEN, VERIFY_TOKEN

DOORBELL = {"COCREA_WHATSAPP_DOORBELL": "es=cocrea_aviso,en=cocrea_notice:en_US"}
DOORBELL_ES = "Hola, hay novedades sobre {{1}}. Responde a este mensaje para leerlas."
DOORBELL_EN = "Hi, there is news about {{1}}. Reply to this message to read it."


def clock_from(moment: datetime) -> Callable[[], float]:
    """Seconds since the epoch, starting at ``moment`` and running with real time."""
    start = time.monotonic()
    return lambda: moment.timestamp() + (time.monotonic() - start)


def fake_whatsapp(**options: Any) -> FakeWhatsApp:
    options = {"webhook_retry": (0.05, 0.1, 0.2, 0.4), **options}
    return FakeWhatsApp(PHONE_NUMBER_ID, TOKEN, APP_SECRET, clock=clock_from(NOW), **options)


def approve_doorbells(wa: FakeWhatsApp) -> None:
    wa.add_template("cocrea_aviso", "es", DOORBELL_ES, buttons=("Leer",))
    wa.add_template("cocrea_notice", "en_US", DOORBELL_EN, buttons=("Read",))


@dataclass
class Channels:
    """The channels of one ``cocrea run``, started in this process."""

    app: App
    runners: list[ChannelRunner]
    task: asyncio.Task[None]
    stopping: asyncio.Event
    port: int

    @property
    def whatsapp(self) -> WhatsAppRunner:
        return next(r for r in self.runners if isinstance(r, WhatsAppRunner))

    async def stop(self) -> None:
        try:
            if not self.task.done():
                self.stopping.set()
                await asyncio.wait_for(self.task, 30)
        finally:
            await self.app.close()  # even when it did not stop in time: no pool left to the garbage collector

    async def crash(self) -> None:
        """As abrupt as a process can be inside one interpreter: cancel everything in flight."""
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self.task
        await self.app.close()


def channel_environment(
    database_url: str, port: int, wa: FakeWhatsApp | None, telegram: FakeBotApi | None, **extra: str
) -> dict[str, str]:
    env = {
        "COCREA_DATABASE_URL": database_url,
        "COCREA_WEBHOOK_HOST": "127.0.0.1",
        "COCREA_WEBHOOK_PORT": str(port),
        "COCREA_WHATSAPP_PER_SECOND": "100000",
        **FAST_SENDING,
    }
    if wa is not None:
        env |= {
            "COCREA_WHATSAPP_TOKEN": wa.token,
            "COCREA_WHATSAPP_PHONE_NUMBER_ID": wa.phone_number_id,
            "COCREA_WHATSAPP_APP_SECRET": wa.app_secret,
            "COCREA_WHATSAPP_VERIFY_TOKEN": VERIFY_TOKEN,
            "COCREA_WHATSAPP_API_URL": wa.base_url,
        }
    if telegram is not None:
        env |= {"COCREA_BOT_TOKEN": telegram.token, "COCREA_TELEGRAM_API_URL": telegram.base_url}
    return {**env, **extra}


async def launch_channels(
    database_url: str,
    wa: FakeWhatsApp,
    telegram: FakeBotApi | None = None,
    *,
    framework: str = "aiogram",
    reminder_every: float | None = None,
    env: Mapping[str, str] | None = None,
) -> Channels:
    """Serve WhatsApp (and Telegram) as ``cocrea run`` does; returns once both take events."""
    port = free_port()
    settings = load_settings(channel_environment(database_url, port, wa, telegram, **(env or {})), env_file=None)
    app = await build_app(settings, clock=lambda: datetime.fromtimestamp(wa.now(), UTC))
    runners: list[ChannelRunner] = []
    if telegram is not None:
        runners.append(make_runner(framework, app))
    runners.append(WhatsAppRunner(app))
    stopping = asyncio.Event()
    since = len(telegram.requests) if telegram is not None else 0
    task = asyncio.create_task(serve(app, runners, stopping, reminder_every=reminder_every))
    channels = Channels(app, runners, task, stopping, port)
    try:
        wa.webhook_target = f"http://127.0.0.1:{port}{PATH}"
        await eventually(lambda: _answers_handshake(wa, task))
        if telegram is not None:
            await telegram.wait_for_request("getUpdates", since=since)
    except BaseException:
        await channels.crash()
        raise
    return channels


async def _answers_handshake(wa: FakeWhatsApp, task: asyncio.Task[None]) -> bool:
    if task.done():
        task.result()  # the runner died: say why
    try:
        return (await wa.verify_webhook(VERIFY_TOKEN)).ok
    except OSError:
        return False  # not listening yet
