"""Chinese working days: statutory holidays (法定节假日) and adjusted working days (调休上班).

Deadlines the rules state in "working days" (the contract within 5 working days of the deal
notice) count days the way the State Council's yearly holiday arrangement does: a weekday
inside a holiday is off, a Saturday or Sunday marked as an adjusted working day is on.

Where a year's arrangement comes from, first found wins:

1. the schedule staff entered (``HolidaySchedule``, admin or ``manage.py
   holiday_schedule_import``); the years ``chinesecalendar`` knows are seeded by a migration;
2. ``chinesecalendar`` itself (it knows the years published when it was released: up to 2026
   in 1.11.0), so a year is never worse than the package even if its rows were deleted;
3. otherwise the statutory holidays computed by rule (the ``holidays`` package's China
   calendar: 元旦, 春节, 清明, 劳动节, 端午, 中秋, 国庆, with no adjusted working days).
   A count that crosses such a year is **provisional**: the State Council publishes each
   year's arrangement around November, and entering it settles the count.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

import chinese_calendar
import holidays as holiday_rules

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class YearDays:
    off: frozenset[date]
    worked: frozenset[date]
    official: bool
    source: str


class Deadline(NamedTuple):
    day: date
    provisional: bool


def chinesecalendar_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 30))
    except NotImplementedError:
        return False
    return True


def chinesecalendar_days(year: int) -> tuple[dict[date, str], dict[date, str]]:
    """(days off, adjusted working days) of ``year`` as the package has them."""
    from chinese_calendar import constants

    off = {day: name for day, name in constants.holidays.items() if day.year == year}
    worked = {day: name for day, name in constants.workdays.items() if day.year == year}
    return off, worked


def statutory_holidays(year: int) -> dict[date, str]:
    """The statutory holidays of ``year`` by rule, for a year with no published schedule."""
    return dict(holiday_rules.China(years=year, language="zh_CN").items())


class WorkCalendar:
    """Reads each year's arrangement once; make one per operation (one deal, one worker
    round), so a schedule staff just entered is seen by the next operation in every process.
    """

    def __init__(self) -> None:
        self._years: dict[int, YearDays] = {}

    def year(self, year: int) -> YearDays:
        if year not in self._years:
            self._years[year] = self._load(year)
        return self._years[year]

    @staticmethod
    def _load(year: int) -> YearDays:
        from .models import DayKind, HolidaySchedule, ScheduleDay

        if HolidaySchedule.objects.filter(year=year).exists():
            off, worked = set(), set()
            for day, kind in ScheduleDay.objects.filter(date__year=year).values_list(
                "date", "kind"
            ):
                (worked if kind == DayKind.WORKDAY else off).add(day)
            return YearDays(frozenset(off), frozenset(worked), True, "schedule")
        if chinesecalendar_knows(year):
            off, worked = chinesecalendar_days(year)
            return YearDays(frozenset(off), frozenset(worked), True, "chinesecalendar")
        return YearDays(frozenset(statutory_holidays(year)), frozenset(), False, "rules")

    def is_official(self, year: int) -> bool:
        return self.year(year).official

    def is_working_day(self, day: date) -> bool:
        days = self.year(day.year)
        if day in days.worked:
            return True
        if day in days.off:
            return False
        return day.weekday() < 5

    def deadline(self, start: date, n: int) -> Deadline:
        """The ``n``-th working day after ``start`` (``start`` itself never counts), and
        whether a year it crossed had no official schedule."""
        if n < 0:
            raise ValueError("n must not be negative")
        day = start
        remaining = n
        provisional = False
        while remaining:
            day += _ONE_DAY
            provisional = provisional or not self.is_official(day.year)
            if self.is_working_day(day):
                remaining -= 1
        return Deadline(day, provisional)

    def previous_working_day(self, day: date) -> date:
        day -= _ONE_DAY
        while not self.is_working_day(day):
            day -= _ONE_DAY
        return day


def is_working_day(day: date) -> bool:
    """Whether ``day`` is a working day in mainland China."""
    return WorkCalendar().is_working_day(day)


def add_working_days(start: date, n: int) -> date:
    """The ``n``-th working day after ``start``; ``start`` itself never counts.

    ``add_working_days(friday, 1)`` is the next Monday unless that is a holiday. ``n == 0``
    returns ``start``.
    """
    return WorkCalendar().deadline(start, n).day


def working_day_deadline(start: date, n: int) -> Deadline:
    """Like ``add_working_days``, saying whether the day is provisional."""
    return WorkCalendar().deadline(start, n)


def previous_working_day(day: date) -> date:
    """The last working day strictly before ``day``."""
    return WorkCalendar().previous_working_day(day)
