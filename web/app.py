"""The web application: public site, sign-in and staff desk, built from the composition root's services."""

from __future__ import annotations

import logging
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from handlers.services import Services
from handlers.staff.permissions import READ
from web import public, sign_in
from web.config import WebConfig
from web.desk import routes as desk_routes
from web.headers import SecurityHeaders
from web.numbers import NumbersCache
from web.security import requires
from web.state import WebState, state
from web.templates import Pages

STATIC_DIR = Path(__file__).resolve().parent / "static"
log = logging.getLogger(__name__)


@requires(READ)
async def desk_home(request: Request) -> Response:
    return RedirectResponse("/desk/proposals", status_code=303)


async def not_found(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 404
    if status == 405:
        return Response("Method Not Allowed", status_code=405)
    return state(request).pages.render(request, "not_found.html", {"code": ""}, status=404)


async def server_error(request: Request, exc: Exception) -> Response:
    log.exception("a page failed: %s %s", request.method, request.url.path, exc_info=exc)
    return state(request).pages.render(request, "error.html", status=500)


def create_app(services: Services, config: WebConfig) -> Starlette:
    app = Starlette(
        routes=[
            *public.ROUTES,
            *sign_in.ROUTES,
            Route("/desk", desk_home),
            *desk_routes(),
            Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
        ],
        middleware=[Middleware(SecurityHeaders)],
        exception_handlers={404: not_found, 405: not_found, 500: server_error},
    )
    app.state.web = WebState(services, config, Pages(services), NumbersCache(services, config.numbers_ttl_seconds))
    return app
