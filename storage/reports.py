"""Reads for staff, each on a read-only connection of its own, streamed: exports, statistics, history.

Handed to use cases by the unit of work (``uow.reports``), so that they never hold a database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence

from sqlalchemy import text

from storage.database import READ_ONLY, Database
from storage.export import (
    EVERYTHING,
    ExportFilter,
    Label,
    Row,
    count_proposals,
    proposal_page,
    proposal_rows,
    public_row,
    public_rows,
)
from storage.export_cells import Cells, proposal_cells, proposal_csv, proposal_json
from storage.export_decidim import DecidimOptions, decidim_lines
from storage.export_history import history_rows
from storage.stats import Stats, proposal_stats


class Reports:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def count(self, filters: ExportFilter = EVERYTHING) -> int:
        return await count_proposals(self._database, filters)

    def proposals(self, label: Label, filters: ExportFilter, timezone: str) -> AsyncIterator[Row]:
        return proposal_rows(self._database, label, filters, timezone)

    def public(self, label: Label, filters: ExportFilter, timezone: str) -> AsyncIterator[Row]:
        return public_rows(self._database, label, filters, timezone)

    def cells(
        self,
        label: Label,
        filters: ExportFilter,
        timezone: str,
        columns: Sequence[str],
        statuses: Mapping[str, str] | None = None,
    ) -> AsyncIterator[list[Cells]]:
        """The rows of a file as cells computed by the database, in batches (``storage.export_cells``)."""
        return proposal_cells(self._database, label, filters, timezone, columns, statuses=statuses)

    def csv_lines(
        self, label: Label, filters: ExportFilter, timezone: str, columns: Sequence[str], delimiter: str
    ) -> AsyncIterator[list[bytes]]:
        """The rows of a CSV file as lines written by the database, in batches (``storage.export_cells``)."""
        return proposal_csv(self._database, label, filters, timezone, columns, delimiter)

    def json_lines(
        self, label: Label, filters: ExportFilter, timezone: str, columns: Sequence[str]
    ) -> AsyncIterator[list[bytes]]:
        """The rows of a JSON file as objects written by the database, in batches (``storage.export_cells``)."""
        return proposal_json(self._database, label, filters, timezone, columns)

    def decidim_lines(self, label: Label, filters: ExportFilter, options: DecidimOptions) -> AsyncIterator[list[bytes]]:
        """The rows of Decidim's import file as lines, mostly written by the database, in batches."""
        return decidim_lines(self._database, label, filters, options)

    async def page(
        self,
        label: Label,
        filters: ExportFilter,
        timezone: str,
        *,
        offset: int,
        limit: int,
        newest_first: bool = True,
    ) -> list[Row]:
        """One page of staff rows."""
        return await proposal_page(
            self._database, label, filters, timezone, offset=offset, limit=limit, newest_first=newest_first
        )

    async def public_page(
        self, label: Label, filters: ExportFilter, timezone: str, *, offset: int, limit: int
    ) -> list[Row]:
        """One page of public rows (days, not times, with their commitments), newest first; the caller keeps
        the public columns."""
        rows = await proposal_page(
            self._database, label, filters, timezone, offset=offset, limit=limit, commitments=True
        )
        return [public_row(row) for row in rows]

    async def ping(self) -> None:
        """Raises when the database does not answer."""
        async with self._database.engine.connect() as conn:
            conn = await conn.execution_options(**READ_ONLY)
            await conn.execute(text("SELECT 1"))

    async def stats(self, filters: ExportFilter, timezone: str) -> Stats:
        return await proposal_stats(self._database, filters, timezone)

    def history(self, timezone: str) -> AsyncIterator[dict[str, str]]:
        return history_rows(self._database, timezone)
