"""The bot's username, for links such as staff invitations (``https://t.me/<bot>?start=<code>``)."""

from __future__ import annotations

import aiohttp

from bot.settings import Settings

TIMEOUT_SECONDS = 5.0


async def bot_username(settings: Settings) -> str | None:
    """Asks Telegram (getMe) when a token is set; None when there is none or Telegram does not answer."""
    if not settings.bot_token:
        return None
    url = f"{settings.telegram_api_url}/bot{settings.bot_token}/getMe"
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT_SECONDS)) as http,
            http.get(url) as answer,
        ):
            found = await answer.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, ValueError):
        return None
    result = found.get("result") if isinstance(found, dict) else None
    username = result.get("username") if isinstance(result, dict) else None
    return str(username) if username else None
