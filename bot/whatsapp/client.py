"""A small Cloud API client on aiohttp: one call, ``POST /{phone-number-id}/messages``.

Why not pywa (4.5.0): its base URL is private (a test server or a Graph version cannot be set
cleanly), its types crashed twice this year on payloads Meta really sends, and its webhook server,
signature check, duplicate cache and listeners duplicate what cocrea must own anyway (the webhook
answers only after the transaction committed; deduplication and conversation state live in the
database). What is left — posting JSON with a bearer token and reading Graph's error envelope — is
this module. Errors come out as the outbox's ``SendError``s (``errors.classify``).
"""

from __future__ import annotations

import json
import logging
from typing import Any

import aiohttp

from bot.outbox.sending import SendError, Temporary
from bot.whatsapp.errors import classify

log = logging.getLogger(__name__)
REQUEST_TIMEOUT = 30.0


class GraphClient:
    def __init__(self, api_url: str, phone_number_id: str, token: str, *, timeout: float = REQUEST_TIMEOUT) -> None:
        self._url = f"{api_url.rstrip('/')}/{phone_number_id}/messages"
        self._token = token
        self._timeout = timeout
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                headers={"Authorization": f"Bearer {self._token}"},
                timeout=aiohttp.ClientTimeout(total=self._timeout),
            )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def send(self, payload: dict[str, Any]) -> str:
        """Send one message; its id (``wamid``). Raises a ``SendError`` saying what Meta's answer means."""
        if self._session is None:
            raise Temporary("the WhatsApp client is not started")
        body = {"messaging_product": "whatsapp", "recipient_type": "individual", **payload}
        try:
            async with self._session.post(self._url, json=body) as response:
                status, raw = response.status, await response.read()
        except (aiohttp.ClientError, TimeoutError) as error:
            raise Temporary(f"WhatsApp unreachable: {type(error).__name__}: {error}") from error
        answer = _json(raw)
        if status == 200:
            messages = answer.get("messages")
            if isinstance(messages, list) and messages and isinstance(messages[0], dict) and messages[0].get("id"):
                return str(messages[0]["id"])
            raise Temporary(f"WhatsApp accepted a message without an id: {raw[:200]!r}")
        raise _refusal(status, answer, raw)


def _refusal(status: int, answer: dict[str, Any], raw: bytes) -> SendError:
    """What Graph's error envelope (or a gateway's page) means for the outbox."""
    envelope = answer.get("error")
    envelope = envelope if isinstance(envelope, dict) else {}
    code = envelope.get("code")
    data = envelope.get("error_data")
    details = data.get("details") if isinstance(data, dict) else None
    return classify(
        code if isinstance(code, int) else None,
        status=status,
        transient=envelope.get("is_transient") is True,
        message=str(details or envelope.get("message") or raw[:200].decode(errors="replace")),
    )


def _json(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except ValueError:
        return {}  # a gateway's HTML page
    return value if isinstance(value, dict) else {}


async def number_link(api_url: str, phone_number_id: str, token: str) -> str | None:
    """``https://wa.me/<digits>`` from the number's ``display_phone_number``, or None (logged) without an answer."""
    url = f"{api_url.rstrip('/')}/{phone_number_id}"
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)) as session,
            session.get(
                url, params={"fields": "display_phone_number"}, headers={"Authorization": f"Bearer {token}"}
            ) as response,
        ):
            status, raw = response.status, await response.read()
    except (aiohttp.ClientError, TimeoutError) as error:
        log.warning("cannot ask WhatsApp for the number to show (%s): %s", url, error)
        return None
    number = _json(raw).get("display_phone_number") if status == 200 else None
    digits = "".join(c for c in number if c.isdigit()) if isinstance(number, str) else ""
    if not digits:
        log.warning("WhatsApp did not say the number to show (HTTP %s)", status)
        return None
    return f"https://wa.me/{digits}"
