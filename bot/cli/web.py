"""``cocrea web`` serves the public site and the staff desk; ``cocrea web link ID`` prints a sign-in link."""

from __future__ import annotations

import argparse
import logging

from bot.app import App
from bot.cli.errors import CliError
from handlers.actors import operator
from handlers.staff.members import find_member
from handlers.staff.permissions import READ, allowed
from handlers.staff.web_sign_in import LINK_LIFETIME, new_sign_in_link
from web.config import ChannelLink, PhotoSource, WebConfig

log = logging.getLogger(__name__)


async def web_command(app: App, args: argparse.Namespace) -> int:
    if args.web_command == "link":
        return await print_link(app, args.channel, args.user_id)
    return await serve(app)


async def print_link(app: App, channel: str, user_id: str) -> int:
    async with app.uow() as uow:
        member = await find_member(uow, channel, user_id)
        if not allowed(member.role, READ):
            raise CliError(f"staff-{member.id} is a {member.role}: the web desk is for analysts, moderators and admins")
        link = await new_sign_in_link(uow, app.services, operator(), member)
        await uow.commit()
    minutes = int(LINK_LIFETIME.total_seconds() // 60)
    print(link)
    print(f"cocrea: a sign-in link for staff-{member.id} ({member.role}); it works once, for {minutes} minutes")
    return 0


async def serve(app: App) -> int:
    import uvicorn

    from web.app import create_app

    settings = app.settings
    asgi = create_app(app.services, await web_config(app))
    config = uvicorn.Config(
        asgi,
        host=settings.web_host,
        port=settings.web_port,
        log_level=settings.log_level.lower(),
        access_log=False,
        proxy_headers=True,
        server_header=False,
        timeout_graceful_shutdown=10,
    )
    log.info(
        "web: public site and staff desk on http://%s:%s (links use %s)",
        settings.web_host,
        settings.web_port,
        settings.web_base_url,
    )
    await uvicorn.Server(config).serve()
    return 0


async def web_config(app: App) -> WebConfig:
    """The bot's links and photo sources for the configured channels."""
    from bot.telegram.files import TelegramPhotos, bot_link

    settings = app.settings
    channels: list[ChannelLink] = []
    photos: dict[str, PhotoSource] = {}
    if settings.bot_token:
        link = await bot_link(settings.telegram_api_url, settings.bot_token)
        if link:
            channels.append(ChannelLink("Telegram", link))
        photos["telegram"] = TelegramPhotos(settings.telegram_api_url, settings.bot_token)
    whatsapp = settings.whatsapp
    if whatsapp.token:
        from bot.whatsapp.client import number_link

        link = await number_link(whatsapp.api_url, whatsapp.phone_number_id, whatsapp.token)
        if link:
            channels.append(ChannelLink("WhatsApp", link))
    return WebConfig(settings.web_base_url, tuple(channels), photos)
