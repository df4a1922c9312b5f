"""Staff sign in without a password: a one-time link from the bot (/web) or the server (cocrea web link)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from http.cookies import SimpleCookie

import httpx
import pytest
from sqlalchemy import select

from handlers.services import Services
from storage.database import Database
from storage.models import AuditEntry, WebSession, WebSignInLink
from tests.driver import Citizen
from tests.web.conftest import (
    BASE,
    Browser,
    Clock,
    SignIn,
    add_member,
    open_link,
    sign_in_link,
    web_app,
)


def cookie_attributes(response: httpx.Response, name: str) -> dict[str, str]:
    for header in response.headers.get_list("set-cookie"):
        cookie: SimpleCookie = SimpleCookie()
        cookie.load(header)
        if name in cookie:
            morsel = cookie[name]
            flags = {key: str(morsel[key]) for key in ("httponly", "secure", "samesite", "max-age", "path")}
            return {"value": morsel.value, **flags}
    raise AssertionError(f"no cookie {name}")


async def test_a_link_signs_in_once_into_an_eight_hour_session(
    web_services: Services, new_browser: Browser, database: Database
) -> None:
    member = await add_member(web_services, "900", "moderator")
    link = await sign_in_link(web_services, member)
    assert link.startswith(f"{BASE}/sign-in/")
    browser = await new_browser()
    signed = await open_link(browser, link)
    assert signed.status_code == 303 and signed.headers["location"] == "/desk"
    session = cookie_attributes(signed, "cocrea_session")
    assert session["httponly"]
    assert session["samesite"].lower() == "lax" and session["max-age"] == str(8 * 3600) and session["path"] == "/"
    assert not session["secure"], "plain http on a test address"
    desk = await browser.get("/desk/proposals")
    assert desk.status_code == 200 and "staff-" in desk.text
    async with database.sessions() as db:
        stored = [row.token_hash for row in (await db.execute(select(WebSignInLink))).scalars()]
        sessions = [row.token_hash for row in (await db.execute(select(WebSession))).scalars()]
        actions = [entry.action for entry in (await db.execute(select(AuditEntry))).scalars()]
    token = link.rsplit("/", 1)[1]
    assert token not in stored and len(stored[0]) == 64, "only a hash of the link is stored"
    assert session["value"] not in sessions and len(sessions[0]) == 64, "only a hash of the session"
    assert actions == ["web.link", "web.sign_in"]


async def test_behind_https_the_session_cookie_is_secure(web_services: Services) -> None:
    from dataclasses import replace

    services = replace(web_services, web_url="https://participa.example.org")
    app = web_app(services, base_url="https://participa.example.org")
    member = await add_member(services, "900", "analyst")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://participa.example.org"
    ) as client:
        link = await sign_in_link(services, member)
        page = await client.get(link.removeprefix("https://participa.example.org"))
        import re

        check = re.search(r'name="check" value="([^"]+)"', page.text)
        assert check
        signed = await client.post("/sign-in", data={"token": link.rsplit("/", 1)[1], "check": check.group(1)})
    session = cookie_attributes(signed, "cocrea_session")
    assert session["secure"] and session["httponly"]


async def test_a_used_link_does_not_work_again(web_services: Services, new_browser: Browser) -> None:
    member = await add_member(web_services, "900", "moderator")
    link = await sign_in_link(web_services, member)
    assert (await open_link(await new_browser(), link)).status_code == 303
    other = await new_browser()
    again = await open_link(other, link)
    assert again.status_code == 403 and "ya se usó" in again.text
    assert "cocrea_session" not in again.headers.get("set-cookie", "")
    assert (await other.get("/desk/proposals")).status_code == 401


async def test_a_link_expires_after_ten_minutes(web_services: Services, new_browser: Browser, clock: Clock) -> None:
    member = await add_member(web_services, "900", "moderator")
    link = await sign_in_link(web_services, member)
    clock.advance(timedelta(minutes=10, seconds=1))
    refused = await open_link(await new_browser(), link)
    assert refused.status_code == 403 and "caducó" in refused.text


async def test_a_forged_link_opens_nothing(web_services: Services, new_browser: Browser) -> None:
    await add_member(web_services, "900", "admin")
    browser = await new_browser()
    for token in ("x" * 43, "a-guess-that-is-long-enough-to-be-checked", "short"):
        refused = await open_link(browser, f"{BASE}/sign-in/{token}")
        assert refused.status_code == 403
    assert (await browser.get("/desk/proposals")).status_code == 401


async def test_opening_the_link_alone_does_not_spend_it(web_services: Services, new_browser: Browser) -> None:
    """Chat apps fetch links to preview them: only pressing the button uses the link."""
    member = await add_member(web_services, "900", "moderator")
    link = await sign_in_link(web_services, member)
    preview = await (await new_browser()).get(link.removeprefix(BASE))
    assert preview.status_code == 200 and preview.headers["referrer-policy"] == "no-referrer"
    assert (await open_link(await new_browser(), link)).status_code == 303


async def test_another_site_cannot_sign_a_browser_in(web_services: Services, new_browser: Browser) -> None:
    """The button's form must come with the cookie its page set (login CSRF)."""
    member = await add_member(web_services, "900", "moderator")
    link = await sign_in_link(web_services, member)
    browser = await new_browser()
    forged = await browser.post("/sign-in", data={"token": link.rsplit("/", 1)[1], "check": "guess"})
    assert forged.status_code == 403
    assert (await open_link(browser, link)).status_code == 303, "the link was not spent by the refused attempt"


