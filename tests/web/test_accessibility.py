"""Pages a person can read and use: a language, one main heading, labelled fields, text for images,
and colours whose contrast passes WCAG 2.1 AA (4.5:1 for text)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest

from handlers.actors import operator
from handlers.consolidation.commitments import add_milestone, draft, record_progress
from handlers.services import Services
from storage.database import Database
from tests.seed import participant, proposal
from tests.web.conftest import SignIn, reachable_author

STYLE = Path(__file__).resolve().parents[2] / "web" / "static" / "style.css"
PUBLIC = [
    "/",
    "/proposals",
    "/proposals/UIO-0001",
    "/sign-in",
    "/proposals/UIO-9999",
    "/commitments",
    "/commitments/UIO-C01",
]
DESK = [
    "/desk/proposals",
    "/desk/queue",
    "/desk/proposals/UIO-0001",
    "/desk/questions",
    "/desk/answers",
    "/desk/stats",
    "/desk/audit",
    "/desk/staff",
    "/desk/commitments",
    "/desk/clusters",
    "/desk/commitments/UIO-C01",
]


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.lang = ""
        self.h1 = 0
        self.controls: list[tuple[str, str]] = []
        self.labels: set[str] = set()
        self.images_without_alt = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "html":
            self.lang = values.get("lang", "")
        elif tag == "h1":
            self.h1 += 1
        elif tag == "label" and "for" in values:
            self.labels.add(values["for"])
        elif tag in ("input", "select", "textarea") and values.get("type") not in ("hidden", "submit"):
            if "hidden" not in values:
                self.controls.append((tag, values.get("id", "")))
        elif tag == "img" and not values.get("alt"):
            self.images_without_alt += 1


def check(html: str, path: str) -> None:
    page = Page()
    page.feed(html)
    assert page.lang in ("es", "en"), path
    assert page.h1 == 1, f"{path}: {page.h1} main headings"
    unlabelled = [control for control in page.controls if not control[1] or control[1] not in page.labels]
    assert unlabelled == [], f"{path}: fields without a label: {unlabelled}"
    assert page.images_without_alt == 0, path
    assert 'class="skip"' in html, f"{path}: no link to skip to the content"


@pytest.fixture
async def seeded(database: Database, web_services: Services) -> None:
    await proposal(database, "UIO-0001", attachments=["photo-1"], follow_ups=2)
    await proposal(database, "UIO-0002")
    await reachable_author(database, await participant(database))
    async with web_services.uow() as uow:
        await draft(uow, web_services, operator(), ["UIO-0002"], "Horarios en las paradas")
        await add_milestone(uow, web_services, operator(), "UIO-C01", "Pantallas en 20 paradas")
        await record_progress(uow, web_services, operator(), "UIO-C01", milestone=1, note="Cinco instaladas.")
        await uow.commit()


@pytest.mark.parametrize("path", PUBLIC)
async def test_public_pages_are_labelled_and_structured(visitor: httpx.AsyncClient, seeded: None, path: str) -> None:
    check((await visitor.get(path)).text, path)


async def test_desk_pages_are_labelled_and_structured(sign_in: SignIn, seeded: None) -> None:
    desk = await sign_in("admin")
    for path in DESK:
        response = await desk.get(path)
        assert response.status_code == 200, path
        check(response.text, path)


def luminance(colour: str) -> float:
    value = colour.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def variables() -> dict[str, str]:
    return dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{3,6})", STYLE.read_text()))


def test_text_colours_pass_wcag_aa() -> None:
    colour = variables()
    pairs = {
        "text": (colour["ink"], colour["paper"]),
        "muted text": (colour["muted"], colour["paper"]),
        "text on soft panels": (colour["ink"], colour["soft"]),
        "muted text on soft panels": (colour["muted"], colour["soft"]),
        "links and buttons": (colour["brand"], colour["paper"]),
        "links on soft panels": (colour["brand-dark"], colour["soft"]),
        "accepted": (colour["ok"], colour["paper"]),
        "warnings": (colour["warn"], colour["paper"]),
        "refusals": (colour["bad"], colour["paper"]),
        "header": ("#ffffff", colour["brand"]),
        "notice": (colour["ink"], "#e7f4ea"),
        "error": (colour["ink"], "#fbeaea"),
        "disabled buttons": ("#4d4d4d", "#e6e6e6"),
    }
    css = STYLE.read_text()
    for level, (background, text) in {
        "level-0": ("#f3f6fa", colour["ink"]),
        "level-1": ("#d6e4f3", colour["ink"]),
        "level-2": ("#a9c6e8", colour["ink"]),
        "level-3": ("#2c62a0", "#ffffff"),
        "level-4": ("#123f73", "#ffffff"),
    }.items():
        assert f".{level} {{ background: {background};" in css
        pairs[f"heat map {level}"] = (text, background)
    failing = {name: round(contrast(*pair), 2) for name, pair in pairs.items() if contrast(*pair) < 4.5}
    assert failing == {}
    assert contrast(colour["line"], colour["paper"]) >= 3.0, "field borders (non-text contrast)"
