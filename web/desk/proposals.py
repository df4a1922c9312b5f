"""The proposals on the desk: the table with the export's filters and downloads, the queue of new
proposals, one proposal's file with the moderators' actions, and its photos."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from handlers.choices import STATUSES
from handlers.consolidation.commitment_titles import commitment_choices, commitments_of_proposal
from handlers.moderation.actions import Refused, Unreachable, ask_author, set_hidden, staff_message
from handlers.moderation.statuses import NEEDS_ANSWER, Change, StatusRefused, change_status
from handlers.outbox import post
from handlers.staff.exports import record_export, write_export
from handlers.staff.formats import FORMATS
from handlers.staff.labels import labeler
from handlers.staff.permissions import MODERATE, READ, allowed
from handlers.staff.proposals import find_proposal, proposal_file, proposal_table, review_queue
from handlers.staff.requests import ExportRequest, RequestError, check_format, check_lang
from storage.export import EVERYTHING
from web.desk.common import VIA, notice, signed
from web.forms import STAFF_FILTERS, chosen, filter_query, page_number, read_filters, text_field
from web.security import requires
from web.state import state
from web.streaming import Pipe, as_binary, stream

MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "decidim": "text/csv; charset=utf-8",
    "json": "application/json",
    "jsonl": "application/x-ndjson",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
MAX_PHOTO_BYTES = 10 * 1024 * 1024


@requires(READ)
async def table(request: Request) -> Response:
    web = state(request)
    tr = web.pages.translator(request)
    problem = ""
    try:
        filters = read_filters(web.services, request.query_params, STAFF_FILTERS)
    except RequestError as error:
        problem, filters = error.render(tr), EVERYTHING
    may_moderate = allowed(signed(request).member.role, MODERATE)
    async with web.services.reading() as uow:
        page = await proposal_table(uow, web.services, filters, page_number(request.query_params), tr.language)
        choices = await commitment_choices(uow, web.services) if may_moderate else []
    return web.pages.render(
        request,
        "desk/proposals.html",
        {
            "page": page,
            "problem": problem,
            "chosen": chosen(request.query_params, STAFF_FILTERS),
            "query": filter_query(request.query_params, STAFF_FILTERS),
            "statuses": STATUSES,
            "formats": FORMATS,
            "may_moderate": may_moderate,
            "commitments": choices,
        },
        status=400 if problem else 200,
    )


@requires(READ)
async def queue(request: Request) -> Response:
    web = state(request)
    tr = web.pages.translator(request)
    async with web.services.reading() as uow:
        page = await review_queue(uow, web.services, page_number(request.query_params), tr.language)
    return web.pages.render(request, "desk/queue.html", {"page": page})


@requires(READ)
async def export(request: Request) -> Response:
    """A download in any export format, streamed, recorded in the audit log like the CLI's."""
    web = state(request)
    services = web.services
    tr = web.pages.translator(request)
    query = request.query_params
    try:
        wanted = ExportRequest(
            format=check_format(query.get("format", "csv")),
            filters=read_filters(services, query, STAFF_FILTERS),
            lang=check_lang(services.consultation, services.catalogs, query.get("export_lang", tr.language)),
            public=query.get("public") == "on",
            excel=query.get("excel") == "on",
        )
    except RequestError as error:
        return web.pages.render(request, "desk/problem.html", {"problem": error.render(tr)}, status=400)
    wanted = replace(wanted, filters=replace(wanted.filters, consultation=services.consultation.slug))
    actor = signed(request).actor
    name = wanted.file_name(
        services.consultation.slug, services.clock().astimezone(ZoneInfo(services.consultation.timezone))
    )

    async def write(pipe: Pipe) -> int:
        async with services.reading() as uow:
            return await write_export(uow, services, wanted, as_binary(pipe), pause=pipe.drained)

    async def record(count: int, complete: bool) -> None:
        async with services.uow() as uow:
            extra = {} if complete else {"complete": False}
            await record_export(uow, actor, wanted, count, via=VIA, target=name, **extra)
            await uow.commit()

    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    return StreamingResponse(stream(write, record), media_type=MEDIA_TYPES[wanted.format], headers=headers)


@requires(READ)
async def proposal(request: Request) -> Response:
    return await proposal_page(request)


