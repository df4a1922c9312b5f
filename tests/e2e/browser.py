"""Debian's Chromium driven by Debian's chromedriver through Selenium: nothing is downloaded.

Without them the browser tests skip, saying why, except in CI (``CI=true``), where they must run.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--lang=es",
    "--hide-scrollbars",
)


def require_browser() -> None:
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not (Path(path).exists() or shutil.which(Path(path).name))]
    if not missing:
        return
    reason = (
        f"needs Debian's chromium and chromium-driver ({', '.join(missing)} missing): "
        "apt-get install -y chromium chromium-driver"
    )
    if os.environ.get("CI"):
        pytest.fail("CI must run the browser tests: " + reason)
    pytest.skip(reason)


@contextmanager
def chromium(profile: Path, width: int = 1280, height: int = 900) -> Iterator[Any]:
    """A headless Chromium with a fresh profile; Selenium Manager is never asked for anything."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_OFFLINE", "true")
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--window-size={width},{height}")
    options.add_experimental_option("prefs", {"intl.accept_languages": "es"})
    service = Service(executable_path=shutil.which("chromedriver") or CHROMEDRIVER)
    driver = webdriver.Chrome(service=service, options=options)
    try:
        driver.set_page_load_timeout(30)
        yield driver
    finally:
        driver.quit()


def full_page_screenshot(driver: Any, path: Path, width: int = 390) -> None:
    """The whole page at ``width`` CSS pixels (a phone held upright)."""
    driver.set_window_size(width, 800)
    height = int(driver.execute_script("return document.documentElement.scrollHeight"))
    driver.set_window_size(width, min(height, 6000))
    path.parent.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(path))
