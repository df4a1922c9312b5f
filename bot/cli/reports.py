"""``cocrea export`` and ``cocrea stats``: proposals out of the database, for staff."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator
from gettext import ngettext
from pathlib import Path
from typing import IO

from bot.app import App
from bot.cli.errors import CliError
from bot.progress import ProgressBar, wanted
from handlers.actors import operator
from handlers.staff.charts import draw_chart
from handlers.staff.exports import export_proposals
from handlers.staff.requests import ExportRequest, RequestError, build_filter, check_lang
from handlers.staff.statistics import statistics
from handlers.staff.stats_report import stats_text
from handlers.workshops.workshops import check_workshops
from storage.export import ExportFilter


def filters_from(app: App, args: argparse.Namespace) -> ExportFilter:
    return build_filter(
        app.consultation,
        axes=args.axis,
        pillars=args.pillar,
        zones=args.zone,
        statuses=args.status,
        languages=args.language,
        since=args.since,
        until=args.until,
        sources=args.source,
        workshops=args.workshop,
        scope=args.consultation,
    )


def check_options(args: argparse.Namespace) -> None:
    """Options that do not apply to the chosen format are refused, not silently ignored."""
    if args.excel and args.format != "csv":
        raise CliError(f"--excel only applies to --format csv (the format is {args.format})")
    if args.decidim_category and args.format != "decidim":
        raise CliError(f"--decidim-category only applies to --format decidim (the format is {args.format})")
    if args.format == "xlsx" and args.output is None and sys.stdout.isatty():
        raise CliError("an Excel file is binary: give it a file with --output PATH.xlsx")


def export_request(app: App, args: argparse.Namespace) -> ExportRequest:
    check_options(args)
    return ExportRequest(
        format=args.format,
        filters=filters_from(app, args),
        lang=check_lang(app.consultation, app.catalogs, args.lang),
        public=args.public,
        excel=args.excel,
        categories=categories(app, args.decidim_category),
    )


def categories(app: App, pairs: list[str]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for pair in pairs:
        axis, sep, category = pair.partition("=")
        if not sep or not category.strip().isdigit():
            raise RequestError("--decidim-category expects AXIS=ID with a numeric Decidim id, got {value}", value=pair)
        if app.consultation.axis(axis.strip()) is None:
            known = ", ".join(option.id for option in app.consultation.axes)
            raise RequestError("Unknown axis {value}. Axes: {known}.", value=axis, known=known)
        mapping[axis.strip()] = category.strip()
    return mapping


async def export_command(app: App, args: argparse.Namespace) -> int:
    request = export_request(app, args)
    with output_file(args.output) as out:  # opened first: an output that cannot be written is not an export
        async with app.uow() as uow:
            await check_workshops(uow, app.services, request.filters)
            total = await uow.reports.count(request.filters)
            bar = ProgressBar(total) if wanted(sys.stderr, args.output is None) else None
            count = await export_proposals(
                uow,
                app.services,
                operator(),
                request,
                out,
                via="cli",
                target=str(args.output or "stdout"),
                progress=bar,
            )
            await uow.commit()
    if bar is not None:
        bar.close()
    where = f" to {args.output}" if args.output else ""
    print(f"cocrea: exported {count} {ngettext('proposal', 'proposals', count)}{where}", file=sys.stderr)
    return 0


@contextlib.contextmanager
def output_file(path: Path | None) -> Iterator[IO[bytes]]:
    """Standard output, or a file that appears complete or not at all (written aside, then renamed)."""
    if path is None:
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    partial = path.with_name(path.name + ".part")
    try:
        with partial.open("wb") as handle:
            yield handle
        os.replace(partial, path)
    except OSError as error:
        raise RequestError(
            "cannot write {path}: {reason}", path=str(path), reason=error.strerror or str(error)
        ) from None
    finally:
        partial.unlink(missing_ok=True)


async def stats_command(app: App, args: argparse.Namespace) -> int:
    if args.chart is not None and args.chart.suffix.lower() != ".png":
        raise CliError(f"--chart draws a PNG image: name the file with .png, not {args.chart.name}")
    filters = filters_from(app, args)
    lang = check_lang(app.consultation, app.catalogs, args.lang)
    tr = app.services.translator(lang)
    async with app.uow() as uow:
        await check_workshops(uow, app.services, filters)
        stats = await statistics(uow, app.services, operator(), filters, lang, via="cli")
        await uow.commit()
    print(stats_text(stats, app.consultation, tr))
    if args.chart is not None:
        try:
            draw_chart(stats, app.consultation, tr, args.chart)
        except OSError as error:
            raise RequestError(
                "cannot write {path}: {reason}", path=str(args.chart), reason=error.strerror or str(error)
            ) from None
        print(f"cocrea: chart written to {args.chart}", file=sys.stderr)
    return 0
