"""Staff commands in a private chat with the bot: ``/export`` and ``/stats``.

Only people in the ``staff`` table (admin, moderator, analyst) may use them;
anyone else gets exactly the answer to an unknown command (see
``handlers/commands.py``). Every use is written to the audit log in the same
transaction as the reply.

The file is written while the update is processed, inside its transaction (the
outbox sends it after the commit). With SQLite other chats wait meanwhile, so a
bot export is capped at ``MAX_BOT_EXPORT_ROWS`` rows (``MAX_BOT_XLSX_ROWS`` in
Excel format), a few seconds of work; larger exports are for ``cocrea export``
on the server. Files live under ``<data dir>/exports/`` and are deleted a day later.
"""

from __future__ import annotations

import asyncio
import secrets
import shutil
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from handlers.charts import draw_chart
from handlers.context import Context, fit
from handlers.exports import (
    FORMATS,
    ExportRequest,
    RequestError,
    build_filter,
    check_format,
    check_lang,
    write_export,
)
from handlers.i18n import N_
from handlers.messages import MAX_CAPTION_CHARS, Outgoing
from handlers.stats_report import stats_text
from storage.export import ExportFilter, count_proposals
from storage.models import StaffMember
from storage.staff import ROLES
from storage.stats import proposal_stats

MAX_BOT_EXPORT_ROWS = 20_000
MAX_BOT_XLSX_ROWS = 5_000
"""Excel is written about ten times slower than the text formats (see bench/README.md)."""
FILE_LIFETIME_SECONDS = 24 * 3600
STATS_DAYS = 14
FILTER_KEYS = ("axis", "pillar", "zone", "status", "language", "since", "until", "lang")

STAFF_HELP: dict[str, str] = {
    "export": N_("Export proposals as a file (staff)"),
    "stats": N_("Proposal statistics and chart (staff)"),
}
EXPORT_USAGE = N_(
    "Usage: /export [csv|xlsx|json|jsonl|decidim] [public] [excel] [axis=ID] [pillar=ID] [zone=ID] [status=ID] "
    "[language=CODE] [since=YYYY-MM-DD] [until=YYYY-MM-DD] [lang=CODE]"
)
STATS_USAGE = N_(
    "Usage: /stats [axis=ID] [pillar=ID] [zone=ID] [status=ID] [language=CODE] [since=YYYY-MM-DD] "
    "[until=YYYY-MM-DD] [lang=CODE]"
)

StaffCommand = Callable[[Context, StaffMember], Awaitable[None]]


@dataclass
class Words:
    """A staff command's arguments: bare words (``xlsx``, ``public``) and ``key=value`` pairs."""

    bare: list[str] = field(default_factory=list)
    pairs: dict[str, list[str]] = field(default_factory=dict)


def actor(ctx: Context) -> str:
    return f"{ctx.incoming.channel}:{ctx.incoming.user_id}"


async def find_staff(ctx: Context, command: str) -> StaffMember | None:
    """The sender, when they are staff with a role that may run ``command``."""
    member = await ctx.uow.staff.find(ctx.incoming.channel, str(ctx.incoming.user_id))
    if member is None or member.role not in PERMISSIONS.get(command, ()):
        return None
    return member


def split_words(text: str) -> Words:
    words = Words()
    for token in text.split()[1:]:
        key, sep, value = token.partition("=")
        if not sep:
            words.bare.append(token.lower())
        elif key.lower() in FILTER_KEYS:
            words.pairs.setdefault(key.lower(), []).append(value)
        else:
            raise RequestError(N_("I don't understand {value}."), value=token[:64])
    return words


def read_filters(ctx: Context, words: Words) -> tuple[ExportFilter, str]:
    pairs = words.pairs
    filters = build_filter(
        ctx.consultation, axes=pairs.get("axis", []), pillars=pairs.get("pillar", []),
        zones=pairs.get("zone", []), statuses=pairs.get("status", []), languages=pairs.get("language", []),
        since=_last(pairs.get("since")), until=_last(pairs.get("until")),
    )
    lang = check_lang(ctx.consultation, ctx.catalogs, (pairs.get("lang") or [ctx.language])[-1])
    return filters, lang


def _last(values: list[str] | None) -> str | None:
    return values[-1] if values else None


