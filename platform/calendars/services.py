"""Staff keep the official holiday schedule; the worker warns them when next year's is
missing."""

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import transaction
from django.db.models import Q

from kernel.clock import SHANGHAI, local_today, now
from kernel.errors import ErrorCollector
from kernel.text import clean_text
from notifications.models import Notification
from notifications.services import notify

from .errors import CalendarErrorCode
from .models import DayKind, HolidaySchedule, ScheduleDay
from .workdays import WorkCalendar

MANAGE_PERMISSION = "calendars.change_holidayschedule"
MISSING_YEAR_KIND = "calendar.next_year_missing"
# The State Council publishes next year's arrangement in November or December.
WARN_FROM_MONTH = 11

_KINDS = {
    "休": DayKind.HOLIDAY,
    "HOLIDAY": DayKind.HOLIDAY,
    "班": DayKind.WORKDAY,
    "WORKDAY": DayKind.WORKDAY,
}


@dataclass(frozen=True)
class ScheduleDayInput:
    day: date
    kind: str
    name: str = ""


def schedule_days_parse(text: str) -> list[ScheduleDayInput]:
    """The import file: one day a line, ``2027-01-01,休,元旦`` or ``2027-02-20,班,春节``
    (``HOLIDAY``/``WORKDAY`` work too); blank lines, ``#`` comments and a ``date,kind,name``
    header are skipped."""
    errors = ErrorCollector()
    days = []
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [cell.strip() for cell in row]
        if not any(cells) or cells[0].startswith("#") or cells[0].lower() == "date":
            continue
        try:
            day = date.fromisoformat(cells[0])
            kind = _KINDS[cells[1].upper()]
        except (ValueError, IndexError, KeyError):
            errors.add(CalendarErrorCode.SCHEDULE_LINE_INVALID, line=number)
            continue
        days.append(ScheduleDayInput(day, kind, cells[2] if len(cells) > 2 else ""))
    errors.raise_if_any()
    return days


def _check_days(errors: ErrorCollector, *, year: int, days: list[ScheduleDayInput]) -> None:
    seen: set[date] = set()
    for item in days:
        params = {"day": item.day.isoformat(), "year": year}
        if item.day in seen:
            errors.add(CalendarErrorCode.SCHEDULE_DAY_TWICE, field="days", **params)
        seen.add(item.day)
        before = item.kind == DayKind.WORKDAY and item.day.year == year - 1
        if item.day.year != year and not (before and item.day.month == 12):
            errors.add(CalendarErrorCode.SCHEDULE_DAY_OUTSIDE_YEAR, field="days", **params)
        if item.kind == DayKind.WORKDAY and item.day.weekday() < 5:
            errors.add(CalendarErrorCode.SCHEDULE_WORKDAY_NOT_WEEKEND, field="days", **params)


def schedule_days_validate(*, year: int, days: list[ScheduleDayInput]) -> None:
    """The checks ``holiday_schedule_enter`` makes of the days, for the admin's form."""
    errors = ErrorCollector()
    _check_days(errors, year=year, days=days)
    errors.raise_if_any()


@transaction.atomic
def holiday_schedule_enter(
    *,
    actor,
    year: int,
    notice: str,
    days: list[ScheduleDayInput],
    notice_url: str = "",
    published_on: date | None = None,
    replace: bool = False,
) -> HolidaySchedule:
    """Enter (or with ``replace`` re-enter) a year's official schedule, then settle every
    open deadline that was counted provisionally."""
    errors = ErrorCollector()
    notice = clean_text(notice, field="notice", errors=errors, limit=200)
    _check_days(errors, year=year, days=days)
    seen = {item.day for item in days}
    existing = HolidaySchedule.objects.select_for_update().filter(year=year).first()
    if existing is not None and not replace:
        errors.add(CalendarErrorCode.SCHEDULE_EXISTS, field="year", year=year)
    errors.raise_if_any()
    if existing is not None:
        existing.delete()
    schedule = HolidaySchedule.objects.create(
        year=year,
        notice=notice,
        notice_url=notice_url,
        published_on=published_on,
        entered_at=now(),
        entered_by=actor,
    )
    # A day entered for another year (its December adjusted working day) moves here.
    ScheduleDay.objects.filter(date__in=seen).delete()
    ScheduleDay.objects.bulk_create(
        ScheduleDay(schedule=schedule, date=item.day, kind=item.kind, name=item.name)
        for item in days
    )
    holiday_schedule_changed()
    return schedule


def holiday_schedule_changed() -> int:
    """After any change to the schedule (entry, import, admin edit): recount the open
    provisional deadlines. Returns how many moved."""
    from deals.services import deals_settle_provisional_deadlines

    return deals_settle_provisional_deadlines()


def calendar_missing_next_year() -> int | None:
    """Next year, when it is November or later and its official schedule is missing."""
    today = local_today()
    if today.month < WARN_FROM_MONTH:
        return None
    year = today.year + 1
    return None if WorkCalendar().is_official(year) else year


def calendar_staff():
    """Active staff who may enter the schedule (superusers included)."""
    app_label, codename = MANAGE_PERMISSION.split(".")
    may = {"content_type__app_label": app_label, "codename": codename}
    granted = Permission.objects.filter(**may)
    return (
        get_user_model()
        .objects.filter(is_staff=True, is_active=True)
        .filter(
            Q(is_superuser=True)
            | Q(user_permissions__in=granted)
            | Q(groups__permissions__in=granted)
        )
        .distinct()
    )


@transaction.atomic
def calendar_warn_missing_next_year() -> int:
    """The worker's daily duty from 1 November: tell the staff who keep the calendar, in
    their inbox, that next year's schedule is missing and deadlines into it are provisional.
    Once per staff member and day. Returns how many were told."""
    year = calendar_missing_next_year()
    if year is None:
        return 0
    told = 0
    start_of_day = datetime.combine(local_today(), time(0), tzinfo=SHANGHAI)
    already = set(
        Notification.objects.filter(
            kind=MISSING_YEAR_KIND, created_at__gte=start_of_day
        ).values_list("user_id", flat=True)
    )
    for user in calendar_staff().exclude(pk__in=already):
        notify(
            user=user,
            kind=MISSING_YEAR_KIND,
            title=f"{year}年节假日安排尚未录入",
            text=f"【省技术产权交易市场】{year}年节假日安排尚未录入工作日历：跨入{year}年的"
            "合同签署截止日暂按法定节假日推算（暂定）。国务院办公厅通知发布后，请在管理后台"
            "“工作日历 > 节假日安排”录入或用 manage.py holiday_schedule_import 导入。",
            sms=False,
        )
        told += 1
    return told
