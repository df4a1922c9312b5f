"""The webhook Meta calls, at ``/whatsapp``.

``GET``: the subscription handshake — the ``hub.challenge`` back when ``hub.verify_token`` matches.
``POST``: the ``X-Hub-Signature-256`` HMAC of the raw bytes received is checked first, with
``compare_digest`` (wrong or missing: 401, nothing read); a body that is not a WhatsApp Business
webhook gets 400; then each message goes through the engine, each receipt to its outbox row, and the
answer is 200 only once all of it is committed. Anything else (the database down) gets 500, and Meta
delivers the same body again: what was committed is recognised by its message id. Replies are sent
after the answer, in each chat's order, so that Meta never waits on the sending pace.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.whatsapp.convert import Malformed, Notification, Receipt, read_notification
from handlers.engine import Engine
from handlers.messages import Incoming
from storage.errors import DatabaseUnavailable

log = logging.getLogger(__name__)
PATH = "/whatsapp"
SIGNATURE_HEADER = "X-Hub-Signature-256"

Replies = Callable[[Incoming, list[int]], None]
"""Send these outbox ids (the replies to this event), after the webhook was answered."""
Receipts = Callable[[Receipt], Awaitable[None]]
"""Record one receipt, committed before it returns."""


def signature_is_valid(body: bytes, header: str | None, app_secret: str) -> bool:
    if not header or not header.startswith("sha256="):
        return False
    expected = "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header.strip().encode("utf-8", "replace"))


class WhatsAppWebhook:
    def __init__(
        self,
        *,
        app_secret: str,
        verify_token: str,
        phone_number_id: str,
        engine: Engine,
        replies: Replies,
        receipts: Receipts,
    ) -> None:
        self._app_secret = app_secret
        self._verify_token = verify_token
        self._phone_number_id = phone_number_id
        self._engine = engine
        self._replies = replies
        self._receipts = receipts

    def register(self, application: web.Application) -> None:
        application.router.add_get(PATH, self.verify)
        application.router.add_post(PATH, self.receive)

    async def verify(self, request: web.Request) -> web.Response:
        query = request.query
        token = query.get("hub.verify_token", "")
        if query.get("hub.mode") == "subscribe" and hmac.compare_digest(
            token.encode("utf-8", "replace"), self._verify_token.encode()
        ):
            return web.Response(text=query.get("hub.challenge", ""))
        return web.Response(status=403, text="Forbidden")

    async def receive(self, request: web.Request) -> web.Response:
        body = await request.read()
        if not signature_is_valid(body, request.headers.get(SIGNATURE_HEADER), self._app_secret):
            log.warning("a WhatsApp webhook with a missing or wrong signature was refused")
            return web.Response(status=401, text="Unauthorized")
        try:
            notification = read_notification(json.loads(body), self._phone_number_id)
        except (ValueError, Malformed) as error:  # JSON and UTF-8 errors are ValueErrors too
            log.warning("a signed WhatsApp webhook that is not a WhatsApp Business notification: %s", error)
            return web.Response(status=400, text="Not a WhatsApp Business notification")
        try:
            await self._process(notification)
        except DatabaseUnavailable as error:
            log.warning("the database cannot take a WhatsApp webhook now (%s); Meta will deliver it again", error)
            return web.Response(status=503, text="Try again later")
        except Exception:
            log.exception("a WhatsApp webhook could not be processed; Meta will deliver it again")
            return web.Response(status=500, text="Try again")
        return web.Response(text="OK")  # only now: everything above is committed

    async def _process(self, notification: Notification) -> None:
        for event in notification.events:
            replies = await self._engine.handle(event, must_record=True)
            if replies:
                self._replies(event, replies)
        for receipt in notification.receipts:
            await self._receipts(receipt)
