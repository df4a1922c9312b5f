"""Exports of proposals, one use case for the command line, the bot and the web desk: the file
is streamed from a read-only connection and the export is written to the audit log."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from typing import IO, Any, TypeVar

from handlers.actors import Actor
from handlers.choices import STATUSES
from handlers.services import Services
from handlers.staff.columns import public_columns, staff_columns, titles
from handlers.staff.labels import decidim_headings, labeler
from handlers.staff.requests import ExportRequest
from storage.export import EXCEL_MAX_ROWS, write_csv_lines
from storage.export_decidim import DecidimOptions, write_decidim_lines
from storage.export_json import write_json_lines, write_jsonl_lines
from storage.uow import UnitOfWork

PROGRESS_EVERY = 1000
PAUSE_EVERY = 50

Progress = Callable[[int], None]
Pause = Callable[[], Awaitable[None]]
T = TypeVar("T")


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
    ``pause`` is awaited after every batch of rows: a reader that falls behind (a slow browser) makes the
    export wait instead of piling up in memory.

    CSV, JSON and Excel read their cells ready-made from the database (labels and local times in SQL; CSV
    and JSON read whole lines, quoted or escaped by the database: ``storage.export_cells``): a million rows
    stream without a dict per row."""
    consultation, catalogs = services.consultation, services.catalogs
    label = labeler(consultation, catalogs, request.lang)
    public = request.public and request.format != "decidim"
    published = request.public or request.format == "decidim"  # hidden proposals are never made public
    filters = replace(request.filters, published_only=True) if published else request.filters
    columns = public_columns(services.steps) if public else staff_columns(services.steps)
    if request.format == "decidim":
        options = DecidimOptions(request.lang, decidim_headings(catalogs.get(request.lang)), request.categories)
        lines = _watched(uow.reports.decidim_lines(label, filters, options), progress, pause)
        return await write_decidim_lines(lines, out, options)
    timezone = consultation.timezone
    if request.format == "csv":
        delimiter = ";" if request.excel else ","
        lines = _watched(uow.reports.csv_lines(label, filters, timezone, columns, delimiter), progress, pause)
        return await write_csv_lines(lines, out, columns=columns, delimiter=delimiter)
    if request.format in ("json", "jsonl"):
        objects = _watched(uow.reports.json_lines(label, filters, timezone, columns), progress, pause)
        return await (write_json_lines if request.format == "json" else write_jsonl_lines)(objects, out)
    tr = services.translator(request.lang)  # Excel is read by people: titles and statuses in their language
    statuses = {status: tr._(word) for status, word in STATUSES.items()}
    batches = _watched(uow.reports.cells(label, filters, timezone, columns, statuses), progress, pause)
    from storage.export_xlsx import write_xlsx_cells  # XlsxWriter loads only for a spreadsheet

    return await write_xlsx_cells(batches, out, columns=columns, headers=titles(tr), max_rows=max_sheet_rows)


def _watched(items: AsyncIterator[T], progress: Progress | None, pause: Pause | None) -> AsyncIterator[T]:
    """``items`` (rows or batches of rows) reported to ``progress`` and paused for a slow reader."""
    if progress is not None:
        items = _counted(items, progress)
    if pause is not None:
        items = _paused(items, pause)
    return items


async def _counted(items: AsyncIterator[T], progress: Progress) -> AsyncIterator[T]:
    """Report the rows written so far, every ``PROGRESS_EVERY`` rows or batch of rows, and at the end."""
    count = reported = 0
    async for item in items:
        yield item
        count += len(item) if isinstance(item, list) else 1
        if count - reported >= PROGRESS_EVERY:
            progress(count)
            reported = count
    progress(count)


async def _paused(items: AsyncIterator[T], pause: Pause) -> AsyncIterator[T]:
    """Wait for the reader after every ``PAUSE_EVERY`` rows (or after each batch of rows)."""
    count = 0
    async for item in items:
        yield item
        count += len(item) if isinstance(item, list) else 1
        if count >= PAUSE_EVERY:
            await pause()
            count = 0
