"""In a real browser: a moderator signs in with the link the bot sends, filters the table, opens a
proposal and changes its status with a reasoned answer; the author receives it through Telegram (the
fake Bot API, the real runner) and the public page of the proposal shows it.

Set ``COCREA_SCREENSHOTS=docs`` to also save the phone-width screenshots of the README."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from handlers.services import utc_now
from storage.database import Database
from storage.uow import UnitOfWork
from tests.e2e.browser import chromium, full_page_screenshot, require_browser
from tests.e2e.citizen_script import consent, full_proposal, skip_profile
from tests.e2e.conftest import StartBot, free_port
from tests.e2e.fake_bot_api import FakeBotApi, FakeUser
from tests.e2e.web_process import WebProcess, start_web

REASON = "Se incluye en el compromiso 3 del plan de acción: horarios en tiempo real en 40 paradas."
WAIT = 15


@pytest.fixture(autouse=True)
def browser_available() -> None:
    require_browser()


async def add_staff(database: Database, user_id: int, role: str) -> None:
    async with UnitOfWork(database) as uow:
        await uow.staff.put("telegram", str(user_id), role, "test")
        await uow.commit()


async def other_proposal(user: FakeUser) -> None:
    """A proposal on another axis, for the table's filter to leave out."""
    await consent(user)
    await skip_profile(user)
    await user.press("Hábitat, Seguridad y Convivencia Ciudadana")
    await user.expect()
    await user.press("Participación ciudadana")
    await user.expect()
    *first, last = (
        "Las veredas del barrio La Forestal están rotas desde hace años.",
        "Reparar las veredas con mingas barriales y materiales del municipio.",
        "Caminar seguros, sobre todo los niños y las personas mayores.",
    )
    for text in first:
        await user.send(text)
        await user.expect()
    await user.send(last)  # then the review, where a location or photos are offered
    await user.expect("Revisa tu propuesta")
    await user.press("Enviar propuesta")
    await user.expect("código de seguimiento")


@pytest.fixture
async def web_port() -> int:
    return free_port()


@pytest.fixture
async def web(fake: FakeBotApi, tmp_path: Path, web_port: int) -> AsyncIterator[Any]:
    processes: list[WebProcess] = []

    async def start() -> WebProcess:
        process = await start_web(
            f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
            tmp_path / "web.log",
            port=web_port,
            COCREA_BOT_TOKEN=fake.token,
            COCREA_TELEGRAM_API_URL=fake.base_url,
        )
        processes.append(process)
        return process

    yield start
    for process in processes:
        await process.stop()


async def test_a_moderator_answers_a_proposal_from_the_browser(
    fake: FakeBotApi, start_bot: StartBot, web: Any, web_port: int, tmp_path: Path
) -> None:
    base = f"http://127.0.0.1:{web_port}"
    # the web process keeps real time, so the bot does too (a link made "yesterday" would have expired)
    bot = await start_bot("aiogram", clock=utc_now, COCREA_WEB_BASE_URL=base, COCREA_OUTBOX_POLL_SECONDS="0.2")
    await add_staff(bot.app.database, 900, "moderator")
    ana, beto, mara = fake.user(1001, "Ana"), fake.user(1002, "Beto"), fake.user(900, "Mara")
    assert await full_proposal(ana) == "UIO-0001"
    await other_proposal(beto)
    server = await web()

    await mara.send("/web")
    message = await mara.expect("Tu enlace al escritorio web")
    link = (message.text or "").split("\n")[-1].strip()
    assert link.startswith(f"{base}/sign-in/")

    profile = tmp_path / "chromium-profile"
    with chromium(profile) as driver:
        await asyncio.to_thread(moderate, driver, link, base)
        notice = await ana.expect("Novedades sobre tu propuesta UIO-0001: Aceptada.")
        assert REASON in (notice.text or "")
        public = await asyncio.to_thread(public_page, driver, base)
        assert "Aceptada" in public and REASON in public
        assert "Ana" not in public and "1001" not in public
        shots = os.environ.get("COCREA_SCREENSHOTS")
        if shots:
            await asyncio.to_thread(screenshots, driver, base, Path(shots))
    await beto.expect_silence()
    assert "Traceback" not in server.log.read_text()


def moderate(driver: Any, link: str, base: str) -> None:
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select, WebDriverWait

    wait = WebDriverWait(driver, WAIT, ignored_exceptions=(StaleElementReferenceException,))  # htmx swaps parts
    driver.get(link)
    wait.until(ec.element_to_be_clickable((By.ID, "sign-in"))).click()
    wait.until(ec.url_to_be(f"{base}/desk/proposals"))
    table = driver.find_element(By.ID, "results").text
    assert "UIO-0001" in table and "UIO-0002" in table

    Select(driver.find_element(By.ID, "f-axis")).select_by_visible_text("Movilidad Sostenible")
    driver.find_element(By.ID, "apply-filters").click()
    wait.until(lambda d: "UIO-0002" not in d.find_element(By.ID, "results").text)
    assert "axis=4" in driver.current_url, "the filtered table has its own address"
    wait.until(lambda d: d.find_element(By.LINK_TEXT, "UIO-0001").click() or True)  # again if swapped meanwhile

    wait.until(ec.presence_of_element_located((By.ID, "change-status")))
    assert "Las paradas del corredor sur" in driver.page_source
    Select(driver.find_element(By.ID, "status")).select_by_visible_text("Aceptada")
    answer = driver.find_element(By.ID, "answer")
    answer.send_keys(REASON)
    driver.find_element(By.ID, "change-status").click()
    wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, "p.notice"), "El estado cambió"))
    assert REASON in driver.find_element(By.ID, "history").find_element(By.XPATH, "..").text


def public_page(driver: Any, base: str) -> str:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(base + "/")
    box = driver.find_element(By.ID, "code")
    box.send_keys("uio-0001")
    box.submit()
    WebDriverWait(driver, WAIT).until(ec.url_to_be(f"{base}/proposals/UIO-0001"))
    return str(driver.find_element(By.TAG_NAME, "main").text)


def screenshots(driver: Any, base: str, folder: Path) -> None:
    driver.get(base + "/")
    full_page_screenshot(driver, folder / "web-home-phone.png")
    driver.get(base + "/proposals/UIO-0001")
    full_page_screenshot(driver, folder / "web-proposal-phone.png")