async def test_signing_out_ends_the_session_and_needs_the_csrf_token(sign_in: SignIn) -> None:
    desk = await sign_in("analyst")
    forged = await desk.client.post("/sign-out", data={})
    assert forged.status_code == 403
    assert (await desk.get("/desk/proposals")).status_code == 200, "still signed in"
    out = await desk.post("/sign-out")
    assert out.status_code == 303 and out.headers["location"] == "/"
    assert (await desk.get("/desk/proposals")).status_code == 401


async def test_a_session_lasts_eight_hours(sign_in: SignIn, clock: Clock) -> None:
    desk = await sign_in("analyst")
    clock.advance(timedelta(hours=7, minutes=59))
    assert (await desk.get("/desk/proposals")).status_code == 200
    clock.advance(timedelta(minutes=2))
    over = await desk.get("/desk/proposals")
    assert over.status_code == 401 and "Entra para ver esta página" in over.text


async def test_removing_the_role_ends_the_session_at_once(sign_in: SignIn, web_services: Services) -> None:
    desk = await sign_in("moderator")
    async with web_services.uow() as uow:
        await uow.staff.put("telegram", "900", "analyst", "cli:test")
        await uow.commit()
    assert (await desk.get("/desk/answers")).status_code == 403, "the role is read on every request"
    assert (await desk.get("/desk/proposals")).status_code == 200
    async with web_services.uow() as uow:
        await uow.staff.remove("telegram", "900")
        await uow.commit()
    assert (await desk.get("/desk/proposals")).status_code == 401


# --- /web in the bot, and cocrea web link -------------------------------------------------------


async def test_staff_get_a_link_from_the_bot_and_nobody_else_does(
    make_citizen: Callable[..., Citizen], web_services: Services, new_browser: Browser
) -> None:
    await add_member(web_services, "600", "analyst")
    await add_member(web_services, "602", "facilitator")
    staff, citizen = make_citizen("600"), make_citizen("601")
    await staff.send("/start")
    await citizen.send("/start")
    answer = (await staff.send("/web"))[-1].text
    assert "Tu enlace al escritorio web" in answer and "10 minutos" in answer
    link = answer.split("\n")[-1]
    assert link.startswith(f"{BASE}/sign-in/")
    assert (await open_link(await new_browser(), link)).status_code == 303
    stranger = (await citizen.send("/web"))[-1].text
    assert "No conozco el comando /web" in stranger
    facilitator = make_citizen("602")
    await facilitator.send("/start")
    assert "No conozco el comando /web" in (await facilitator.send("/web"))[-1].text
    assert "/web" in (await staff.send("/help"))[-1].text
    assert "/web" not in (await citizen.send("/help"))[-1].text


def test_an_operator_prints_a_link_on_the_server(
    tmp_path: object, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import asyncio
    from pathlib import Path

    from bot.cli.main import main
    from storage.database import open_database, upgrade
    from storage.uow import UnitOfWork

    folder = Path(str(tmp_path))
    monkeypatch.chdir(folder)
    monkeypatch.setenv("COCREA_DATABASE_URL", f"sqlite+aiosqlite:///{folder / 'cocrea.db'}")
    monkeypatch.setenv("COCREA_WEB_BASE_URL", "https://participa.example.org")
    monkeypatch.setenv("COCREA_LOG_LEVEL", "WARNING")

    async def staff() -> None:
        database = open_database(f"sqlite+aiosqlite:///{folder / 'cocrea.db'}")
        await upgrade(database)
        async with UnitOfWork(database) as uow:
            await uow.staff.put("telegram", "900", "admin", "test")
            await uow.staff.put("telegram", "902", "facilitator", "test")
            await uow.commit()
        await database.dispose()

    asyncio.run(staff())
    assert main(["web", "link", "900"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("https://participa.example.org/sign-in/") and len(out[0]) > 60
    assert "works once, for 10 minutes" in out[1]
    assert main(["web", "link", "901"]) == 2
    assert capsys.readouterr().err.strip() == "cocrea: telegram:901 is not on the staff"
    assert main(["web", "link", "902"]) == 2, "a facilitator has nothing to do at the desk"
    assert capsys.readouterr().err.strip().startswith("cocrea: staff-2 is a facilitator: the web desk is for")
