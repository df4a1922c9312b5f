"""When an abandoned draft gets its one reminder: after a silence, in daytime, soon enough to be welcome.

The rule, the same on every channel: a draft whose person has been silent for ``after`` (20 hours by
default) gets one reminder then. When that moment falls at night in the consultation's time zone,
the reminder goes the next morning if that is still within ``latest`` of the person's last message,
else at the end of the evening before. ``latest`` (23 hours) keeps every reminder inside WhatsApp's
24-hour reply window, with an hour to spare for a busy sender.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class ReminderPolicy:
    after: timedelta = timedelta(hours=20)
    """Silence after which a draft counts as abandoned; zero turns reminders off."""
    latest: timedelta = timedelta(hours=23)
    """No reminder later than this after the person's last message."""
    day_starts: time = time(8)
    day_ends: time = time(21)
    """Reminders go between these hours (both included), in the consultation's time zone."""

    @property
    def enabled(self) -> bool:
        return self.after > timedelta(0)

    @property
    def earliest(self) -> timedelta:
        """The shortest silence after which a reminder may go (one moved to the evening before)."""
        day = datetime.combine(datetime.min, self.day_ends) - datetime.combine(datetime.min, self.day_starts)
        return max(self.after - (timedelta(days=1) - day), timedelta(0))

    def is_day(self, moment: datetime, timezone: str) -> bool:
        local = moment.astimezone(ZoneInfo(timezone)).time()
        return self.day_starts <= local <= self.day_ends

    def moment(self, last_seen: datetime, timezone: str) -> datetime:
        """When a draft silent since ``last_seen`` gets its reminder."""
        due = last_seen + self.after
        if self.is_day(due, timezone):
            return due
        zone = ZoneInfo(timezone)
        local = due.astimezone(zone)
        evening_day = local.date() if local.time() > self.day_ends else local.date() - timedelta(days=1)
        evening = datetime.combine(evening_day, self.day_ends, tzinfo=zone)
        morning = datetime.combine(evening_day + timedelta(days=1), self.day_starts, tzinfo=zone)
        return morning if morning - last_seen <= self.latest else evening

    def is_due(self, last_seen: datetime, now: datetime, timezone: str) -> bool:
        """Whether a reminder goes now: its moment has come, it is day, and it is not too late."""
        return (
            self.enabled
            and self.moment(last_seen, timezone) <= now
            and now - last_seen <= self.latest
            and self.is_day(now, timezone)
        )
