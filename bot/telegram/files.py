"""What the web needs from the Bot API: the bot's public link, and photos citizens attached.

Plain HTTP (aiohttp) rather than a bot framework: two calls, made by the web process, which runs no bot.
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp

log = logging.getLogger(__name__)
TIMEOUT = aiohttp.ClientTimeout(total=15)
MAX_PHOTO_BYTES = 10 * 1024 * 1024


async def bot_link(api_url: str, token: str) -> str | None:
    """``https://t.me/<username>`` from getMe, or None (logged) when the Bot API does not answer."""
    try:
        me = await _call(api_url, token, "getMe", {})
    except (aiohttp.ClientError, TimeoutError, ValueError) as error:
        log.warning("cannot ask Telegram for the bot's name (getMe): %s", error)
        return None
    username = me.get("username") if isinstance(me, dict) else None
    return f"https://t.me/{username}" if isinstance(username, str) and username else None


class TelegramPhotos:
    """Photos by Telegram file id (getFile, then the file's download address)."""

    def __init__(self, api_url: str, token: str) -> None:
        self._api_url = api_url.rstrip("/")
        self._token = token

    async def fetch(self, file_id: str) -> bytes | None:
        try:
            found = await _call(self._api_url, self._token, "getFile", {"file_id": file_id})
            path = found.get("file_path") if isinstance(found, dict) else None
            if not isinstance(path, str):
                return None
            async with (
                aiohttp.ClientSession(timeout=TIMEOUT) as session,
                session.get(f"{self._api_url}/file/bot{self._token}/{path}") as response,
            ):
                if response.status != 200:
                    return None
                content = await response.content.read(MAX_PHOTO_BYTES + 1)
                return content if len(content) <= MAX_PHOTO_BYTES else None
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            log.warning("cannot fetch a photo from Telegram: %s", error)
            return None


async def _call(api_url: str, token: str, method: str, params: dict[str, str]) -> Any:
    async with (
        aiohttp.ClientSession(timeout=TIMEOUT) as session,
        session.post(f"{api_url.rstrip('/')}/bot{token}/{method}", json=params) as response,
    ):
        body = await response.json(content_type=None)
    if not isinstance(body, dict) or not body.get("ok"):
        raise ValueError(f"{method} was refused: {body.get('description') if isinstance(body, dict) else body}")
    return body.get("result")
