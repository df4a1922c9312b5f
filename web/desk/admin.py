"""For admins: the audit log, and who is on the staff with which role."""

from __future__ import annotations

import json

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from handlers.staff.members import add_staff, list_staff, remove_staff
from handlers.staff.permissions import MANAGE
from handlers.staff.requests import RequestError
from storage.roles import ROLES
from web.desk.common import VIA, notice, signed
from web.forms import text_field
from web.security import requires
from web.state import state

AUDIT_PAGE = 100
CHANNEL = "telegram"


@requires(MANAGE)
async def audit(request: Request) -> Response:
    web = state(request)
    raw = request.query_params.get("before", "")
    before = int(raw) if raw.isdigit() and len(raw) < 12 else None
    async with web.services.reading() as uow:
        entries = await uow.audit.latest(AUDIT_PAGE, before=before)
    rows = [(entry, json.dumps(entry.detail, ensure_ascii=False, sort_keys=True)) for entry in entries]
    older = entries[-1].id if len(entries) == AUDIT_PAGE else None
    return web.pages.render(request, "desk/audit.html", {"rows": rows, "older": older})


@requires(MANAGE)
async def staff(request: Request) -> Response:
    return await staff_page(request)


async def staff_page(request: Request, *, error: str = "", status: int = 200) -> Response:
    web = state(request)
    async with web.services.reading() as uow:
        members = await list_staff(uow)
    context = {"members": members, "roles": ROLES, "notice": notice(request), "error": error, "me": signed(request)}
    return web.pages.render(request, "desk/staff.html", context, status=status)


@requires(MANAGE)
async def save(request: Request) -> Response:
    web = state(request)
    tr = web.pages.translator(request)
    form = await request.form()
    error = ""
    async with web.services.uow() as uow:
        try:
            await add_staff(
                uow,
                signed(request).actor,
                _channel(form),
                text_field(form, "user_id").strip(),
                text_field(form, "role"),
                via=VIA,
            )
            await uow.commit()
        except RequestError as refused:
            error = refused.render(tr)
    if error:
        return await staff_page(request, error=error, status=422)
    return RedirectResponse("/desk/staff?done=staff_added", status_code=303)


@requires(MANAGE)
async def remove(request: Request) -> Response:
    web = state(request)
    tr = web.pages.translator(request)
    form = await request.form()
    error = ""
    async with web.services.uow() as uow:
        try:
            await remove_staff(uow, signed(request).actor, _channel(form), text_field(form, "user_id").strip(), via=VIA)
            await uow.commit()
        except RequestError as refused:
            error = refused.render(tr)
    if error:
        return await staff_page(request, error=error, status=422)
    return RedirectResponse("/desk/staff?done=staff_removed", status_code=303)


def _channel(form: FormData) -> str:
    return text_field(form, "channel") or CHANNEL


ROUTES = [
    Route("/desk/audit", audit),
    Route("/desk/staff", staff),
    Route("/desk/staff", save, methods=["POST"]),
    Route("/desk/staff/remove", remove, methods=["POST"]),
]
