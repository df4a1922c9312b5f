"""Whether the service can work: the database answers."""

from __future__ import annotations

import logging

from handlers.services import Services

log = logging.getLogger(__name__)


async def database_answers(services: Services) -> bool:
    try:
        async with services.reading() as uow:
            await uow.reports.ping()
    except Exception as error:  # any failure to reach the database is "not healthy", never a crash
        log.warning(
            "health check: the database does not answer: %s", str(error).splitlines()[0] if str(error) else error
        )
        return False
    return True
