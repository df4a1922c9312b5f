"""What every request handler reaches through ``request.app.state.web``."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from handlers.services import Services
from web.config import WebConfig
from web.numbers import NumbersCache
from web.templates import Pages


@dataclass
class WebState:
    services: Services
    config: WebConfig
    pages: Pages
    numbers: NumbersCache


def state(request: Request) -> WebState:
    found = request.app.state.web
    assert isinstance(found, WebState)
    return found
