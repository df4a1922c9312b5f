"""What the aiogram and python-telegram-bot runners share: start, the outbox drainer, polling, the
webhook and shutdown. ``cocrea run`` serves them beside the other channels (``bot/serving.py``).

Updates arrive as Telegram's JSON, the same for both libraries: long polling asks the Bot API
for raw updates (``bot/telegram/polling.py``) and the webhook reads the request body, so one
update a library cannot decode is logged, kept for inspection and skipped, never retried
forever. A subclass supplies only what its library does differently: how to decode and feed
an update through its dispatcher, how to register commands, how to start and close.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from abc import ABC, abstractmethod
from collections.abc import Coroutine, Mapping, Sequence
from typing import Any

import aiohttp
from aiohttp import web

from bot.app import App
from bot.outbox.chains import ChatChains
from bot.outbox.delivery import Delivery
from bot.outbox.sending import CredentialsRefused, RetryAfter, Temporary
from bot.serving import serve, stop_on_signals
from bot.telegram.polling import BatchPoller
from bot.telegram.sender import CHANNEL, TelegramSender
from bot.telegram.updates import ALLOWED_UPDATES, incoming_from_update
from handlers.intake.commands import command_menu
from handlers.messages import BotCommand
from storage.errors import DatabaseUnavailable
from storage.models import OutboxMessage

log = logging.getLogger(__name__)
STOP_GRACE_SECONDS = 10.0
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_CONNECT_BACKOFF = 60.0


class TelegramRunner(ABC):
    """Long polling by default; webhook mode when COCREA_WEBHOOK_URL is set."""

    bot: Any

    def __init__(self, app: App, sender: TelegramSender, *, request_timeout: float = 30.0) -> None:
        self.app = app
        self.sender = sender
        self.delivery: Delivery = app.delivery(sender, CHANNEL)
        self._replies = ChatChains(self.delivery.deliver)
        self._request_timeout = request_timeout
        self._poller = BatchPoller(self._get_updates, self.process)
        self._tasks: list[asyncio.Task[None]] = []
        self._answers: set[asyncio.Task[None]] = set()
        self._stopping = asyncio.Event()
        self._http: aiohttp.ClientSession | None = None
        self._closing = False
        self._failed: dict[int, DatabaseUnavailable] = {}
        self._raw: dict[int, Mapping[str, Any]] = {}
        self._stop = asyncio.Event()
        self.webhook_mode = bool(app.settings.webhook_url)

    # --- what each library does its own way -----------------------------------------------------

    @abstractmethod
    def _decode(self, update: Mapping[str, Any]) -> Any:
        """The library's update object; raises on what it cannot decode."""

    @abstractmethod
    async def _feed(self, update: Any) -> None:
        """Through the library's dispatcher, which calls ``handle`` (and answers button presses)."""

    @abstractmethod
    async def _set_commands(self, language: str, commands: list[BotCommand]) -> None: ...

    @abstractmethod
    async def _initialise(self) -> None:
        """Anything the library needs before the first call."""

    @abstractmethod
    async def _close(self) -> None: ...

    @abstractmethod
    def _refused_token(self, error: Exception) -> bool:
        """Whether ``error`` is Telegram refusing the token (401)."""

    # --- updates ----------------------------------------------------------------------------------

    async def process(self, update: Mapping[str, Any]) -> None:
        """One update as Telegram's JSON. Raises ``DatabaseUnavailable`` when it must come again."""
        try:
            decoded = self._decode(update)
        except Exception as error:
            self._keep_undecodable(update, error)
            return
        update_id = int(update["update_id"])
        self._raw[update_id] = update
        try:
            await self._feed(decoded)
        finally:
            self._raw.pop(update_id, None)
        failure = self._failed.pop(update_id, None)
        if failure is not None:
            raise failure

    def raw_update(self, update_id: int) -> Mapping[str, Any] | None:
        """The update being fed, as Telegram sent it: the engine reads that, not the library's object dumped
        back to JSON (which costs CPU on every update)."""
        return self._raw.get(update_id)

    async def handle(self, update: Mapping[str, Any]) -> None:
        """Called by the library's handler: the update through the engine; its replies are sent after the
        commit, in the chat's order, while polling goes on (``bot/outbox/chains.py``). A database that
        cannot take it now is remembered for ``process`` (libraries catch errors)."""
        try:
            incoming = incoming_from_update(update)
        except (KeyError, TypeError, ValueError) as error:  # a shape our converter cannot read
            self._keep_undecodable(update, error)
            return
        if incoming is None:
            return
        try:
            until = self.delivery.claim_ahead()
            handed: dict[int, OutboxMessage] = {}
            await self.app.engine.handle(
                incoming,
                self._replies.deliverer(incoming.chat_id, until, handed),
                claimed_until=until,
                handed=handed,
            )
        except DatabaseUnavailable as error:
            self._failed[int(update["update_id"])] = error

    def _keep_undecodable(self, update: Mapping[str, Any], error: Exception) -> None:
        folder = self.app.settings.data_dir / "unprocessable"
        path = folder / f"telegram-{update.get('update_id', 'unknown')}.json"
        with contextlib.suppress(OSError, TypeError, ValueError):
            folder.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(update, ensure_ascii=False, default=str), encoding="utf-8")
        log.error("update %s cannot be decoded (%s); skipped, kept in %s", update.get("update_id"), error, path)

    async def _get_updates(self, offset: int | None, wait: int) -> Sequence[Mapping[str, Any]]:
        """Raw updates from the Bot API, so that one a library cannot decode does not hold the others."""
        settings = self.app.settings
        url = f"{settings.telegram_api_url}/bot{settings.require_token()}/getUpdates"
        body = {"offset": offset, "timeout": wait, "allowed_updates": ALLOWED_UPDATES}
        timeout = aiohttp.ClientTimeout(total=self._request_timeout + wait)
        try:
            async with self._session().post(url, json=body, timeout=timeout) as response:
                answer = await response.json(content_type=None)
        except (aiohttp.ClientError, json.JSONDecodeError) as error:
            raise Temporary(f"getUpdates: {type(error).__name__}: {error}") from error
        if not isinstance(answer, dict) or not answer.get("ok"):
            described = answer if isinstance(answer, dict) else {}
            retry = (described.get("parameters") or {}).get("retry_after")
            if retry is not None:
                raise RetryAfter(float(retry))
            raise Temporary(f"getUpdates: {described.get('error_code')} {described.get('description')}")
        updates = answer.get("result") or []
        return [update for update in updates if isinstance(update, dict) and "update_id" in update]

    def _session(self) -> aiohttp.ClientSession:
        if self._closing:
            raise Temporary("the runner is stopping")
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession()
        return self._http

    # --- start and stop ---------------------------------------------------------------------------

    def answer_later(self, answering: Coroutine[Any, Any, None]) -> None:
        """Stop a button's spinner without waiting for it: awaiting here would let the chat's next
        update reach the engine first (tests/e2e/test_telegram_errors.py, slow callback answer)."""
        task = asyncio.create_task(answering)
        self._answers.add(task)
        task.add_done_callback(self._answers.discard)

    async def register_commands(self) -> None:
        languages = self.app.catalogs.complete_languages(self.app.consultation.languages)
        for language, commands in command_menu(self.app.catalogs, languages).items():
            await self._set_commands(language, commands)

    async def start(self, stopping: asyncio.Event | None = None) -> None:
        """Reach Telegram (retrying with backoff while it cannot be reached, until ``stopping``), register
        the commands, learn whether the moderators' group is a forum, and start the outbox drainer (it
        first sends what a crash left pending)."""
        if not await self._connect(stopping or asyncio.Event()):
            return
        moderators = self.app.services.moderators
        if moderators is not None:
            await self.sender.learn(moderators.chat_id)
        self._stopping.clear()
        self._tasks = [asyncio.create_task(self.delivery.run(self._stopping), name="telegram-outbox")]

    async def _connect(self, stopping: asyncio.Event) -> bool:
        """True once Telegram answered; False when ``stopping`` was set first."""
        backoff = 1.0
        while True:
            try:
                await self._initialise()
                await self.register_commands()
                return True
            except asyncio.CancelledError:
                raise
            except Exception as error:
                if self._refused_token(error):
                    raise CredentialsRefused(f"Telegram refused COCREA_BOT_TOKEN ({error})") from error
                log.warning(
                    "cannot reach Telegram at %s (%s); retrying in %.0f s",
                    self.app.settings.telegram_api_url,
                    error,
                    backoff,
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), backoff)
            if stopping.is_set():
                return False
            backoff = min(backoff * 2, MAX_CONNECT_BACKOFF)

    async def stop(self) -> None:
        """Let the replies in hand and the drainer's round finish (a database call cut in half would leave
        the driver's thread answering a closed event loop), then close the library's connections."""
        self._stopping.set()
        self.delivery.wake()
        try:
            await self._replies.finish(STOP_GRACE_SECONDS)
            self._closing = True
            if self._tasks:
                _, late = await asyncio.wait(self._tasks, timeout=STOP_GRACE_SECONDS)
                for task in late:
                    task.cancel()
                await asyncio.gather(*late, return_exceptions=True)
            await asyncio.gather(*self._answers, return_exceptions=True)
        finally:
            if self._http is not None:
                await self._http.close()
            await self._close()

    # --- long polling -----------------------------------------------------------------------------

    def wake(self) -> None:
        self.delivery.wake()

    def add_routes(self, application: web.Application) -> None:
        if self.webhook_mode:
            application.router.add_post(self.app.settings.webhook_path, self._on_webhook)

    async def on_listening(self) -> None:
        """Webhook mode: tell Telegram where to post. Long polling: make sure no webhook is set."""
        settings = self.app.settings
        if not self.webhook_mode:
            await self.bot.delete_webhook(drop_pending_updates=False)
            return
        await self.bot.set_webhook(
            settings.webhook_url, secret_token=settings.webhook_secret, allowed_updates=ALLOWED_UPDATES
        )
        log.info("webhook listening on %s:%s%s", settings.webhook_host, settings.webhook_port, settings.webhook_path)

    async def receive(self, stop: asyncio.Event) -> None:
        """Long polling until ``stop``: a batch is confirmed to Telegram only once it is processed
        (bot/telegram/polling.py). In webhook mode Telegram posts, and this only waits."""
        if self.webhook_mode:
            await stop.wait()
            return
        polling = asyncio.create_task(self._poller.run(), name="telegram-polling")
        stopped = asyncio.create_task(stop.wait())
        try:
            await asyncio.wait({polling, stopped}, return_when=asyncio.FIRST_COMPLETED)
            if not polling.done():
                await self._poller.stop()
            await polling
        finally:  # cancelled (a crash, in tests): the poll must not outlive the runner
            stopped.cancel()
            if not polling.done():
                polling.cancel()
                await asyncio.gather(polling, return_exceptions=True)

    # --- webhook ------------------------------------------------------------------------------------

    async def _on_webhook(self, request: web.Request) -> web.Response:
        """200 only once the update is processed and committed; a crash before makes Telegram send it
        again. A body that is not an update gets 400 (Telegram would retry a 5xx forever); a database
        that cannot take it now gets 503, so that Telegram retries it later."""
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self.app.settings.webhook_secret.encode()):
            return web.Response(status=401, text="Unauthorized")
        try:
            update = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            return web.Response(status=400, text="Not JSON")
        if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
            return web.Response(status=400, text="Not an update")
        try:
            await self.process(update)
        except DatabaseUnavailable:
            return web.Response(status=503, text="Try again later")
        return web.Response()

    # --- this channel alone (tests, benchmarks); ``cocrea run`` serves every channel (bot/serving.py)

    async def run_polling(self, *, handle_signals: bool = True) -> None:
        self.webhook_mode = False
        self._stop.clear()
        if handle_signals:
            stop_on_signals(self._stop)
        await serve(self.app, [self], self._stop)

    async def stop_polling(self) -> None:
        self._stop.set()

    async def run_webhook(self, stop: object | None = None) -> None:
        self.webhook_mode = True
        await serve(self.app, [self], stop if isinstance(stop, asyncio.Event) else asyncio.Event())