def read_export_request(ctx: Context) -> ExportRequest:
    words = split_words(ctx.incoming.text)
    filters, lang = read_filters(ctx, words)
    request = ExportRequest(filters=filters, lang=lang)
    for word in words.bare:
        if word == "public":
            request = replace(request, public=True)
        elif word == "excel":
            request = replace(request, excel=True)
        elif word in FORMATS:
            request = replace(request, format=word)
        else:
            check_format(word[:32])
    return request


async def export(ctx: Context, member: StaffMember) -> None:
    try:
        request = read_export_request(ctx)
    except RequestError as error:
        ctx.say(error.render(ctx.tr) + "\n\n" + ctx.tr._(EXPORT_USAGE))
        return
    database = ctx.uow.database
    matching = await count_proposals(database, request.filters)
    if matching == 0:
        ctx.say(ctx.tr._("No proposals match."))
        return
    if matching > (MAX_BOT_XLSX_ROWS if request.format == "xlsx" else MAX_BOT_EXPORT_ROWS):
        ctx.say(ctx.tr._("{count} proposals match: too many to send here. Narrow the filters, or export them "
                         "on the server with cocrea export.").format(count=matching))
        return
    path = new_file(ctx.data_dir, request.file_name(ctx.consultation.slug, _local_now(ctx)))
    with path.open("wb") as out:
        count = await write_export(database, ctx.consultation, ctx.catalogs, request, out)
    await ctx.uow.audit.record(actor(ctx), "export", path.name, via="bot", role=member.role, rows=count,
                               **request.describe())
    ctx.replies.append(Outgoing(chat_id=ctx.incoming.chat_id, text=fit(_caption(ctx, request, count),
                                MAX_CAPTION_CHARS), document_path=str(path), document_name=path.name))


def _caption(ctx: Context, request: ExportRequest, count: int) -> str:
    shown = request.format.upper()
    if request.public or request.format == "decidim":
        return ctx.tr._("Public export (anonymised): {count} proposals, {format}.").format(count=count, format=shown)
    return ctx.tr._("Staff export: {count} proposals, {format}. It holds personal data: keep it safe and do not "
                    "forward it.").format(count=count, format=shown)


async def stats(ctx: Context, member: StaffMember) -> None:
    try:
        words = split_words(ctx.incoming.text)
        if words.bare:
            raise RequestError(N_("I don't understand {value}."), value=words.bare[0][:64])
        filters, lang = read_filters(ctx, words)
    except RequestError as error:
        ctx.say(error.render(ctx.tr) + "\n\n" + ctx.tr._(STATS_USAGE))
        return
    tr = ctx.catalogs.get(lang, ctx.consultation.timezone)
    counts = await proposal_stats(ctx.uow.database, filters, ctx.consultation.timezone)
    await ctx.uow.audit.record(actor(ctx), "stats", None, via="bot", role=member.role, lang=lang,
                               filters=filters.describe(), total=counts.total)
    if counts.total:
        name = f"cocrea-{ctx.consultation.slug}-stats-{_local_now(ctx):%Y%m%d-%H%M}.png"
        chart = await asyncio.to_thread(draw_chart, counts, ctx.consultation, tr, new_file(ctx.data_dir, name))
        caption = tr._("Proposals by axis and pillar, and per day")
        ctx.replies.append(Outgoing(chat_id=ctx.incoming.chat_id, text=caption, photo_path=str(chart)))
    ctx.say(stats_text(counts, ctx.consultation, tr, last_days=STATS_DAYS))


def _local_now(ctx: Context) -> datetime:
    return ctx.now.astimezone(ZoneInfo(ctx.consultation.timezone))


def new_file(data_dir: Path, name: str) -> Path:
    """A fresh path under ``<data dir>/exports/``; files older than a day are removed first."""
    root = data_dir / "exports"
    remove_old_files(root)
    folder = root / secrets.token_hex(8)
    folder.mkdir(parents=True)
    return folder / name


def remove_old_files(root: Path, max_age_seconds: float = FILE_LIFETIME_SECONDS) -> None:
    if not root.is_dir():
        return
    limit = time.time() - max_age_seconds
    for folder in root.iterdir():
        if folder.is_dir() and folder.stat().st_mtime < limit:
            shutil.rmtree(folder, ignore_errors=True)


STAFF_COMMANDS: dict[str, StaffCommand] = {"export": export, "stats": stats}
PERMISSIONS: dict[str, frozenset[str]] = {name: frozenset(ROLES) for name in STAFF_COMMANDS}
