"""The staff desk: pages for signed-in staff, each guarded by the permission its role needs."""

from __future__ import annotations

from starlette.routing import BaseRoute

from web.desk import admin, answers, clusters, commitments, proposals, questions, stats


def routes() -> list[BaseRoute]:
    return [
        *proposals.ROUTES,
        *commitments.ROUTES,
        *clusters.ROUTES,
        *questions.ROUTES,
        *answers.ROUTES,
        *stats.ROUTES,
        *admin.ROUTES,
    ]
