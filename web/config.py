"""What the composition root tells the web besides the services: its address, the bot's links, photos."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class ChannelLink:
    """Where citizens find the bot on one channel: ``Telegram`` → ``https://t.me/cocrea_bot``."""

    name: str
    url: str


class PhotoSource(Protocol):
    """Fetches a photo a citizen attached, by the channel's file id (None when the channel has lost it)."""

    async def fetch(self, file_id: str) -> bytes | None: ...


@dataclass(frozen=True)
class WebConfig:
    base_url: str
    """The public address (``COCREA_WEB_BASE_URL``): cookies are ``Secure`` when it is https."""
    channels: tuple[ChannelLink, ...] = ()
    photos: Mapping[str, PhotoSource] = field(default_factory=dict)
    """Photo sources by channel name (``telegram``)."""
    numbers_ttl_seconds: float = 60.0
    """How long the public home keeps the counts before asking the database again."""

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")
