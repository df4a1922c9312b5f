"""What every use case is given: the unit of work, the consultation, the catalogs, the clock, the
moderators' chat and where files for people are written. Built once, by the composition root."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from config.consultation import Consultation
from handlers.consolidation.similar import SimilarProposals
from handlers.i18n import Catalogs, Translator
from handlers.intake.reminder_policy import ReminderPolicy
from handlers.intake.table import DEFAULT_STEPS, StepTable
from handlers.messages import Address
from storage.uow import UnitOfWork, UnitOfWorkFactory

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Services:
    uow: UnitOfWorkFactory
    consultation: Consultation
    catalogs: Catalogs
    clock: Clock = utc_now
    moderators: Address | None = None
    """The moderators' group (a Telegram group), if one is configured."""
    data_dir: Path = Path("data")
    """Where files sent to people (staff exports, charts) are written before the outbox sends them."""
    steps: StepTable = field(default_factory=lambda: DEFAULT_STEPS)
    reminders: ReminderPolicy = field(default_factory=ReminderPolicy)
    """When an abandoned draft gets its one reminder."""
    web_url: str = ""
    """The web desk's public address, for sign-in links (``COCREA_WEB_BASE_URL``)."""
    similar: SimilarProposals = field(default_factory=SimilarProposals)
    """The process's index of proposals, for similar proposals at review (built on first use)."""

    def reading(self) -> UnitOfWork:
        """A unit of work for reading only (pages, open data): it never queues behind writers."""
        return self.uow.reading()

    def translator(self, language: str) -> Translator:
        return self.catalogs.get(language, self.consultation.timezone)

    @property
    def staff_translator(self) -> Translator:
        """The moderators' group and staff notices speak the consultation's default language."""
        return self.translator(self.catalogs.default)
