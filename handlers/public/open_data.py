"""The open-data files of the public repository: ``cocrea export --public`` in CSV or JSON, streamed.

No audit entry: anyone may download them, and nothing in them is about a person."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import IO
from zoneinfo import ZoneInfo

from handlers.services import Services
from handlers.staff.exports import Pause, write_export
from handlers.staff.requests import ExportRequest
from storage.export import ExportFilter
from storage.uow import UnitOfWork

OPEN_DATA_FORMATS = ("csv", "json")
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


def open_data_request(services: Services, format: str, filters: ExportFilter, lang: str) -> ExportRequest:
    """The public export of the configured consultation in ``format`` (csv or json)."""
    if format not in OPEN_DATA_FORMATS:
        raise ValueError(format)
    filters = replace(filters, consultation=services.consultation.slug)
    return ExportRequest(format=format, filters=filters, lang=lang, public=True)


def open_data_name(services: Services, request: ExportRequest, generated: datetime) -> str:
    """The file's name carries the date and time it was generated (in the consultation's time zone)."""
    local = generated.astimezone(ZoneInfo(services.consultation.timezone))
    return request.file_name(services.consultation.slug, local)


async def write_open_data(
    uow: UnitOfWork, services: Services, request: ExportRequest, out: IO[bytes], *, pause: Pause | None = None
) -> int:
    """Stream the public export into ``out``; hidden proposals and personal fields never get there."""
    if not request.public or request.format not in OPEN_DATA_FORMATS:
        raise ValueError("open data is the public export, in CSV or JSON")
    return await write_export(uow, services, request, out, pause=pause)
