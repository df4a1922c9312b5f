"""Suggested groups on the desk: ``cocrea clusters`` as a page where staff confirm or split a group.

The page shows the near-duplicate groups of the proposals its filters select (by default those not yet
merged into a commitment), largest first. A moderator confirms a group by drafting a commitment from it,
or by adding it to an existing commitment — the same actions as on the list of proposals, so the same use
cases, audit and notices. Splitting a group is unticking the proposals that do not belong: they are left
out of the commitment and stay free for another one. Reading the groups is recorded in the audit log, as
``cocrea clusters`` is."""

from __future__ import annotations

from dataclasses import replace

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from handlers.choices import STATUSES
from handlers.consolidation.clusters import check_threshold, near_duplicates
from handlers.consolidation.commitment_titles import commitment_choices
from handlers.i18n import N_
from handlers.staff.permissions import MODERATE, READ, allowed
from handlers.staff.requests import RequestError
from storage.export import EVERYTHING
from web.desk.common import VIA, signed
from web.forms import STAFF_FILTERS, chosen, read_filters
from web.security import requires
from web.state import state

MAX_GROUPS = 50
"""Groups shown on one page, the largest; narrower filters show the others."""
NOT_MERGED = tuple(status for status in STATUSES if status != "merged")
"""The statuses looked at when the page's filters name none: what is still to be consolidated."""


@requires(READ)
async def page(request: Request) -> Response:
    web = state(request)
    services = web.services
    tr = web.pages.translator(request)
    query = request.query_params
    problem = ""
    try:
        filters = read_filters(services, query, STAFF_FILTERS)
        threshold = _threshold(query)
    except RequestError as error:
        problem, filters, threshold = error.render(tr), EVERYTHING, None
    filters = replace(filters, consultation=services.consultation.slug, statuses=filters.statuses or NOT_MERGED)
    member = signed(request).member
    groups = (
        []
        if problem  # a mistake in the filters is shown, not answered with the groups of something else
        else await near_duplicates(
            services, signed(request).actor, filters, threshold=threshold, lang=tr.language, via=VIA, target="desk"
        )
    )
    together = [group for group in groups if not group.alone]
    may_moderate = allowed(member.role, MODERATE)
    async with services.reading() as uow:
        choices = await commitment_choices(uow, services) if may_moderate else []
    context = {
        "groups": together[:MAX_GROUPS],
        "more": len(together) - MAX_GROUPS,
        "alone": len(groups) - len(together),
        "total": len(together),
        "threshold": query.get("threshold", ""),
        "problem": problem,
        "chosen": chosen(query, STAFF_FILTERS),
        "statuses": STATUSES,
        "may_moderate": may_moderate,
        "commitments": choices,
    }
    return web.pages.render(request, "desk/clusters.html", context, status=400 if problem else 200)


def _threshold(query: QueryParams) -> float | None:
    raw = query.get("threshold", "").strip().replace(",", ".")
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise RequestError(N_("The threshold must be a number between 0 and 1, such as 0.6.")) from None
    return check_threshold(value)


ROUTES = [Route("/desk/clusters", page)]
