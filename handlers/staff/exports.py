"""Exports of proposals, one use case for the command line, the bot and the web desk: the file
is streamed from a read-only connection and the export is written to the audit log."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from typing import IO, Any

from handlers.actors import Actor
from handlers.choices import STATUSES
from handlers.i18n import Translator
from handlers.services import Services
from handlers.staff.columns import public_columns, staff_columns, titles
from handlers.staff.labels import decidim_headings, labeler
from handlers.staff.requests import ExportRequest
from storage.export import EXCEL_MAX_ROWS, Row, write_csv
from storage.export_decidim import DecidimOptions, write_decidim
from storage.export_json import write_json, write_jsonl
from storage.uow import UnitOfWork

PROGRESS_EVERY = 1000
PAUSE_EVERY = 50

Progress = Callable[[int], None]
Pause = Callable[[], Awaitable[None]]


async def export_proposals(
    uow: UnitOfWork,
    services: Services,
    actor: Actor,
    request: ExportRequest,
    out: IO[bytes],
    *,
    via: str,
    target: str,
    progress: Progress | None = None,
    **detail: Any,
) -> int:
    """Write the export ``request`` asks for into ``out`` and record it in the audit log (committed by
    the caller); returns the number of proposals."""
    count = await write_export(uow, services, request, out, progress=progress)
    await record_export(uow, actor, request, count, via=via, target=target, **detail)
    return count


async def record_export(
    uow: UnitOfWork, actor: Actor, request: ExportRequest, count: int, *, via: str, target: str, **detail: Any
) -> None:
    """The audit entry of an export. The web streams with a reading unit of work, then records it."""
    await uow.audit.record(str(actor), "export", target[-64:], via=via, rows=count, **detail, **request.describe())


async def write_export(
    uow: UnitOfWork,
    services: Services,
    request: ExportRequest,
    out: IO[bytes],
    *,
    progress: Progress | None = None,
    max_sheet_rows: int = EXCEL_MAX_ROWS,
    pause: Pause | None = None,
) -> int:
    """Stream the proposals ``request`` asks for into ``out`` (a binary file); returns the number of rows.
    ``pause`` is awaited every ``PAUSE_EVERY`` rows: a reader that falls behind (a slow browser) makes
    the export wait instead of piling up in memory."""
    consultation, catalogs = services.consultation, services.catalogs
    label = labeler(consultation, catalogs, request.lang)
    public = request.public and request.format != "decidim"
    published = request.public or request.format == "decidim"  # hidden proposals are never made public
    filters = replace(request.filters, published_only=True) if published else request.filters
    read = uow.reports.public if public else uow.reports.proposals
    rows = read(label, filters, consultation.timezone)
    if progress is not None:
        rows = _counted(rows, progress)
    if pause is not None:
        rows = _paused(rows, pause)
    columns = public_columns(services.steps) if public else staff_columns(services.steps)
    if request.format == "xlsx":
        from storage.export_xlsx import write_xlsx  # openpyxl loads only for a spreadsheet, not at every start

        tr = services.translator(request.lang)
        return await write_xlsx(
            _status_labels(rows, tr), out, columns=columns, headers=titles(tr), max_rows=max_sheet_rows
        )
    text = io.TextIOWrapper(out, encoding="utf-8-sig" if request.format == "csv" else "utf-8", newline="")
    try:
        if request.format == "csv":
            return await write_csv(rows, text, columns=columns, delimiter=";" if request.excel else ",")
        if request.format == "json":
            return await write_json(rows, text, columns=columns)
        if request.format == "jsonl":
            return await write_jsonl(rows, text, columns=columns)
        options = DecidimOptions(request.lang, decidim_headings(catalogs.get(request.lang)), request.categories)
        return await write_decidim(rows, text, options)
    finally:
        text.flush()
        text.detach()


async def _status_labels(rows: AsyncIterator[Row], tr: Translator) -> AsyncIterator[Row]:
    """Excel is read by people: the status as a word in their language, not its id."""
    labels = {status: tr._(label) for status, label in STATUSES.items()}
    async for row in rows:
        status = row.get("status")
        yield {**row, "status": labels.get(str(status), status)} if status is not None else row


async def _counted(rows: AsyncIterator[Row], progress: Progress) -> AsyncIterator[Row]:
    count = 0
    async for row in rows:
        yield row
        count += 1
        if count % PROGRESS_EVERY == 0:
            progress(count)
    progress(count)


async def _paused(rows: AsyncIterator[Row], pause: Pause) -> AsyncIterator[Row]:
    count = 0
    async for row in rows:
        yield row
        count += 1
        if count % PAUSE_EVERY == 0:
            await pause()
