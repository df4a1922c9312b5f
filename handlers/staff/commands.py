"""Staff commands in a private chat with the bot: ``/export``, ``/stats`` and ``/web``. What each staff
role may do is declared in ``handlers/staff/permissions.py``.

Only staff whose role may use them (admin, moderator, analyst) may use these commands; anyone else
gets exactly the answer to an unknown command (see ``handlers/intake/commands.py``). Facilitators
may only enter workshop proposals (``/taller``, ``handlers/workshops/facilitator.py``). Every use is
written to the audit log in the same transaction as the reply.

``/export`` only queues the export (``handlers/staff/export_jobs.py``): a background worker writes the
file on a reading connection, edits a progress message as it goes and sends the file when it is
ready, with no cap on the rows. Files live under ``<data dir>/exports/`` and are deleted a day later.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from handlers.actors import staff_actor
from handlers.context import Context
from handlers.i18n import N_
from handlers.messages import Outgoing
from handlers.staff.charts import draw_chart
from handlers.staff.command_words import read_export_request, read_filters, split_words
from handlers.staff.export_jobs import queue_export
from handlers.staff.files import new_file
from handlers.staff.permissions import COMMANDS, allowed
from handlers.staff.requests import RequestError
from handlers.staff.statistics import statistics
from handlers.staff.stats_report import stats_text
from handlers.staff.web_sign_in import LINK_LIFETIME, new_sign_in_link
from handlers.workshops.workshops import check_workshops
from storage.models import StaffMember

STATS_DAYS = 14
STAFF_HELP: dict[str, str] = {
    "export": N_("Export proposals as a file (staff)"),
    "stats": N_("Proposal statistics and chart (staff)"),
    "taller": N_("Enter the proposals of a workshop table (facilitators)"),
    "web": N_("A sign-in link for the web desk (staff)"),
}
EXPORT_USAGE = N_(
    "Usage: /export [csv|xlsx|json|jsonl|decidim] [public] [excel] [axis=ID] [pillar=ID] [zone=ID] [status=ID] "
    "[language=CODE] [since=YYYY-MM-DD] [until=YYYY-MM-DD] [source=chat|workshop] [workshop=W1] "
    "[consultation=SLUG|all] [lang=CODE]"
)
STATS_USAGE = N_(
    "Usage: /stats [axis=ID] [pillar=ID] [zone=ID] [status=ID] [language=CODE] [since=YYYY-MM-DD] "
    "[until=YYYY-MM-DD] [source=chat|workshop] [workshop=W1] [consultation=SLUG|all] [lang=CODE]"
)

StaffCommand = Callable[[Context, StaffMember], Awaitable[None]]


async def find_staff(ctx: Context, command: str) -> StaffMember | None:
    """The sender, when they are staff with a role that may run ``command``."""
    member = await ctx.uow.staff.find(ctx.incoming.channel, ctx.incoming.user_id)
    if member is None or not may(member, command):
        return None
    remember_name(member, ctx.incoming.user_name)
    return member


def remember_name(member: StaffMember, name: str) -> None:
    """Staff are listed by the name their channel gives (``cocrea staff list``), learnt when they write."""
    if name and member.display_name != name:
        member.display_name = name[:128]


def may(member: StaffMember, command: str) -> bool:
    """Whether the member's role may use ``command`` (a bot command, or ``moderate``)."""
    return command in COMMANDS and allowed(member.role, COMMANDS[command])


async def export(ctx: Context, member: StaffMember) -> None:
    """Check the request and queue it: the file is written in the background (``export_jobs``), so this
    update's transaction is short whatever the size, and the file comes when it is ready."""
    try:
        request = read_export_request(ctx.services, ctx.incoming.text, ctx.language)
        await check_workshops(ctx.uow, ctx.services, request.filters)
    except RequestError as error:
        ctx.say(error.render(ctx.tr) + "\n\n" + ctx.tr._(EXPORT_USAGE))
        return
    if await ctx.uow.export_jobs.active_for(ctx.incoming.channel, ctx.incoming.chat_id) is not None:
        ctx.say(ctx.tr._("Your previous export is still being prepared: it will arrive here when it is ready."))
        return
    matching = await ctx.uow.reports.count(request.filters)
    if matching == 0:
        ctx.say(ctx.tr._("No proposals match."))
        return
    await queue_export(ctx, member, matching)


async def stats(ctx: Context, member: StaffMember) -> None:
    try:
        words = split_words(ctx.incoming.text)
        if words.bare:
            raise RequestError(N_("I don't understand {value}."), value=words.bare[0][:64])
        filters, lang = read_filters(ctx.services, words, ctx.language)
        await check_workshops(ctx.uow, ctx.services, filters)
    except RequestError as error:
        ctx.say(error.render(ctx.tr) + "\n\n" + ctx.tr._(STATS_USAGE))
        return
    tr = ctx.catalogs.get(lang, ctx.consultation.timezone)
    counts = await statistics(ctx.uow, ctx.services, staff_actor(member), filters, lang, via="bot")
    if counts.total:
        name = f"cocrea-{ctx.consultation.slug}-stats-{_local_now(ctx):%Y%m%d-%H%M}.png"
        chart = await asyncio.to_thread(draw_chart, counts, ctx.consultation, tr, new_file(ctx.services.data_dir, name))
        caption = tr._("Proposals by axis and pillar, and per day")
        ctx.send_to(Outgoing(to=ctx.incoming.address, text=caption, photo_path=str(chart)))
    ctx.say(stats_text(counts, ctx.consultation, tr, last_days=STATS_DAYS))


async def web(ctx: Context, member: StaffMember) -> None:
    """A one-time link to the web desk, sent only to the staff member's own private chat."""
    link = await new_sign_in_link(ctx.uow, ctx.services, staff_actor(member), member)
    minutes = int(LINK_LIFETIME.total_seconds() // 60)
    ctx.say(
        ctx.tr._("Your link to the web desk. It works once, for {minutes} minutes; do not forward it:\n{link}").format(
            minutes=minutes, link=link
        )
    )


def _local_now(ctx: Context) -> datetime:
    return ctx.now.astimezone(ZoneInfo(ctx.consultation.timezone))


STAFF_COMMANDS: dict[str, StaffCommand] = {"export": export, "stats": stats, "web": web}
