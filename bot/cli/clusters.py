"""``cocrea clusters``: near-duplicate groups of published proposals, for staff consolidating them."""

from __future__ import annotations

import argparse
import sys
from gettext import ngettext

from bot.app import App
from bot.cli.errors import CliError
from bot.cli.reports import filters_from, output_file
from handlers.actors import operator
from handlers.consolidation.clusters import check_threshold, near_duplicates, write_clusters
from handlers.staff.requests import check_lang
from handlers.workshops.workshops import check_workshops


async def clusters_command(app: App, args: argparse.Namespace) -> int:
    if args.format == "xlsx" and args.output is None and sys.stdout.isatty():
        raise CliError("an Excel file is binary: give it a file with --output PATH.xlsx")
    if args.threshold is not None:
        check_threshold(args.threshold)
    filters = filters_from(app, args)
    lang = check_lang(app.consultation, app.catalogs, args.lang)
    async with app.uow.reading() as uow:
        await check_workshops(uow, app.services, filters)
    with output_file(args.output) as out:  # opened first: an output that cannot be written is refused at once
        groups = await near_duplicates(
            app.services,
            operator(),
            filters,
            threshold=args.threshold,
            lang=lang,
            via="cli",
            target=str(args.output or "stdout"),
        )
        count = await write_clusters(groups, args.format, out, app.services.translator(lang))
    grouped = sum(len(group.members) for group in groups if not group.alone)
    together = sum(not group.alone for group in groups)
    where = f" to {args.output}" if args.output else ""
    print(
        f"cocrea: {count} {ngettext('proposal', 'proposals', count)}{where}: "
        f"{grouped} in {together} {ngettext('group', 'groups', together)}, {count - grouped} alone",
        file=sys.stderr,
    )
    return 0
