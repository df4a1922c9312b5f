"""``cocrea commitments draft|add|list|show|undo|split|edit|milestone|progress|export``: consolidating
proposals into the action plan's commitments, and following them to implementation."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bot.app import App
from bot.cli.args.commitments import EDIT_FLAGS
from bot.cli.errors import CliError
from bot.cli.reports import output_file
from handlers.actors import operator
from handlers.choices import STATUSES
from handlers.consolidation.commitment_export import SUGGESTED, TITLES, milestone_line
from handlers.consolidation.commitment_template import ogp_value_labels
from handlers.consolidation.commitments import (
    FIELDS,
    CommitmentEdit,
    CommitmentView,
    Merged,
    add_milestone,
    draft,
    export_commitments,
    list_commitments,
    merge_into,
    record_progress,
    show_commitment,
    split,
    undo_merge,
    update_commitment,
)
from handlers.i18n import Translator
from handlers.staff.requests import check_lang

OUTBOX = "sent by the running bot from its outbox"


async def commitments_command(app: App, args: argparse.Namespace) -> int:
    action = args.commitments_command
    handlers = {
        "draft": _draft,
        "add": _add,
        "list": _list,
        "show": _show,
        "undo": _undo,
        "split": _split,
        "edit": _edit,
        "milestone": _milestone,
        "progress": _progress,
        "export": _export,
    }
    return await handlers[action](app, args)


def _told(count: int) -> str:
    if not count:
        return "nobody to tell"
    return f"{count} {'message' if count == 1 else 'messages'} for their people ({OUTBOX})"


def _merged(merged: Merged) -> str:
    codes = ", ".join(merged.merged)
    return f"{len(merged.merged)} {'proposal' if len(merged.merged) == 1 else 'proposals'} ({codes})"


async def _draft(app: App, args: argparse.Namespace) -> int:
    async with app.uow() as uow:
        result = await draft(uow, app.services, operator(), [args.codes], args.title, answer=args.answer, via="cli")
        await uow.commit()
    code = result.commitment.code
    print(code)
    if result.created:
        print(f"cocrea: drafted {code} from {_merged(result)}; {_told(result.told)}", file=sys.stderr)
    else:
        print(f"cocrea: {code} was already drafted from these proposals: nothing changed", file=sys.stderr)
    return 0


async def _add(app: App, args: argparse.Namespace) -> int:
    async with app.uow() as uow:
        result = await merge_into(uow, app.services, operator(), args.code, [args.codes], via="cli")
        await uow.commit()
    print(f"cocrea: merged {_merged(result)} into {result.commitment.code}; {_told(result.told)}", file=sys.stderr)
    return 0


async def _list(app: App, args: argparse.Namespace) -> int:
    async with app.uow.reading() as uow:
        views = await list_commitments(uow, app.services)
    if not views:
        print('no commitments yet: cocrea commitments draft --from UIO-0007,UIO-0031 --title "…"')
    for view in views:
        done = sum(1 for m in view.milestones if m.done_at is not None)
        print(
            f"{view.commitment.code:<9} {len(view.sources):>3} proposals {view.people:>5} people "
            f"{done}/{len(view.milestones)} milestones  {view.commitment.title}"
        )
    return 0


async def _show(app: App, args: argparse.Namespace) -> int:
    tr = app.services.translator(check_lang(app.consultation, app.catalogs, args.lang))
    async with app.uow.reading() as uow:
        view = await show_commitment(uow, app.services, args.code)
    print(show_text(view, tr))
    return 0


def show_text(view: CommitmentView, tr: Translator) -> str:
    c = view.commitment
    values: dict[str, str] = {
        "problem": c.problem,
        "status_quo": c.status_quo,
        "action": c.action,
        "contribution": c.contribution,
        "long_term_goal": c.long_term_goal,
        "ogp_values": ", ".join(ogp_value_labels(c.ogp_values, tr)),
        "policy_area": c.policy_area,
        "sector": c.sector,
        "lead_institution": c.lead_institution + (" (" + tr._(SUGGESTED) + ")" if c.lead_suggested else ""),
        "supporting_institutions": c.supporting_institutions,
        "starts_on": c.starts_on.isoformat() if c.starts_on else "",
        "ends_on": c.ends_on.isoformat() if c.ends_on else "",
    }
    lines = [f"{c.code} — {c.title}", ""]
    for name, label in FIELDS.items():
        lines.append(f"{tr._(label)}: {_indented(values[name]) or '-'}")
    sources = ", ".join(f"{p.code} ({tr._(STATUSES.get(p.status, p.status))})" for p in view.sources) or "-"
    lines += [
        "",
        f"{tr._(TITLES['sources'])}: {sources}",
        f"{tr._(TITLES['people'])}: {view.people}",
        "",
        tr._("The team's answer:") + " " + _indented(c.answer),
    ]
    if view.milestones:
        lines += ["", f"{tr._(TITLES['milestones'])}:", *(f"  {milestone_line(m, tr)}" for m in view.milestones)]
    if view.progress:
        lines += ["", tr._("Progress") + ":"]
        for update in view.progress:
            about = f" [{update.milestone}{' ✓' if update.done else ''}]" if update.milestone else ""
            lines.append(f"  {tr.date(update.created_at)}{about} {_indented(update.note, 4)}")
    return "\n".join(lines)


def _indented(text: str, by: int = 2) -> str:
    """A text under its label: every further line indented, empty lines left empty."""
    return "\n".join(
        (" " * by + line) if i and line.strip() else line for i, line in enumerate(text.strip().splitlines())
    )


async def _undo(app: App, args: argparse.Namespace) -> int:
    async with app.uow() as uow:
        result = await undo_merge(uow, app.services, operator(), args.code, proposals=args.proposal, via="cli")
        await uow.commit()
    restored = ", ".join(result.restored)
    told = (
        f"{result.told} {'correction' if result.told == 1 else 'corrections'} ({OUTBOX})" if result.told else _told(0)
    )
    verb = "is" if len(result.restored) == 1 else "are"
    print(f"cocrea: {restored} {verb} no longer part of {result.commitment.code}; {told}", file=sys.stderr)
    return 0


async def _split(app: App, args: argparse.Namespace) -> int:
    async with app.uow() as uow:
        result = await split(uow, app.services, operator(), args.proposal, args.into, via="cli")
        await uow.commit()
    print(
        f"cocrea: {result.merged[0]} is now also part of {result.commitment.code}; {_told(result.told)}",
        file=sys.stderr,
    )
    return 0


async def _edit(app: App, args: argparse.Namespace) -> int:
    given = {name: getattr(args, name) for name in EDIT_FLAGS if getattr(args, name) is not None}
    if not given and not args.confirm_lead:
        flags = ", ".join("--" + name.replace("_", "-") for name in EDIT_FLAGS)
        raise CliError(f"say what to change: {flags}, --confirm-lead")
    values: dict[str, Any] = dict(given)
    if "ogp_values" in values:
        values["ogp_values"] = [v for v in values["ogp_values"].split(",") if v.strip()]
    async with app.uow() as uow:
        result = await update_commitment(
            uow,
            app.services,
            operator(),
            args.code,
            CommitmentEdit(**values, confirm_lead=args.confirm_lead),
            via="cli",
        )
        await uow.commit()
    code = result.commitment.code
    if not result.changed:
        print(f"cocrea: {code} unchanged", file=sys.stderr)
        return 0
    told = f"; {_told(result.told)}" if "answer" in result.changed and "answer" in given else ""
    print(f"cocrea: {code} changed: {', '.join(result.changed)}{told}", file=sys.stderr)
    return 0


async def _milestone(app: App, args: argparse.Namespace) -> int:
    async with app.uow() as uow:
        milestone = await add_milestone(uow, app.services, operator(), args.code, args.title, args.due, via="cli")
        await uow.commit()
    print(milestone.number)
    print(f"cocrea: milestone {milestone.number} added to {args.code.strip().upper()}", file=sys.stderr)
    return 0


async def _progress(app: App, args: argparse.Namespace) -> int:
    async with app.uow() as uow:
        recorded = await record_progress(
            uow,
            app.services,
            operator(),
            args.code,
            milestone=args.milestone,
            done=args.done,
            note=args.note,
            via="cli",
        )
        await uow.commit()
    print(f"cocrea: progress recorded on {args.code.strip().upper()}; {_told(recorded.told)}", file=sys.stderr)
    return 0


async def _export(app: App, args: argparse.Namespace) -> int:
    if args.format in ("xlsx", "docx") and args.output is None and sys.stdout.isatty():
        raise CliError(f"a .{args.format} file is binary: give it a file with --output PATH.{args.format}")
    tr = app.services.translator(check_lang(app.consultation, app.catalogs, args.lang))
    with output_file(args.output) as out:
        async with app.uow() as uow:
            count = await export_commitments(
                uow, app.services, operator(), args.format, tr, out, target=str(args.output or "stdout"), via="cli"
            )
            await uow.commit()
    where = f" to {args.output}" if args.output else ""
    print(f"cocrea: exported {count} {'commitment' if count == 1 else 'commitments'}{where}", file=sys.stderr)
    return 0
