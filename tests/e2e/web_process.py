"""``cocrea web`` as a real process on 127.0.0.1, for browser tests and benchmarks."""

from __future__ import annotations

import asyncio
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from tests.e2e.conftest import free_port


@dataclass
class WebProcess:
    process: asyncio.subprocess.Process
    url: str
    log: Path

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), 15)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


async def start_web(database_url: str, log: Path, *, port: int | None = None, **env: str) -> WebProcess:
    """Start ``python -m bot web`` and return once ``/healthz`` answers 200 (or fail with its log)."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    environment = {
        **os.environ,
        "COCREA_DATABASE_URL": database_url,
        "COCREA_WEB_HOST": "127.0.0.1",
        "COCREA_WEB_PORT": str(port),
        "COCREA_WEB_BASE_URL": url,
        "COCREA_LOG_LEVEL": "WARNING",
        **env,
    }
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "web", env=environment, stdout=out, stderr=asyncio.subprocess.STDOUT
        )
    web = WebProcess(process, url, log)
    try:
        await wait_healthy(web)
    except BaseException:
        await web.stop()
        raise
    return web


async def wait_healthy(web: WebProcess, timeout: float = 30.0) -> None:  # noqa: ASYNC109
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    async with aiohttp.ClientSession() as session:
        while True:
            if web.process.returncode is not None:
                raise AssertionError(f"cocrea web stopped ({web.process.returncode}): {web.log.read_text()[-2000:]}")
            try:
                async with session.get(web.url + "/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            if loop.time() > deadline:
                raise AssertionError(f"cocrea web did not answer within {timeout}s: {web.log.read_text()[-2000:]}")
            await asyncio.sleep(0.1)
