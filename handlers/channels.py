"""Channel names as people read them: the notice says whose servers their messages pass through."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ChannelName:
    name: str
    """The app people use: Telegram, WhatsApp."""
    company: str
    """Whose servers messages pass through: Telegram, Meta."""
    reply_window: bool = True
    """Whether messages to a person can wait for them to write again (WhatsApp's 24-hour window). Telegram
    has none, so the engine skips looking for such messages on each of its updates."""


KNOWN = {
    "telegram": ChannelName("Telegram", "Telegram", reply_window=False),
    "whatsapp": ChannelName("WhatsApp", "Meta"),
}


def channel_name(channel: str) -> ChannelName:
    return KNOWN.get(channel, ChannelName(channel.capitalize(), channel.capitalize()))
