"""The web app in-process (httpx over ASGI, same event loop as the database), signed-in staff, a movable clock."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from bot.outbox.delivery import Delivery
from config.consultation import Consultation
from handlers.actors import operator
from handlers.engine import Engine
from handlers.i18n import Catalogs
from handlers.moderation.threads import record_sent
from handlers.services import Services
from handlers.staff.web_sign_in import new_sign_in_link
from storage.database import Database
from storage.models import Conversation, StaffMember
from storage.uow import UnitOfWork, UnitOfWorkFactory
from tests.conftest import NOW
from tests.driver import Citizen, Counter, RecordingSender, fast_pacer
from web.app import create_app
from web.config import ChannelLink, WebConfig

BASE = "http://testserver"
BOT_LINK = "https://t.me/cocrea_test_bot"
PHOTO = b"\x89PNG\r\n\x1a\n-a-photo-of-the-bus-stop"


@dataclass
class Clock:
    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@dataclass
class FakePhotos:
    files: dict[str, bytes] = field(default_factory=lambda: {"photo-1": PHOTO})

    async def fetch(self, file_id: str) -> bytes | None:
        return self.files.get(file_id)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def web_services(database: Database, quito: Consultation, catalogs: Catalogs, tmp_path: Path, clock: Clock) -> Services:
    factory = UnitOfWorkFactory(database)
    return Services(factory, quito, catalogs, clock, data_dir=tmp_path / "data", web_url=BASE)


def web_app(services: Services, *, base_url: str = BASE) -> Starlette:
    config = WebConfig(
        base_url, (ChannelLink("Telegram", BOT_LINK),), {"telegram": FakePhotos()}, numbers_ttl_seconds=0
    )
    return create_app(services, config)


@pytest.fixture
def app(web_services: Services) -> Starlette:
    return web_app(web_services)


Browser = Callable[[], Awaitable[httpx.AsyncClient]]


@pytest.fixture
async def new_browser(app: Starlette) -> AsyncIterator[Browser]:
    """``await new_browser()``: a client with its own cookies, like a separate browser."""
    opened: list[httpx.AsyncClient] = []

    async def open_one() -> httpx.AsyncClient:
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=BASE, headers={"accept-language": "es"}
        )
        opened.append(client)
        return client

    yield open_one
    for client in opened:
        await client.aclose()


@pytest.fixture
async def visitor(new_browser: Browser) -> httpx.AsyncClient:
    return await new_browser()


@dataclass
class Desk:
    """A staff member signed in on a browser: posts carry the session's CSRF token."""

    client: httpx.AsyncClient
    member: StaffMember
    csrf: str

    async def get(self, path: str, **options: Any) -> httpx.Response:
        return await self.client.get(path, **options)

    async def post(self, path: str, data: dict[str, str] | None = None, **options: Any) -> httpx.Response:
        return await self.client.post(path, data={"csrf": self.csrf, **(data or {})}, **options)


async def add_member(services: Services, user_id: str, role: str) -> StaffMember:
    async with services.uow() as uow:
        member = await uow.staff.put("telegram", user_id, role, added_by="cli:test")
        await uow.commit()
        return member


async def sign_in_link(services: Services, member: StaffMember) -> str:
    async with services.uow() as uow:
        link = await new_sign_in_link(uow, services, operator(), member)
        await uow.commit()
    return link


async def open_link(client: httpx.AsyncClient, link: str) -> httpx.Response:
    """Open the link's page and press its button, as a person does."""
    page = await client.get(link.removeprefix(BASE))
    check = re.search(r'name="check" value="([^"]+)"', page.text)
    token = re.search(r'name="token" value="([^"]+)"', page.text)
    assert check and token, page.text
    return await client.post("/sign-in", data={"token": token.group(1), "check": check.group(1)})


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


SignIn = Callable[..., Awaitable[Desk]]


@pytest.fixture
def sign_in(web_services: Services, new_browser: Browser) -> SignIn:
    """``await sign_in("moderator", user_id="900")``: a new browser signed in by link with that role."""

    async def go(role: str, user_id: str = "900") -> Desk:
        member = await add_member(web_services, user_id, role)
        client = await new_browser()
        response = await open_link(client, await sign_in_link(web_services, member))
        assert response.status_code == 303, response.text
        page = await client.get("/desk/proposals")
        if page.status_code == 403:  # a role with no page at the desk (a facilitator) has no token either
            return Desk(client, member, "")
        return Desk(client, member, csrf_of(page.text))

    return go


async def reachable_author(
    database: Database, participant_id: int, chat_id: str = "770001", language: str = "es"
) -> None:
    """Give a seeded participant a conversation, so that the team can write to them."""
    async with UnitOfWork(database) as uow:
        await uow.conversations.add(
            Conversation(
                channel="telegram",
                chat_id=chat_id,
                participant_id=participant_id,
                step="idle",
                draft={},
                language=language,
            )
        )
        await uow.commit()


@pytest.fixture
def make_citizen(web_services: Services) -> Callable[..., Citizen]:
    """People chatting with the bot (the engine in-process) on the web's database."""
    engine = Engine(web_services)
    sender = RecordingSender()
    delivery = Delivery(web_services.uow, sender, "telegram", pacer=fast_pacer(), after_send=record_sent)
    counter = Counter()

    def make(user_id: str = "501", language_code: str = "es") -> Citizen:
        return Citizen(engine, delivery, sender, counter, user_id, language_code)

    return make
