"""``cocrea export`` and ``cocrea stats``: proposals out of the database, for staff."""

from __future__ import annotations

import argparse
import contextlib
import getpass
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from bot.app import App
from bot.progress import ProgressBar, wanted
from handlers.charts import draw_chart
from handlers.exports import FORMATS, ExportRequest, RequestError, build_filter, check_lang, write_export
from handlers.stats_report import stats_text
from storage.export import ExportFilter, count_proposals
from storage.stats import proposal_stats


def add_filter_arguments(command: argparse.ArgumentParser) -> None:
    group = command.add_argument_group("filters (repeat a filter or give a comma-separated list for several values)")
    group.add_argument("--axis", action="append", default=[], metavar="ID", help="thematic axis id")
    group.add_argument("--pillar", action="append", default=[], metavar="ID", help="open-government pillar id")
    group.add_argument("--zone", action="append", default=[], metavar="ID", help="zone id")
    group.add_argument("--status", action="append", default=[], metavar="STATUS",
                       help="received, in_review, needs_info, accepted, merged, not_adopted, withdrawn")
    group.add_argument("--language", action="append", default=[], metavar="CODE",
                       help="language the proposal was written in")
    group.add_argument("--since", metavar="YYYY-MM-DD", help="submitted on or after this day")
    group.add_argument("--until", metavar="YYYY-MM-DD", help="submitted on or before this day")
    command.add_argument("--lang", default="es", help="language of the labels (default es)")


def add_export_parser(commands: argparse._SubParsersAction[Any]) -> None:
    export = commands.add_parser("export", help="export submitted proposals (staff)")
    export.add_argument("--format", default="csv", choices=FORMATS, help="file format (default csv)")
    export.add_argument("--output", type=Path, help="file to write (default: standard output)")
    export.add_argument("--excel", action="store_true", help="CSV with ';' as separator, as Excel in Spanish expects")
    export.add_argument("--public", action="store_true",
                        help="the anonymised public-repository export: no participant, no profile answers")
    export.add_argument("--decidim-category", action="append", default=[], metavar="AXIS=ID",
                        help="with --format decidim: the Decidim category id of one of our axes")
    add_filter_arguments(export)
    stats = commands.add_parser("stats", help="counts of proposals by axis × pillar, zone, sector, language, day")
    stats.add_argument("--chart", type=Path, metavar="PATH.png", help="also draw the heat map and daily intake")
    add_filter_arguments(stats)


def cli_actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"[:64]
    except (OSError, KeyError):
        return "cli"


def filters_from(app: App, args: argparse.Namespace) -> ExportFilter:
    return build_filter(app.consultation, axes=args.axis, pillars=args.pillar, zones=args.zone,
                        statuses=args.status, languages=args.language, since=args.since, until=args.until)


def export_request(app: App, args: argparse.Namespace) -> ExportRequest:
    return ExportRequest(
        format=args.format, filters=filters_from(app, args), lang=check_lang(app.consultation, app.catalogs, args.lang),
        public=args.public, excel=args.excel, categories=categories(app, args.decidim_category),
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
    total = await count_proposals(app.database, request.filters)
    bar = ProgressBar(total) if wanted(sys.stderr, args.output is None) else None
    with _output(args.output) as out:  # opened first: an output that cannot be written is not an export
        async with app.uow() as uow:
            await uow.audit.record(cli_actor(), "export", str(args.output or "stdout")[-64:], via="cli",
                                   rows=total, **request.describe())
            await uow.commit()
        count = await write_export(app.database, app.consultation, app.catalogs, request, out, progress=bar)
    if bar is not None:
        bar.close()
    where = f" to {args.output}" if args.output else ""
    print(f"cocrea: exported {count} proposals{where}", file=sys.stderr)
    return 0


@contextlib.contextmanager
def _output(path: Path | None) -> Iterator[IO[bytes]]:
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
        raise RequestError("cannot write {path}: {reason}", path=str(path), reason=error.strerror or str(error)) \
            from None
    finally:
        partial.unlink(missing_ok=True)


async def stats_command(app: App, args: argparse.Namespace) -> int:
    filters = filters_from(app, args)
    lang = check_lang(app.consultation, app.catalogs, args.lang)
    tr = app.catalogs.get(lang, app.consultation.timezone)
    stats = await proposal_stats(app.database, filters, app.consultation.timezone)
    async with app.uow() as uow:
        await uow.audit.record(cli_actor(), "stats", None, via="cli", lang=lang, filters=filters.describe(),
                               total=stats.total)
        await uow.commit()
    print(stats_text(stats, app.consultation, tr))
    if args.chart is not None:
        try:
            draw_chart(stats, app.consultation, tr, args.chart)
        except OSError as error:
            raise RequestError("cannot write {path}: {reason}", path=str(args.chart),
                               reason=error.strerror or str(error)) from None
        print(f"cocrea: chart written to {args.chart}", file=sys.stderr)
    return 0
