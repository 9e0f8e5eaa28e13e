"""Chinese working days: statutory holidays (法定节假日) and adjusted working days (调休上班).

Deadlines the rules state in "working days" (the contract within 5 working days of the deal
notice) count days the way the State Council's yearly holiday arrangement does: a weekday
inside a holiday is off, a Saturday or Sunday marked as an adjusted working day is on.

The arrangement comes from the ``chinesecalendar`` package, which only knows the years
published when it was released (up to 2026 in 1.11.0). The State Council publishes the next
year's arrangement each November or December: **upgrade ``chinesecalendar`` in
pyproject.toml every year once the new release carries it.** Until then, dates in an unknown
year fall back to Monday to Friday, and a warning is logged once per year and process so the
gap shows up in the logs rather than in a wrong deadline going unnoticed.
"""

import logging
from datetime import date, timedelta

import chinese_calendar

logger = logging.getLogger(__name__)

_ONE_DAY = timedelta(days=1)
_warned_years: set[int] = set()


def is_working_day(day: date) -> bool:
    """Whether ``day`` is a working day in mainland China."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        # The package raises this for years outside its data, nothing else.
        _warn_unknown_year(day.year)
        return day.weekday() < 5


def add_working_days(start: date, n: int) -> date:
    """The ``n``-th working day after ``start``; ``start`` itself never counts.

    ``add_working_days(friday, 1)`` is the next Monday unless that is a holiday. ``n == 0``
    returns ``start``.
    """
    if n < 0:
        raise ValueError("n must not be negative")
    day = start
    remaining = n
    while remaining:
        day += _ONE_DAY
        if is_working_day(day):
            remaining -= 1
    return day


def previous_working_day(day: date) -> date:
    """The last working day strictly before ``day``."""
    day -= _ONE_DAY
    while not is_working_day(day):
        day -= _ONE_DAY
    return day


def _warn_unknown_year(year: int) -> None:
    if year in _warned_years:
        return
    _warned_years.add(year)
    logger.warning(
        "chinesecalendar %s has no holiday arrangement for %s: counting Monday to Friday as "
        "working days. Upgrade chinesecalendar once the State Council's arrangement for %s "
        "is published.",
        getattr(chinese_calendar, "__version__", "?"),
        year,
        year,
    )
