"""The bot's exports written in the background: queued by the update, claimed by one worker."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ExportJob

ACTIVE = ("queued", "running")


class ExportJobs:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, job: ExportJob) -> ExportJob:
        self._session.add(job)
        await self._session.flush()
        return job

    async def get(self, job_id: int) -> ExportJob | None:
        return await self._session.get(ExportJob, job_id)

    async def active_for(self, channel: str, chat_id: str) -> ExportJob | None:
        """The chat's export that is queued or being written, if any."""
        query = (
            select(ExportJob)
            .where(ExportJob.channel == channel, ExportJob.chat_id == chat_id, ExportJob.state.in_(ACTIVE))
            .order_by(ExportJob.id)
            .limit(1)
        )
        return (await self._session.execute(query)).scalar_one_or_none()

    async def claimable(self, stale_before: datetime) -> bool:
        """Whether a job waits (queued, or running with a stale heartbeat)."""
        return (
            await self._session.execute(self._claimable(stale_before).with_only_columns(ExportJob.id))
        ).first() is not None

    def _claimable(self, stale_before: datetime) -> Select[ExportJob]:
        return (
            select(ExportJob)
            .where(
                or_(
                    ExportJob.state == "queued",
                    (ExportJob.state == "running") & (ExportJob.started_at < stale_before),
                )
            )
            .order_by(ExportJob.id)
            .limit(1)
        )

    async def claim(self, now: datetime, stale_before: datetime) -> ExportJob | None:
        """Take the oldest queued job, or one whose worker stopped before ``stale_before``; None when there is
        none, or when another worker took it first (compare-and-set on the state and the start)."""
        job = (await self._session.execute(self._claimable(stale_before))).scalar_one_or_none()
        if job is None:
            return None
        taken = await self._session.execute(
            update(ExportJob)
            .where(ExportJob.id == job.id, ExportJob.state == job.state, ExportJob.attempts == job.attempts)
            .values(state="running", started_at=now, attempts=ExportJob.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        if not getattr(taken, "rowcount", 0):
            return None
        await self._session.refresh(job)
        return job

    async def touch(self, job_id: int, now: datetime) -> None:
        """The worker writing it is alive (a stale claim is taken over)."""
        await self._session.execute(
            update(ExportJob)
            .where(ExportJob.id == job_id, ExportJob.state == "running")
            .values(started_at=now)
            .execution_options(synchronize_session=False)
        )

    async def requeue(self, job_id: int) -> None:
        """Back to the queue (its worker is stopping, or it failed and will be tried again)."""
        await self._session.execute(
            update(ExportJob)
            .where(ExportJob.id == job_id, ExportJob.state == "running")
            .values(state="queued", started_at=None)
            .execution_options(synchronize_session=False)
        )

    async def finish(self, job_id: int, now: datetime, *, rows: int | None, file_name: str | None) -> None:
        await self._session.execute(
            update(ExportJob)
            .where(ExportJob.id == job_id)
            .values(state="done" if file_name else "failed", rows=rows, file_name=file_name, finished_at=now)
            .execution_options(synchronize_session=False)
        )
