"""``cocrea workshops add|list|template|import|summary``: in-person workshops and their work tables."""

from __future__ import annotations

import argparse
import io
import sys

from bot.app import App
from bot.cli.errors import CliError
from bot.cli.reports import output_file
from handlers.actors import operator
from handlers.outbox import post
from handlers.staff.commands import may
from handlers.staff.members import check_user_id
from handlers.staff.requests import check_lang
from handlers.workshops.entry import EnteredBy
from handlers.workshops.importing import ImportReport, import_proposals
from handlers.workshops.origin import workshop_ref
from handlers.workshops.sheet import read_rows, sheet_columns
from handlers.workshops.steps import facilitator_steps
from handlers.workshops.summary import plenary, write_docx, write_markdown
from handlers.workshops.template import TemplateRequest, write_template
from handlers.workshops.workshops import NewWorkshop, add_workshop, find_workshop, list_workshops

MAX_TEMPLATE_ROWS = 5000


async def workshops_command(app: App, args: argparse.Namespace) -> int:
    action = args.workshops_command
    if action == "add":
        return await _add(app, args)
    if action == "list":
        return await _list(app)
    if action == "template":
        return await _template(app, args)
    if action == "import":
        return await _import(app, args)
    return await _summary(app, args)


async def _add(app: App, args: argparse.Namespace) -> int:
    axes = app.consultation.axes
    tables = args.tables
    table_axes: dict[int, str] = {}
    if args.one_table_per_axis:
        if tables is not None and tables != len(axes):
            raise CliError(f"--one-table-per-axis makes {len(axes)} tables; leave out --tables {tables}")
        tables = len(axes)
        table_axes = {number: axis.id for number, axis in enumerate(axes, start=1)}
    for pair in args.table_axis:
        number, sep, axis = pair.partition("=")
        if not sep or not number.strip().isdecimal():
            raise CliError(f"--table-axis expects N=AXIS (a table number and an axis id), got {pair!r}")
        table_axes[int(number)] = axis.strip()
    new = NewWorkshop(args.name, args.date, args.zone, 1 if tables is None else tables, args.place, table_axes)
    async with app.uow() as uow:
        workshop = await add_workshop(uow, app.services, operator(), new)
        await uow.commit()
    ref = workshop_ref(workshop.id)
    print(ref)
    print(f"cocrea: added workshop {ref} ({workshop.name}, {workshop.held_on}, {new.tables} tables)", file=sys.stderr)
    return 0


async def _list(app: App) -> int:
    async with app.uow() as uow:
        listed = await list_workshops(uow, app.services)
    if not listed:
        print("no workshops yet: cocrea workshops add --name NAME --date YYYY-MM-DD --zone ZONE --tables N")
    for item in listed:
        w = item.workshop
        print(
            f"{item.ref:<5} {w.held_on}  {(w.zone or '-'):<16} {item.tables:>3} tables {item.proposals:>5} proposals  "
            f"{w.name}" + (f" ({w.place})" if w.place else "")
        )
    return 0


async def _template(app: App, args: argparse.Namespace) -> int:
    if not 1 <= args.rows <= MAX_TEMPLATE_ROWS:
        raise CliError(f"--rows must be between 1 and {MAX_TEMPLATE_ROWS}")
    if args.output.suffix.lower() != ".xlsx":
        raise CliError(f"the template is an Excel workbook: name it FILE.xlsx, not {args.output.name}")
    lang = check_lang(app.consultation, app.catalogs, args.lang)
    request = TemplateRequest(lang=lang, rows=args.rows)
    if args.workshop:
        async with app.uow() as uow:
            workshop = await find_workshop(uow, app.services, args.workshop)
            tables = tuple(await uow.workshops.tables(workshop.id))
        request = TemplateRequest(lang=lang, rows=args.rows, workshop=workshop, tables=tables)
    steps = facilitator_steps(app.services.steps)
    with output_file(args.output) as out:
        write_template(out, steps, app.consultation, app.services.translator(lang), request)
    print(f"cocrea: template written to {args.output} ({args.rows} rows)", file=sys.stderr)
    return 0


async def _import(app: App, args: argparse.Namespace) -> int:
    services = app.services
    language = args.language or app.catalogs.default
    if language not in app.consultation.languages:
        raise CliError(
            f"unknown --language {language}; the consultation's languages: {', '.join(app.consultation.languages)}"
        )
    columns = sheet_columns(facilitator_steps(services.steps), app.consultation)
    rows = read_rows(args.file, columns, app.catalogs)
    async with app.uow() as uow:
        workshop = await find_workshop(uow, services, args.workshop)
        staff_id = None
        if args.facilitator:
            member = await uow.staff.find("telegram", check_user_id(args.facilitator))
            if member is None or not may(member, "taller"):
                raise CliError(f"{args.facilitator} is not a facilitator: cocrea staff add ID --role facilitator")
            staff_id = member.id
        by = EnteredBy(operator(), "spreadsheet", language, staff_id)
        report = await import_proposals(uow, services, workshop, rows, by, args.file.name)
        await post(uow, report.messages)
        await uow.commit()
    _print_report(report, workshop_ref(workshop.id))
    return 1 if report.rejected else 0


def _print_report(report: ImportReport, ref: str) -> None:
    print(
        f"{ref}: imported {len(report.imported)}; already imported {len(report.already)}; "
        f"rejected {len(report.rejected)}"
    )
    for row, code in report.imported:
        print(f"  row {row}: {code}")
    if report.messages:
        print(f"cards for the moderators: {len(report.messages)} (the running bot sends them from its outbox)")
    for rejection in report.rejected:
        print(f"  row {rejection.row} ({rejection.reference}): {rejection.reason}", file=sys.stderr)


async def _summary(app: App, args: argparse.Namespace) -> int:
    suffix = args.output.suffix.lower()
    if suffix not in (".docx", ".md"):
        raise CliError(f"the summary is written as FILE.docx or FILE.md, not {args.output.name}")
    lang = check_lang(app.consultation, app.catalogs, args.lang)
    tr = app.services.translator(lang)
    with output_file(args.output) as out:
        async with app.uow() as uow:
            workshop = await find_workshop(uow, app.services, args.workshop)
            summary = await plenary(uow, app.services, operator(), workshop, tr, target=str(args.output))
            if suffix == ".docx":
                write_docx(summary, tr, out)
            else:
                text = io.TextIOWrapper(out, encoding="utf-8", newline="\n")
                write_markdown(summary, tr, text)
                text.flush()
                text.detach()
            await uow.commit()
    print(f"cocrea: {summary.count} proposals of {summary.ref} written to {args.output}", file=sys.stderr)
    return 0
