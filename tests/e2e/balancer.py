"""A round-robin HTTP balancer on 127.0.0.1, as in front of several machines running ``cocrea run``.

Each request goes to the next backend in turn, once: a backend that is down (killed, restarting) or
that fails mid-request gets the caller a 502, and the caller (Telegram) tries again later.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType

import aiohttp
from aiohttp import web

FORWARDED = ("Content-Type", "X-Telegram-Bot-Api-Secret-Token")


class RoundRobin:
    def __init__(self, backends: Sequence[int], *, timeout: float = 30.0) -> None:
        self.backends = list(backends)
        """Ports of the backends on 127.0.0.1."""
        self.forwarded = 0
        self.failed = 0
        self.port = 0
        self._next = 0
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> RoundRobin:
        application = web.Application()
        application.router.add_route("*", "/{tail:.*}", self._forward)
        self._runner = web.AppRunner(application, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        self._http = aiohttp.ClientSession()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._http is not None:
            await self._http.close()

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._http is not None
        port = self.backends[self._next % len(self.backends)]
        self._next += 1
        headers = {name: request.headers[name] for name in FORWARDED if name in request.headers}
        body = await request.read()
        url = f"http://127.0.0.1:{port}{request.rel_url}"
        try:
            async with self._http.request(
                request.method, url, data=body, headers=headers, timeout=self._timeout
            ) as answer:
                content = await answer.read()
                self.forwarded += 1
                return web.Response(status=answer.status, body=content, content_type=answer.content_type)
        except (aiohttp.ClientError, TimeoutError) as error:
            self.failed += 1
            return web.Response(status=502, text=f"Bad Gateway: {type(error).__name__}")
