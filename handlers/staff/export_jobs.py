"""The bot's ``/export`` in the background.

The update only checks the request and queues it (an ``export_jobs`` row and a progress message, in the
update's transaction). A worker (``run_round``, in every process beside the channels) claims the oldest
job by compare-and-set, writes the file on a reading connection — so no writer ever waits for it, and
there is no cap on the rows —, edits the progress message every few seconds while it goes (and so shows
the claim is alive), and queues the file for the chat with the job marked done, in one transaction.

Nothing lost, nothing twice: a worker that dies leaves its job ``running``; once its heartbeat is stale,
another worker takes it over and writes the file again, and only the transaction that marks the job
done queues the file. A worker asked to stop puts its job back in the queue between two batches of rows.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from handlers.actors import staff_actor
from handlers.context import Context
from handlers.i18n import Translator
from handlers.messages import Address, Outgoing, Reference
from handlers.outbox import post
from handlers.services import Services
from handlers.staff.command_words import read_export_request
from handlers.staff.exports import record_export, write_export
from handlers.staff.files import new_file
from handlers.staff.permissions import COMMANDS, allowed
from handlers.staff.requests import ExportRequest, RequestError
from storage.models import ExportJob, StaffMember
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

PROGRESS_EVERY_SECONDS = 3.0
"""How often the progress message is edited (Telegram allows about one message a second per chat)."""
STALE_AFTER = timedelta(minutes=2)
"""A running job whose progress has not moved for this long is taken over: its worker died."""
MAX_ATTEMPTS = 3


class Stopped(Exception):
    """The process is stopping: the job goes back to the queue."""


@dataclass
class Job:
    id: int
    address: Address
    staff_id: int
    command: str
    language: str
    total: int
    attempts: int

    @property
    def purpose(self) -> str:
        return f"export:{self.id}"


async def queue_export(ctx: Context, member: StaffMember, total: int) -> None:
    """Queue ``ctx``'s ``/export`` (already checked; ``total`` proposals match) and say it is coming."""
    job = await ctx.uow.export_jobs.add(
        ExportJob(
            channel=ctx.incoming.channel,
            chat_id=ctx.incoming.chat_id,
            staff_id=member.id,
            command=ctx.incoming.text,
            language=ctx.language,
            total=total,
            created_at=ctx.now,
        )
    )
    ctx.send_to(
        Outgoing(
            to=ctx.incoming.address,
            text=progress_text(ctx.tr, 0, total),
            about=Reference(purpose=f"export:{job.id}"),
        )
    )


