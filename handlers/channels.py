"""Channel names as people read them: the notice says whose servers their messages pass through."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ChannelName:
    name: str
    """The app people use: Telegram, WhatsApp."""
    company: str
    """Whose servers messages pass through: Telegram, Meta."""


KNOWN = {
    "telegram": ChannelName("Telegram", "Telegram"),
    "whatsapp": ChannelName("WhatsApp", "Meta"),
}


def channel_name(channel: str) -> ChannelName:
    return KNOWN.get(channel, ChannelName(channel.capitalize(), channel.capitalize()))
