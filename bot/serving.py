"""``cocrea run``: every configured channel in one process, one web server for all their webhooks.

Telegram (long polling, or its webhook when COCREA_WEBHOOK_URL is set) and WhatsApp (always a
webhook, at ``/whatsapp``) share the server on COCREA_WEBHOOK_HOST/PORT, the database, the engine and
the background loops (housekeeping, reminders), which run once whatever the number of channels.

On PostgreSQL any number of such processes may run side by side (``cocrea run --workers N`` on one
machine, sharing the port; or several machines behind an HTTP balancer): each takes updates, and the
one holding the sender's lead sends the outbox for all of them (``bot/outbox/leader.py``) and tells
Telegram where the webhook is.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from collections.abc import Sequence
from typing import Protocol

from aiohttp import web

from bot.app import App
from bot.background import Background
from bot.outbox.delivery import Delivery
from bot.outbox.leader import Leadership
from bot.settings import SettingsError

log = logging.getLogger(__name__)


class ChannelRunner(Protocol):
    delivery: Delivery
    """The channel's outbox sender."""

    async def start(self, stop: asyncio.Event) -> None:
        """Connect (giving up quietly once ``stop`` is set), and start the channel's outbox drainer."""

    def add_routes(self, application: web.Application) -> None:
        """Its webhook routes, if it has any."""

    async def on_listening(self) -> None:
        """Once the web server listens (Telegram registers or removes its webhook here)."""

    async def receive(self, stop: asyncio.Event) -> None:
        """Take events until ``stop`` is set (long polling; a webhook channel just waits)."""

    def wake(self) -> None:
        """New messages are in the outbox: send them now."""

    async def stop(self) -> None:
        """Finish what is in hand and close."""


YOUNG_COLLECTION_EVERY = 20_000
"""Allocations between two collections of the youngest generation (Python's default: 700)."""


def settle_memory() -> None:
    """Once the channels started (Telegram, WhatsApp): what the process built until now (modules, mappers,
    catalogs, the libraries' models) lives as long as it, so the cyclic garbage collector stops walking it
    (``gc.freeze``), and the youngest generation is collected less often. Measured in the intake benchmark,
    collections took 0.4 ms of CPU per update (a full one walked the ~300,000 objects of the start every few
    seconds); after this, 0.05 ms."""
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_COLLECTION_EVERY, middle, oldest)


async def serve(
    app: App,
    runners: Sequence[ChannelRunner],
    stop: asyncio.Event,
    *,
    reminder_every: float | None = None,
    reuse_port: bool = False,
) -> None:
    """Run ``runners`` until ``stop`` is set, then stop them all in order. ``reuse_port``: other processes
    (``cocrea run --workers N``) listen on the same port, and the kernel shares the connections out."""

    def wake_all() -> None:
        for runner in runners:
            runner.wake()

    app.wake_channels = wake_all
    background = Background(app.services, wake_all, **_every(reminder_every))
    leadership = None if app.database.is_sqlite else Leadership(app.database)
    leading_stop = asyncio.Event()
    leading: asyncio.Task[None] | None = None
    started: list[ChannelRunner] = []
    site: web.AppRunner | None = None
    try:
        if leadership is not None:
            for runner in runners:
                runner.delivery.share(leadership)
            await leadership.try_once()
            leading = asyncio.create_task(leadership.run(leading_stop), name="outbox-leadership")
        for runner in runners:
            started.append(runner)  # stopped even when its start is cut short: its connections are closed
            await runner.start(stop)
        if stop.is_set():  # asked to stop while a channel could not be reached yet
            return
        settle_memory()
        background.start()
        site = await _listen(app, runners, reuse_port)
        await _set_up(runners, leadership)
        await asyncio.gather(*(runner.receive(stop) for runner in runners))
    finally:
        try:
            if site is not None:
                await site.cleanup()
            await background.stop()
        finally:  # cancelled while the background stopped: the channels still close their connections
            for runner in reversed(started):
                await runner.stop()
        if leading is not None:
            leading_stop.set()
            await leading


async def _set_up(runners: Sequence[ChannelRunner], leadership: Leadership | None) -> None:
    """Once listening: each channel registers its webhook (Telegram). With several workers only the sender
    does, now or when it takes the lead."""

    async def set_up() -> None:
        for runner in runners:
            await runner.on_listening()

    if leadership is None:
        await set_up()
        return
    leadership.on_lead(set_up)
    if leadership.leading:
        await set_up()
    else:
        log.info("another process sends the outbox and registers the webhook; this one takes updates")


def _every(reminder_every: float | None) -> dict[str, float]:
    return {} if reminder_every is None else {"reminder_every": reminder_every}


async def _listen(app: App, runners: Sequence[ChannelRunner], reuse_port: bool) -> web.AppRunner | None:
    application = web.Application()
    for runner in runners:
        runner.add_routes(application)
    if not len(application.router.routes()):
        return None
    site = web.AppRunner(application, access_log=None)
    await site.setup()
    settings = app.settings
    try:
        await web.TCPSite(site, settings.webhook_host, settings.webhook_port, reuse_port=reuse_port or None).start()
    except OSError as error:
        await site.cleanup()
        where = f"{settings.webhook_host}:{settings.webhook_port}"
        raise SettingsError(f"cannot listen on {where} (COCREA_WEBHOOK_HOST, COCREA_WEBHOOK_PORT): {error}") from error
    return site


def stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
