"""The service's calendar: open days (weekdays minus public holidays and closures) and send slots, local time."""

from __future__ import annotations

import calendar as _cal
import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import holidays

from .settings import LifecycleSettings


@dataclass(frozen=True)
class ServiceCalendar:
    """Open days and local times of the structure; every date here is a local (Europe/Paris) date."""

    tz: ZoneInfo
    send_at: dt.time
    open_weekdays: frozenset[int]
    closed_days: frozenset[dt.date] = frozenset()
    country: str = "FR"
    subdiv: str = ""
    _holidays: dict[int, holidays.HolidayBase] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_settings(cls, settings: LifecycleSettings) -> ServiceCalendar:
        return cls(
            tz=ZoneInfo(settings.timezone),
            send_at=settings.notify_at,
            open_weekdays=frozenset(settings.open_weekdays),
            closed_days=frozenset(settings.closed_days),
            country=settings.holidays_country,
            subdiv=settings.holidays_subdiv,
        )

    def local_date(self, now: dt.datetime) -> dt.date:
        return now.astimezone(self.tz).date()

    def at(self, day: dt.date, time: dt.time) -> dt.datetime:
        """`day` at local `time`, in UTC (zoneinfo resolves DST changes)."""
        return dt.datetime.combine(day, time, tzinfo=self.tz).astimezone(dt.UTC)

    def slot(self, day: dt.date) -> dt.datetime:
        return self.at(day, self.send_at)

    def is_holiday(self, day: dt.date) -> bool:
        if not self.country:
            return False
        if day.year not in self._holidays:
            self._holidays[day.year] = holidays.country_holidays(
                self.country, subdiv=self.subdiv or None, years=day.year
            )
        return day in self._holidays[day.year]

    def is_open(self, day: dt.date) -> bool:
        return day.weekday() in self.open_weekdays and day not in self.closed_days and not self.is_holiday(day)

    def next_open(self, day: dt.date) -> dt.date:
        """The first open day on or after `day` (a calendar with no open day at all is a settings error)."""
        for offset in range(366):
            candidate = day + dt.timedelta(days=offset)
            if self.is_open(candidate):
                return candidate
        raise ValueError("no open day within a year: check COFFRE_LIFECYCLE__OPEN_WEEKDAYS / CLOSED_DAYS")

    def next_slot_day(self, now: dt.datetime) -> dt.date:
        """The open day whose send slot is the next one at or after `now`."""
        day = self.next_open(self.local_date(now))
        if self.slot(day) < now:
            day = self.next_open(day + dt.timedelta(days=1))
        return day


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` moved by whole calendar months, clamped to the month's last day (31 January + 1 = 28/29 February)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = _cal.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))
