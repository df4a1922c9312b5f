"""Statistics on the desk: the same use case and chart as ``cocrea stats`` and the bot's /stats."""

from __future__ import annotations

import asyncio
import base64
import io

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from config.consultation import Consultation
from handlers.choices import SECTORS, STATUSES
from handlers.i18n import language_name
from handlers.staff.charts import write_chart
from handlers.staff.permissions import READ
from handlers.staff.proposals import of_consultation
from handlers.staff.requests import RequestError
from handlers.staff.statistics import statistics
from storage.export import EVERYTHING
from web import charts
from web.desk.common import VIA, signed
from web.forms import STAFF_FILTERS, chosen, filter_query, read_filters
from web.security import requires
from web.state import state


@requires(READ)
async def stats_page(request: Request) -> Response:
    web = state(request)
    services = web.services
    tr = web.pages.translator(request)
    problem = ""
    try:
        filters = read_filters(services, request.query_params, STAFF_FILTERS)
    except RequestError as error:
        problem, filters = error.render(tr), EVERYTHING
    async with services.uow() as uow:
        counts = await statistics(
            uow, services, signed(request).actor, of_consultation(services, filters), tr.language, via=VIA
        )
        await uow.commit()
    chart = ""
    if counts.total:
        png = io.BytesIO()
        await asyncio.to_thread(write_chart, counts, services.consultation, tr, png)
        chart = "data:image/png;base64," + base64.b64encode(png.getvalue()).decode("ascii")
    consultation = services.consultation
    not_given = tr._("Not given")
    zone = {z: _zone_label(consultation, z, tr.language, not_given) for z in counts.by_zone}
    return web.pages.render(
        request,
        "desk/stats.html",
        {
            "stats": counts,
            "chart": chart,
            "problem": problem,
            "chosen": chosen(request.query_params, STAFF_FILTERS),
            "query": filter_query(request.query_params, STAFF_FILTERS),
            "heat": charts.heat_map(counts, consultation, tr.language),
            "daily": charts.daily(counts),
            "answered": charts.answered(counts),
            "by_zone": sorted(((zone[z], n) for z, n in counts.by_zone.items()), key=lambda item: -item[1]),
            "by_sector": sorted(
                ((tr._(SECTORS.get(s, s)) if s else not_given, n) for s, n in counts.by_sector.items()),
                key=lambda item: -item[1],
            ),
            "by_language": sorted(((language_name(k), n) for k, n in counts.by_language.items()), key=lambda i: -i[1]),
            "by_status": [(tr._(label), counts.by_status.get(s, 0)) for s, label in STATUSES.items()],
            "statuses": STATUSES,
        },
        status=400 if problem else 200,
    )


def _zone_label(consultation: Consultation, zone_id: str | None, lang: str, not_given: str) -> str:
    option = consultation.zone(zone_id) if zone_id else None
    return option.label(lang) if option else (zone_id or not_given)


ROUTES = [Route("/desk/stats", stats_page)]