async def proposal_page(
    request: Request, *, error: str = "", typed: Mapping[str, str] | None = None, status: int = 200
) -> Response:
    web = state(request)
    services = web.services
    tr = web.pages.translator(request)
    member = signed(request)
    async with services.uow() as uow:
        found = await proposal_file(uow, services, member.actor, request.path_params["code"], via=VIA)
        part_of = await commitments_of_proposal(uow, found.proposal) if found is not None else []
        choices = await commitment_choices(uow, services)
        await uow.commit()
    if found is None:
        return web.pages.render(
            request, "desk/problem.html", {"problem": tr._("There is no such proposal.")}, status=404
        )
    label = labeler(services.consultation, services.catalogs, tr.language)
    p = found.proposal
    return web.pages.render(
        request,
        "desk/proposal.html",
        {
            "file": found,
            "origin": found.origin.line(tr) if found.origin is not None else "",
            "p": p,
            "texts": [
                (step.field, getattr(p, step.stored_as, None)) for step in services.steps.texts(services.consultation)
            ],
            "axis": label(p.consultation, "axis", p.axis_id or ""),
            "pillar": label(p.consultation, "pillar", p.pillar_id or ""),
            "zone": label(p.consultation, "zone", p.zone or ""),
            "sector": label(p.consultation, "sector", p.sector or ""),
            "age": label(p.consultation, "age", p.age_range or ""),
            "statuses": [s for s in STATUSES if s != "withdrawn"],
            "needs_answer": ", ".join(tr._(label) for status, label in STATUSES.items() if status in NEEDS_ANSWER),
            "may_moderate": allowed(member.member.role, MODERATE),
            "notice": notice(request),
            "error": error,
            "typed": typed or {},
            "photo_count": len(p.attachments or []),
            "photos_shown": p.channel in web.config.photos,
            "part_of": part_of,
            "commitments": [c for c in choices if c not in part_of],
        },
        status=status,
    )


@requires(MODERATE)
async def change(request: Request) -> Response:
    web = state(request)
    services = web.services
    tr = web.pages.translator(request)
    form = await request.form()
    status, answer = text_field(form, "status"), text_field(form, "answer")
    async with services.uow() as uow:
        found = await find_proposal(uow, request.path_params["code"])
        if found is None:
            return _no_such_proposal(request)
        try:
            notices = await change_status(uow, services, found, Change(status, answer, signed(request).actor, VIA))
            await post(uow, notices)
            await uow.commit()
            refusal = ""
        except StatusRefused as refused:
            refusal = tr._("The status was not changed: {reason}").format(reason=refused.explain(tr))
    if refusal:  # shown once the transaction is over: the page opens one of its own
        return await proposal_page(request, error=refusal, typed={"status": status, "answer": answer}, status=422)
    return _done(request, "status")


@requires(MODERATE)
async def ask(request: Request) -> Response:
    web = state(request)
    services = web.services
    tr = web.pages.translator(request)
    raw = text_field(await request.form(), "question")
    error, code = "", 422
    async with services.uow() as uow:
        found = await find_proposal(uow, request.path_params["code"])
        if found is None:
            return _no_such_proposal(request)
        try:
            message = await ask_author(uow, services, signed(request).actor, found, staff_message(raw, tr), via=VIA)
            await post(uow, [message])
            await uow.commit()
        except Refused as refused:
            error = str(refused)
        except Unreachable:
            error, code = tr._("The author of this proposal can no longer be reached."), 409
    if error:
        return await proposal_page(request, error=error, typed={"question": raw}, status=code)
    return _done(request, "asked")


@requires(MODERATE)
async def hide(request: Request) -> Response:
    web = state(request)
    tr = web.pages.translator(request)
    form = await request.form()
    hidden = text_field(form, "hidden") == "yes"
    async with web.services.uow() as uow:
        found = await find_proposal(uow, request.path_params["code"])
        if found is None:
            return web.pages.render(
                request, "desk/problem.html", {"problem": tr._("There is no such proposal.")}, status=404
            )
        await set_hidden(uow, signed(request).actor, found, hidden, via=VIA)
        await uow.commit()
    return _done(request, "hidden" if hidden else "shown")


def _no_such_proposal(request: Request) -> Response:
    web = state(request)
    problem = web.pages.translator(request)._("There is no such proposal.")
    return web.pages.render(request, "desk/problem.html", {"problem": problem}, status=404)


def _done(request: Request, what: str) -> Response:
    return RedirectResponse(f"/desk/proposals/{request.path_params['code']}?done={what}", status_code=303)


@requires(READ)
async def photo(request: Request) -> Response:
    web = state(request)
    number = request.path_params["number"]
    async with web.services.reading() as uow:
        found = await find_proposal(uow, request.path_params["code"])
    attachments = list(found.attachments or []) if found is not None else []
    source = web.config.photos.get(found.channel) if found is not None else None
    if source is None or not 0 < number <= len(attachments):
        return Response(status_code=404)
    content = await source.fetch(attachments[number - 1])
    if content is None or len(content) > MAX_PHOTO_BYTES:
        return Response(status_code=404)
    return Response(content, media_type=_image_type(content), headers={"Cache-Control": "private, max-age=3600"})


def _image_type(content: bytes) -> str:
    if content.startswith(b"\x89PNG"):
        return "image/png"
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    return "image/jpeg"


ROUTES = [
    Route("/desk/proposals", table),
    Route("/desk/proposals/export", export),
    Route("/desk/queue", queue),
    Route("/desk/proposals/{code}", proposal),
    Route("/desk/proposals/{code}/status", change, methods=["POST"]),
    Route("/desk/proposals/{code}/ask", ask, methods=["POST"]),
    Route("/desk/proposals/{code}/hide", hide, methods=["POST"]),
    Route("/desk/proposals/{code}/photos/{number:int}", photo),
]
