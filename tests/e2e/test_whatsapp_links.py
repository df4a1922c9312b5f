"""The public site's way to the bot on WhatsApp: a wa.me link to the number Meta shows."""

from __future__ import annotations

from types import SimpleNamespace
from typing import cast

from bot.app import App
from bot.cli.web import web_config
from bot.settings import Settings, WhatsAppSettings
from bot.whatsapp.client import number_link
from tests.e2e.fake_whatsapp import FakeWhatsApp
from web.config import ChannelLink


async def test_the_whatsapp_link_is_the_number_meta_shows() -> None:
    async with FakeWhatsApp(display_phone_number="593991234567") as wa:
        assert await number_link(wa.base_url, wa.phone_number_id, wa.token) == "https://wa.me/593991234567"
        assert await number_link(wa.base_url, wa.phone_number_id, "WRONG-TOKEN") is None
    assert await number_link("http://127.0.0.1:9/v23.0", "1234", "TOKEN") is None, "Meta out of reach: no link"


async def test_the_public_site_links_to_every_configured_channel() -> None:
    async with FakeWhatsApp(display_phone_number="593991234567") as wa:
        whatsapp = WhatsAppSettings(token=wa.token, phone_number_id=wa.phone_number_id, api_url=wa.base_url)
        settings = Settings("", "", "", "", None, "", "", "", 0, "INFO", whatsapp=whatsapp)
        config = await web_config(cast(App, SimpleNamespace(settings=settings)))
    assert config.channels == (ChannelLink("WhatsApp", "https://wa.me/593991234567"),)
