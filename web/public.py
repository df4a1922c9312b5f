"""The public site: the consultation, its numbers, every published proposal, the commitments of the
action plan they became, and the open data. No sign-in, and nothing about a person: rows come anonymised
from the public export's path, commitments through ``handlers.public.commitments``."""

from __future__ import annotations

import re
from datetime import UTC

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from handlers.choices import STATUSES
from handlers.consolidation.commitment_template import OGP_VALUES
from handlers.consolidation.commitment_titles import titled
from handlers.health import database_answers
from handlers.public.commitments import public_commitment, public_commitments
from handlers.public.open_data import MEDIA_TYPES, open_data_name, open_data_request, write_open_data
from handlers.public.proposals import published_page, published_proposal, tracking_code
from handlers.staff.requests import RequestError
from storage.export import EVERYTHING
from web import charts
from web.forms import PUBLIC_FILTERS, chosen, filter_query, page_number, read_filters
from web.state import state
from web.streaming import Pipe, as_binary, stream

_COMMITMENT_CODE = re.compile(r"^[A-Z]{2,6}-C\d{1,9}$")


async def home(request: Request) -> Response:
    web = state(request)
    tr = web.pages.translator(request)
    numbers = await web.numbers.get()
    consultation = web.services.consultation
    now = web.services.clock()
    return web.pages.render(
        request,
        "home.html",
        {
            "is_open": consultation.is_open(now),
            "has_opened": consultation.has_opened(now),
            "opens": consultation.opens,
            "closes": consultation.closes,
            "axes": consultation.axes,
            "pillars": consultation.pillars,
            "channels": web.config.channels,
            "total": numbers.total,
            "bars": charts.axis_bars(numbers, consultation, tr.language),
            "heat": charts.heat_map(numbers, consultation, tr.language),
            "daily": charts.daily(numbers),
            "answered": charts.answered(numbers),
        },
    )


async def proposals(request: Request) -> Response:
    web = state(request)
    tr = web.pages.translator(request)
    problem = ""
    try:
        filters = read_filters(web.services, request.query_params, PUBLIC_FILTERS)
    except RequestError as error:
        problem, filters = error.render(tr), EVERYTHING
    async with web.services.reading() as uow:
        page = await published_page(uow, web.services, filters, page_number(request.query_params), tr.language)
    return web.pages.render(
        request,
        "proposals.html",
        {
            "page": page,
            "problem": problem,
            "chosen": chosen(request.query_params, PUBLIC_FILTERS),
            "query": filter_query(request.query_params, PUBLIC_FILTERS),
            "statuses": STATUSES,
        },
        status=400 if problem else 200,
    )


async def proposal(request: Request) -> Response:
    web = state(request)
    tr = web.pages.translator(request)
    code = tracking_code(request.path_params["code"])
    if code is not None and code != request.path_params["code"]:
        return RedirectResponse(f"/proposals/{code}", status_code=301)
    found, part_of = None, []
    if code is not None:
        async with web.services.reading() as uow:
            found = await published_proposal(uow, web.services, code, tr.language)
            if found is not None:
                part_of = await titled(uow, str(found.row.get("commitment") or "").split())
    if found is None:
        return web.pages.render(request, "not_found.html", {"code": request.path_params["code"][:40]}, status=404)
    texts = [(step.field, found.row.get(step.field)) for step in web.services.steps.texts(web.services.consultation)]
    context = {"proposal": found.row, "texts": texts, "history": found.history, "part_of": part_of}
    return web.pages.render(request, "proposal.html", context)


async def commitments(request: Request) -> Response:
    """Every commitment of the action plan: what the proposals became, and how it is going."""
    web = state(request)
    async with web.services.reading() as uow:
        found = await public_commitments(uow, web.services, page_number(request.query_params))
    return web.pages.render(request, "commitments.html", {"page": found, "ogp_values": OGP_VALUES})


async def commitment(request: Request) -> Response:
    web = state(request)
    typed = request.path_params["code"]
    code = typed.strip().upper()
    if _COMMITMENT_CODE.match(code) and code != typed:
        return RedirectResponse(f"/commitments/{code}", status_code=301)
    found = None
    if _COMMITMENT_CODE.match(code):
        async with web.services.reading() as uow:
            found = await public_commitment(uow, web.services, code)
    if found is None:
        return web.pages.render(request, "not_found.html", {"code": ""}, status=404)
    return web.pages.render(request, "commitment.html", {"c": found, "ogp_values": OGP_VALUES})


async def track(request: Request) -> Response:
    """The tracking-code box: a citizen types their code and lands on its page."""
    typed = request.query_params.get("code", "")
    code = tracking_code(typed)
    if code is None:
        web = state(request)
        return web.pages.render(request, "not_found.html", {"code": typed[:40], "typed": True}, status=404)
    return RedirectResponse(f"/proposals/{code}", status_code=303)


async def open_data(request: Request) -> Response:
    web = state(request)
    services = web.services
    format = request.path_params["format"]
    if format not in MEDIA_TYPES:
        return web.pages.render(request, "not_found.html", {"code": ""}, status=404)
    try:
        filters = read_filters(services, request.query_params, PUBLIC_FILTERS)
    except RequestError as error:
        return Response(error.render(web.pages.translator(request)), status_code=400, media_type="text/plain")
    lang = request.query_params.get("lang", "")
    lang = lang if lang in services.catalogs.languages else services.catalogs.default
    export = open_data_request(services, format, filters, lang)
    generated = services.clock()

    async def write(pipe: Pipe) -> int:
        async with services.reading() as uow:
            return await write_open_data(uow, services, export, as_binary(pipe), pause=pipe.drained)

    name = open_data_name(services, export, generated)
    headers = {
        "Content-Disposition": f'attachment; filename="{name}"',
        "Last-Modified": generated.astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S GMT"),
        "X-Generated-At": generated.astimezone(UTC).isoformat(timespec="seconds"),
        "Cache-Control": "public, max-age=60",
    }
    return StreamingResponse(stream(write), media_type=MEDIA_TYPES[format], headers=headers)


async def healthz(request: Request) -> Response:
    ok = await database_answers(state(request).services)
    return Response("ok\n" if ok else "the database does not answer\n", status_code=200 if ok else 503)


ROUTES = [
    Route("/", home),
    Route("/proposals", proposals),
    Route("/proposals/{code}", proposal),
    Route("/commitments", commitments),
    Route("/commitments/{code}", commitment),
    Route("/track", track),
    Route("/public/proposals.{format}", open_data),
    Route("/healthz", healthz),
]
