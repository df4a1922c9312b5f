"""Signing in with a one-time link, and out.

Opening the link shows a page with a button; only pressing it uses the link. Chat apps fetch links
to preview them, and such a fetch must not spend a link meant for a person. The button's form carries
a token that must match a cookie set with the page (login CSRF: another site cannot sign a browser in).
"""

from __future__ import annotations

import hmac
import secrets

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from handlers.staff.web_sign_in import sign_in, sign_out
from web.forms import text_field
from web.security import SESSION_COOKIE, clear_session_cookie, csrf_ok, current_staff, set_session_cookie
from web.state import state

PRE_COOKIE = "cocrea_sign_in"
NO_REFERRER = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


async def sign_in_page(request: Request) -> Response:
    web = state(request)
    if await current_staff(request) is not None:
        return RedirectResponse("/desk", status_code=303)
    return web.pages.render(request, "sign_in.html", {"reason": ""})


async def confirm_page(request: Request) -> Response:
    web = state(request)
    check = secrets.token_urlsafe(24)
    response = web.pages.render(
        request,
        "sign_in_confirm.html",
        {"token": request.path_params["token"][:100], "check": check},
        headers=NO_REFERRER,
    )
    response.set_cookie(
        PRE_COOKIE, check, max_age=600, httponly=True, secure=web.config.secure_cookies, samesite="strict", path="/"
    )
    return response


async def sign_in_with_link(request: Request) -> Response:
    web = state(request)
    form = await request.form()
    check = request.cookies.get(PRE_COOKIE, "")
    if not check or not hmac.compare_digest(check.encode(), text_field(form, "check").encode()):
        return web.pages.render(request, "sign_in.html", {"reason": "refused"}, status=403, headers=NO_REFERRER)
    async with web.services.uow() as uow:
        session = await sign_in(uow, web.services, text_field(form, "token"))
        await uow.commit()
    if session is None:
        return web.pages.render(request, "sign_in.html", {"reason": "refused"}, status=403, headers=NO_REFERRER)
    response = RedirectResponse("/desk", status_code=303)
    set_session_cookie(response, session.token, secure=web.config.secure_cookies)
    response.delete_cookie(PRE_COOKIE, path="/")
    return response


async def sign_out_now(request: Request) -> Response:
    web = state(request)
    found = await current_staff(request)
    if found is not None and not await csrf_ok(request, found.csrf_token):
        return web.pages.render(request, "desk/forbidden.html", {"stale": True}, status=403)
    async with web.services.uow() as uow:
        await sign_out(uow, web.services, request.cookies.get(SESSION_COOKIE, ""))
        await uow.commit()
    response = RedirectResponse("/", status_code=303)
    clear_session_cookie(response, secure=web.config.secure_cookies)
    return response


ROUTES = [
    Route("/sign-in", sign_in_page),
    Route("/sign-in", sign_in_with_link, methods=["POST"]),
    Route("/sign-in/{token}", confirm_page),
    Route("/sign-out", sign_out_now, methods=["POST"]),
]
