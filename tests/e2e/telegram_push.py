"""The fake Bot API pushing updates the way Telegram does to a webhook served by several workers.

``FakeBotApi`` delivers webhook updates one at a time. Telegram delivers up to ``max_connections``
at once (40 by default), but a chat's next update only once the previous one was answered with a
2xx; anything else (a worker killed mid-request, a balancer's 502) is retried with backoff, the same
update, before that chat's later ones. ``PushingBotApi`` does that, keeps the webhook as it is when a
worker sets the same one again (as Telegram does), and notes when each message was accepted, for
the send rate and reply latencies. Nothing here imports pytest: the spike benchmark uses it too.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator, Mapping
from typing import Any

from tests.e2e.fake_bot_api import FakeBotApi, FakeChat, JsonDict, ReceivedKind, StoredFile, _Webhook


def chat_of(update: Mapping[str, Any]) -> object:
    """The chat an update belongs to (its own id when it has none)."""
    message = update.get("message") or (update.get("callback_query") or {}).get("message") or {}
    chat = message.get("chat") or {}
    return chat.get("id", ("update", update.get("update_id")))


class PushingBotApi(FakeBotApi):
    def __init__(self, *args: Any, max_connections: int = 40, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_connections = max_connections
        self.sent_at: dict[int, list[float]] = {}
        """Per chat, when each of its bot messages was accepted (``time.monotonic``), in inbox order."""
        self.set_webhook_calls = 0

    async def __aenter__(self) -> PushingBotApi:
        await self.start()
        return self

    @property
    def send_times(self) -> list[float]:
        return sorted(moment for moments in self.sent_at.values() for moment in moments)

    async def _set_webhook(self, params: dict[str, Any]) -> bool:
        self.set_webhook_calls += 1
        hook = self._webhook
        if (
            hook is not None
            and params.get("url") == hook.url
            and (params.get("secret_token") or None) == (hook.secret_token)
        ):
            return True  # "Webhook is already set": deliveries go on untouched
        return await super()._set_webhook(params)

    async def _send(
        self,
        chat: FakeChat,
        content: JsonDict,
        markup: JsonDict | None,
        reply: JsonDict | None,
        kind: ReceivedKind,
        file: StoredFile | None = None,
    ) -> JsonDict:
        with self._timed(chat):
            return await super()._send(chat, content, markup, reply, kind, file)

    async def _edit(self, chat: FakeChat, old: JsonDict, changes: JsonDict, markup: JsonDict | None) -> JsonDict:
        with self._timed(chat):  # an edited message reaches the person's inbox too (a question in place)
            return await super()._edit(chat, old, changes, markup)

    @contextlib.contextmanager
    def _timed(self, chat: FakeChat) -> Iterator[None]:
        """Note the moment before the fake's own bookkeeping wakes the citizen; forget it if it was refused."""
        moments, moment = self.sent_at.setdefault(chat.chat_id, []), time.monotonic()
        moments.append(moment)
        try:
            yield
        except BaseException:
            moments.remove(moment)
            raise

    async def _webhook_loop(self, hook: _Webhook) -> None:
        in_flight: dict[object, asyncio.Task[None]] = {}
        retry_at: dict[object, float] = {}
        backoff: dict[object, float] = {}

        async def deliver(chat: object, update: JsonDict) -> None:
            try:
                if await self._post_update(hook, update):
                    self._pending = [u for u in self._pending if u["update_id"] != update["update_id"]]
                    retry_at.pop(chat, None)
                    backoff.pop(chat, None)
                else:
                    delay = min(backoff.get(chat, self._backoff[0] / 2) * 2, self._backoff[1])
                    backoff[chat] = delay
                    retry_at[chat] = time.monotonic() + delay
            finally:
                in_flight.pop(chat, None)
                await self._notify()

        def startable() -> list[tuple[object, JsonDict]]:
            now, seen, ready = time.monotonic(), set(), []
            for update in self._pending:
                chat = chat_of(update)
                if chat in seen:
                    continue
                seen.add(chat)
                if chat not in in_flight and retry_at.get(chat, 0.0) <= now:
                    ready.append((chat, update))
                    if len(ready) + len(in_flight) >= self.max_connections:
                        break
            return ready

        def done() -> bool:
            return self._webhook is not hook or self._stopping

        try:
            while not done():
                for chat, update in startable():
                    in_flight[chat] = asyncio.create_task(deliver(chat, update))
                now = time.monotonic()
                soonest = min((moment for moment in retry_at.values() if moment > now), default=None)
                timeout = None if soonest is None else max(0.01, soonest - now)
                await self.wait_until(lambda: done() or bool(startable()), timeout)
        finally:
            for task in in_flight.values():
                task.cancel()
            await asyncio.gather(*in_flight.values(), return_exceptions=True)
