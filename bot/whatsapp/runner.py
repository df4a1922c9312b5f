"""The WhatsApp runner: the webhook on the shared web server, the outbox drainer for WhatsApp, and
the pace Meta allows (80 messages/s per number by default, about one every 6 s per person)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.app import App
from bot.outbox.pacing import Pacer
from bot.outbox.sending import SendError
from bot.whatsapp.client import REQUEST_TIMEOUT, GraphClient
from bot.whatsapp.convert import Receipt
from bot.whatsapp.doorbell import Doorbell, Template
from bot.whatsapp.receipts import ReceiptBook, Ring
from bot.whatsapp.render import CHANNEL
from bot.whatsapp.sender import WhatsAppSender
from bot.whatsapp.webhook import PATH, WhatsAppWebhook
from bot.whatsapp.window import Windows
from handlers.engine import ChatLocks
from handlers.messages import Incoming

log = logging.getLogger(__name__)
STOP_GRACE_SECONDS = 10.0


class ChatQueues:
    """Background jobs that run one after another per chat, in the order they were posted."""

    def __init__(self) -> None:
        self._locks = ChatLocks()
        self._tasks: set[asyncio.Task[None]] = set()

    def post(self, chat_id: str, job: Callable[[], Awaitable[None]]) -> None:
        task = asyncio.create_task(self._run(chat_id, job))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, chat_id: str, job: Callable[[], Awaitable[None]]) -> None:
        async with self._locks.hold((CHANNEL, chat_id)):
            try:
                await job()
            except Exception:
                log.exception("sending to a WhatsApp chat failed; the outbox drainer will try again")

    async def finish(self, timeout: float) -> None:  # noqa: ASYNC109
        if self._tasks:
            _, late = await asyncio.wait(set(self._tasks), timeout=timeout)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)


class WhatsAppRunner:
    def __init__(self, app: App, *, request_timeout: float = REQUEST_TIMEOUT) -> None:
        settings = app.settings.whatsapp
        self.app = app
        self.client = GraphClient(settings.api_url, settings.phone_number_id, settings.token, timeout=request_timeout)
        self.pacer = Pacer(settings.pace)
        templates = {language: Template(*template) for language, template in settings.doorbells.items()}
        doorbell = Doorbell(self.client, templates, app.catalogs, self.pacer)
        windows = Windows(app.database, app.services.clock)
        self.sender = WhatsAppSender(self.client, windows, doorbell, app.catalogs, self.pacer)
        self.delivery = app.delivery(self.sender, CHANNEL, pacer=self.pacer, receipts=True)
        self.webhook = WhatsAppWebhook(
            app_secret=settings.app_secret,
            verify_token=settings.verify_token,
            phone_number_id=settings.phone_number_id,
            engine=app.engine,
            replies=self._send_replies,
            receipts=self._record,
        )
        self._queues = ChatQueues()
        self._receipts = ReceiptBook(app.services.uow, app.services.clock)
        self._stopping = asyncio.Event()
        self._drainer: asyncio.Task[None] | None = None

    # --- the channel runner's interface (bot/serving.py) ------------------------------------------

    async def start(self, stop: asyncio.Event) -> None:
        """Open the Cloud API client and start the outbox drainer (it first sends what a crash left)."""
        await self.client.start()
        self._stopping.clear()
        self._drainer = asyncio.create_task(self.delivery.run(self._stopping), name="whatsapp-outbox")

    def add_routes(self, application: web.Application) -> None:
        self.webhook.register(application)

    async def on_listening(self) -> None:
        settings = self.app.settings
        log.info("WhatsApp webhook listening on %s:%s%s", settings.webhook_host, settings.webhook_port, PATH)

    async def receive(self, stop: asyncio.Event) -> None:
        await stop.wait()  # Meta calls the webhook; nothing to fetch

    def wake(self) -> None:
        self.delivery.wake()

    async def stop(self) -> None:
        """Finish the replies in hand, let the drainer end its round, close the client."""
        await self._queues.finish(STOP_GRACE_SECONDS)
        self._stopping.set()
        self.delivery.wake()
        if self._drainer is not None:
            _, late = await asyncio.wait({self._drainer}, timeout=STOP_GRACE_SECONDS)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
            self._drainer = None
        await self.client.close()

    # --- what the webhook hands over -------------------------------------------------------------

    def _send_replies(self, event: Incoming, ids: list[int]) -> None:
        self._queues.post(event.chat_id, lambda: self.delivery.deliver(ids))

    async def _record(self, receipt: Receipt) -> None:
        ring = await self._receipts.record(receipt)
        if ring is not None:
            self._queues.post(ring.chat_id, lambda: self._ring(ring))

    async def _ring(self, ring: Ring) -> None:
        try:
            await self.sender.ring(ring.chat_id, ring.message)
        except SendError as error:
            log.error("the doorbell for a waiting WhatsApp message failed (%s); the message waits all the same", error)
