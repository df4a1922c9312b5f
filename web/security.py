"""Who is asking, and may they: the session cookie, the role on every request, and CSRF on every change.

A desk endpoint is wrapped with ``@requires(READ | MODERATE | MANAGE)``: without a live session the
visitor gets the sign-in page (401) and never data; with a role that lacks the permission, a 403 page.
Requests that change something (POST) must carry the session's CSRF token (form field ``csrf`` or
header ``X-CSRF-Token``), else 403 and nothing happens.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from functools import wraps

from starlette.requests import Request
from starlette.responses import Response

from handlers.staff.permissions import allowed
from handlers.staff.web_sign_in import SESSION_LIFETIME, SignedIn, signed_in
from web.state import state

SESSION_COOKIE = "cocrea_session"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"

Endpoint = Callable[[Request], Awaitable[Response]]


async def current_staff(request: Request) -> SignedIn | None:
    """The signed-in staff member with their role as it is now (read on every request)."""
    token = request.cookies.get(SESSION_COOKIE, "")
    if not token:
        return None
    services = state(request).services
    async with services.reading() as uow:
        return await signed_in(uow, services, token)


def set_session_cookie(response: Response, token: str, *, secure: bool) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        httponly=True,
        secure=secure,
        samesite="lax",
        path="/",
    )


def clear_session_cookie(response: Response, *, secure: bool) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, secure=secure, samesite="lax")


async def csrf_ok(request: Request, expected: str) -> bool:
    given = request.headers.get(CSRF_HEADER, "")
    if not given and request.method == "POST":
        form = await request.form()
        value = form.get(CSRF_FIELD, "")
        given = value if isinstance(value, str) else ""
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


def requires(permission: str) -> Callable[[Endpoint], Endpoint]:
    def decorate(endpoint: Endpoint) -> Endpoint:
        @wraps(endpoint)
        async def guarded(request: Request) -> Response:
            try:
                return await _guarded(request)
            finally:
                await request.close()  # uploaded files are temporary files: closed whatever happened

        async def _guarded(request: Request) -> Response:
            web = state(request)
            found = await current_staff(request)
            if found is None:
                response = web.pages.render(request, "sign_in.html", {"reason": "signed_out"}, status=401)
                if request.cookies.get(SESSION_COOKIE):
                    clear_session_cookie(response, secure=web.config.secure_cookies)
                return response
            request.state.staff = found
            request.state.csrf = found.csrf_token
            if not allowed(found.member.role, permission):
                return web.pages.render(request, "desk/forbidden.html", status=403)
            if request.method not in ("GET", "HEAD") and not await csrf_ok(request, found.csrf_token):
                return web.pages.render(request, "desk/forbidden.html", {"stale": True}, status=403)
            return await endpoint(request)

        return guarded

    return decorate