def progress_text(tr: Translator, done: int, total: int) -> str:
    percent = min(100, done * 100 // total) if total else 100
    return tr.n_(
        "Preparing the export of {total} proposal… {percent} %",
        "Preparing the export of {total} proposals… {percent} %",
        total,
    ).format(total=total, percent=percent)


async def run_round(services: Services, wake: Callable[[], None], stopping: asyncio.Event | None = None) -> int:
    """Write every export waiting in the queue, one after the other; returns how many were sent."""
    sent = 0
    while (stopping is None or not stopping.is_set()) and (job := await _claim(services)) is not None:
        sent += await _run(services, job, wake, stopping or asyncio.Event())
    return sent


async def _claim(services: Services) -> Job | None:
    now = services.clock()
    async with services.uow.reading() as reading:  # most rounds find nothing: no writer's lock for that
        if not await reading.export_jobs.claimable(now - STALE_AFTER):
            return None
    async with services.uow() as uow:
        row = await uow.export_jobs.claim(now, now - STALE_AFTER)
        await uow.commit()
    if row is None:
        return None
    address = Address(row.channel, row.chat_id)
    return Job(row.id, address, row.staff_id, row.command, row.language, row.total, row.attempts)


async def _run(services: Services, job: Job, wake: Callable[[], None], stopping: asyncio.Event) -> int:
    tr = services.translator(job.language)
    async with services.uow.reading() as uow:
        member = await uow.staff.get(job.staff_id)
    if member is None or not allowed(member.role, COMMANDS["export"]):
        await _finish(services, job, [])  # no longer staff: nothing is sent
        return 0
    try:
        request = read_export_request(services, job.command, job.language)
    except RequestError as error:  # checked when queued; the consultation changed since
        await _finish(services, job, [Outgoing(to=job.address, text=error.render(tr))])
        return 0
    try:
        await _write(services, job, member, request, tr, wake, stopping)
    except Stopped:
        await _requeue(services, job)
        return 0
    except Exception:
        log.exception("export %s failed (attempt %s)", job.id, job.attempts)
        if job.attempts < MAX_ATTEMPTS:
            await _requeue(services, job)
            return 0
        sorry = tr._("Sorry, the export could not be written. Please try again later.")
        await _finish(services, job, [Outgoing(to=job.address, text=sorry)])
        wake()
        return 0
    wake()
    return 1


async def _write(
    services: Services,
    job: Job,
    member: StaffMember,
    request: ExportRequest,
    tr: Translator,
    wake: Callable[[], None],
    stopping: asyncio.Event,
) -> None:
    local = services.clock().astimezone(ZoneInfo(services.consultation.timezone))
    path = new_file(services.data_dir, request.file_name(services.consultation.slug, local))
    written = [0]

    def counted(rows: int) -> None:
        written[0] = rows

    async def pause() -> None:
        if stopping.is_set():
            raise Stopped

    written_all = asyncio.Event()
    reporter = asyncio.create_task(_report(services, job, tr, written, wake, written_all))
    try:
        async with services.uow.reading_in_background() as uow:
            with path.open("wb") as out:
                count = await write_export(uow, services, request, out, progress=counted, pause=pause)
    finally:
        written_all.set()  # the reporter ends its round first: a transaction cut in half could keep the lock
        await reporter
    done = Outgoing(to=job.address, text=_caption(tr, request, count), document_path=str(path), document_name=path.name)
    async with services.uow() as uow:
        await record_export(uow, staff_actor(member), request, count, via="bot", target=path.name)
        progress = await _progress_edit(uow, job, tr, count)
        await post(uow, [*progress, done])
        await uow.export_jobs.finish(job.id, services.clock(), rows=count, file_name=path.name)
        await uow.commit()


async def _report(
    services: Services,
    job: Job,
    tr: Translator,
    written: list[int],
    wake: Callable[[], None],
    written_all: asyncio.Event,
) -> None:
    """Every few seconds while the file is written: the progress message edited, the claim kept alive.
    It stops between two rounds once ``written_all`` is set, never in the middle of a transaction."""
    shown = 0
    while not written_all.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(written_all.wait(), PROGRESS_EVERY_SECONDS)
        if written_all.is_set():
            return
        async with services.uow() as uow:
            await uow.export_jobs.touch(job.id, services.clock())
            edits = await _progress_edit(uow, job, tr, written[0]) if written[0] != shown else []
            await post(uow, edits)
            await uow.commit()
        shown = written[0]
        if edits:
            wake()


async def _progress_edit(uow: UnitOfWork, job: Job, tr: Translator, done: int) -> list[Outgoing]:
    """The progress message shown anew (nothing while it has not been sent yet)."""
    sent = await uow.group_links.sent_for(job.address.channel, job.address.chat_id, job.purpose)
    if sent is None:
        return []
    return [Outgoing(to=job.address, text=progress_text(tr, done, job.total), replaces=sent.message_id)]


async def _requeue(services: Services, job: Job) -> None:
    async with services.uow() as uow:
        await uow.export_jobs.requeue(job.id)
        await uow.commit()


async def _finish(services: Services, job: Job, messages: list[Outgoing]) -> None:
    async with services.uow() as uow:
        await post(uow, messages)
        await uow.export_jobs.finish(job.id, services.clock(), rows=None, file_name=None)
        await uow.commit()


def _caption(tr: Translator, request: ExportRequest, count: int) -> str:
    shown = request.format.upper()
    if request.public or request.format == "decidim":
        return tr._("Public export (anonymised): {count} proposals, {format}.").format(count=count, format=shown)
    return tr._(
        "Staff export: {count} proposals, {format}. It holds personal data: keep it safe and do not forward it."
    ).format(count=count, format=shown)
