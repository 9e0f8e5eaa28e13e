"""Chinese working days: the entered schedule, chinesecalendar's years, and the statutory
holidays by rule (provisional) for a year nobody entered yet."""

from datetime import date

import pytest

from calendars.models import DayKind, HolidaySchedule, ScheduleDay
from calendars.workdays import (
    WorkCalendar,
    add_working_days,
    is_working_day,
    previous_working_day,
    working_day_deadline,
)
from kernel.clock import now

pytestmark = pytest.mark.django_db


def enter(year: int, days: dict[date, str]) -> HolidaySchedule:
    schedule = HolidaySchedule.objects.create(year=year, notice=f"{year}年通知", entered_at=now())
    ScheduleDay.objects.bulk_create(
        ScheduleDay(schedule=schedule, date=day, kind=kind) for day, kind in days.items()
    )
    return schedule


# National Day 2025: 10-01..10-08 off (with Mid-Autumn on 10-06); Sunday 09-28 and
# Saturday 10-11 are adjusted working days.


@pytest.mark.parametrize("day", [date(2025, 10, d) for d in range(1, 9)])
def test_national_day_2025_holiday_is_not_a_working_day(day):
    assert not is_working_day(day)


@pytest.mark.parametrize("day", [date(2025, 9, 28), date(2025, 10, 11)])
def test_national_day_2025_adjusted_weekend_days_are_working_days(day):
    assert day.weekday() >= 5
    assert is_working_day(day)


def test_five_working_days_from_the_friday_before_national_day_2025():
    # Fri 09-26 -> Sun 09-28 (adjusted), Tue 09-30 .. then 10-09, 10-10, 10-11 (Sat, adjusted)
    assert add_working_days(date(2025, 9, 26), 1) == date(2025, 9, 28)
    assert add_working_days(date(2025, 9, 26), 5) == date(2025, 10, 10)
    assert add_working_days(date(2025, 9, 26), 6) == date(2025, 10, 11)


def test_a_deal_on_the_last_day_before_national_day_2025_skips_the_whole_holiday():
    assert add_working_days(date(2025, 9, 30), 1) == date(2025, 10, 9)
    assert add_working_days(date(2025, 9, 30), 5) == date(2025, 10, 14)


def test_previous_working_day_across_national_day_2025():
    assert previous_working_day(date(2025, 10, 9)) == date(2025, 9, 30)
    assert previous_working_day(date(2025, 10, 13)) == date(2025, 10, 11)
    assert previous_working_day(date(2025, 9, 29)) == date(2025, 9, 28)


# National Day 2026 (chinesecalendar 1.11.0): 10-01..10-07 off; Sunday 09-20 and Saturday
# 10-10 are adjusted working days; Mid-Autumn falls on Friday 09-25 (09-25..27 off).


@pytest.mark.parametrize("day", [date(2026, 10, d) for d in range(1, 8)])
def test_national_day_2026_holiday_is_not_a_working_day(day):
    assert not is_working_day(day)


@pytest.mark.parametrize("day", [date(2026, 9, 20), date(2026, 10, 10)])
def test_national_day_2026_adjusted_weekend_days_are_working_days(day):
    assert day.weekday() >= 5
    assert is_working_day(day)


def test_national_day_2026_ends_on_the_seventh():
    assert is_working_day(date(2026, 10, 8))
    assert not is_working_day(date(2026, 9, 25))


def test_five_working_days_across_national_day_2026():
    # Wed 09-30 -> Thu 10-08, Fri 10-09, Sat 10-10 (adjusted), Mon 10-12, Tue 10-13
    assert add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert add_working_days(date(2026, 9, 30), 5) == date(2026, 10, 13)


def test_five_working_days_across_mid_autumn_2026_count_the_adjusted_sunday():
    # Thu 09-17 -> Fri 09-18, Sun 09-20 (adjusted), Mon 09-21, Tue 09-22, Wed 09-23
    assert add_working_days(date(2026, 9, 17), 5) == date(2026, 9, 23)


# Spring Festival 2026: 02-15..02-23 off; Saturdays 02-14 and 02-28 are adjusted working days.


@pytest.mark.parametrize("day", [date(2026, 2, d) for d in range(15, 24)])
def test_spring_festival_2026_is_not_a_working_day(day):
    assert not is_working_day(day)


@pytest.mark.parametrize("day", [date(2026, 2, 14), date(2026, 2, 28)])
def test_spring_festival_2026_adjusted_saturdays_are_working_days(day):
    assert day.weekday() == 5
    assert is_working_day(day)


def test_five_working_days_across_spring_festival_2026():
    # Fri 02-13 -> Sat 02-14 (adjusted), then 02-24, 02-25, 02-26, 02-27
    assert add_working_days(date(2026, 2, 13), 5) == date(2026, 2, 27)
    assert previous_working_day(date(2026, 2, 24)) == date(2026, 2, 14)


# An ordinary weekend.


def test_an_ordinary_weekend_is_skipped():
    friday, saturday, sunday, monday = (date(2025, 11, d) for d in (14, 15, 16, 17))
    assert is_working_day(friday)
    assert not is_working_day(saturday)
    assert not is_working_day(sunday)
    assert add_working_days(friday, 1) == monday
    assert add_working_days(saturday, 1) == monday
    assert add_working_days(friday, 5) == date(2025, 11, 21)
    assert previous_working_day(monday) == friday
    assert previous_working_day(sunday) == friday


def test_the_start_day_never_counts_and_zero_days_is_the_start():
    assert add_working_days(date(2025, 11, 17), 1) == date(2025, 11, 18)
    assert add_working_days(date(2025, 11, 15), 0) == date(2025, 11, 15)


def test_a_negative_number_of_days_is_refused():
    with pytest.raises(ValueError):
        add_working_days(date(2025, 11, 17), -1)


# Years nobody entered: statutory holidays by rule, and the count is provisional.


def test_the_years_chinesecalendar_knows_are_seeded_as_official_schedules():
    assert HolidaySchedule.objects.filter(year__in=[2025, 2026]).count() == 2
    assert ScheduleDay.objects.get(date=date(2026, 2, 14)).kind == DayKind.WORKDAY
    assert not HolidaySchedule.objects.filter(year=2027).exists()


def test_an_unentered_year_takes_the_statutory_holidays_by_rule():
    # 2027-01-01 is a Friday: New Year's Day by rule, not a working day
    assert not is_working_day(date(2027, 1, 1))
    friday_2027 = date(2027, 1, 8)
    assert is_working_day(friday_2027)
    assert not is_working_day(date(2027, 1, 9))
    assert add_working_days(friday_2027, 1) == date(2027, 1, 11)
    assert previous_working_day(date(2027, 1, 11)) == friday_2027
    # National Day 2027 by rule: 10-01 .. 10-05 off (with the observed days)
    assert not any(is_working_day(date(2027, 10, d)) for d in range(1, 6))
    assert not WorkCalendar().is_official(2027)


def test_a_deadline_into_an_unentered_year_skips_new_year_and_is_provisional():
    # Mon 2026-12-28 -> 12-29, 12-30, 12-31, (Fri 01-01 off by rule), Mon 01-04, Tue 01-05
    assert working_day_deadline(date(2026, 12, 28), 5) == (date(2027, 1, 5), True)
    # Fri 2026-12-25 -> 12-28 .. 12-31, then 01-04 (not 01-01 itself)
    assert working_day_deadline(date(2026, 12, 25), 5) == (date(2027, 1, 4), True)
    # wholly inside a known year: official
    assert working_day_deadline(date(2026, 12, 21), 5) == (date(2026, 12, 28), False)


def test_an_entered_year_counts_its_adjusted_working_days_and_is_official():
    enter(
        2027,
        {
            date(2027, 1, 1): DayKind.HOLIDAY,
            date(2027, 1, 4): DayKind.HOLIDAY,
            date(2026, 12, 27): DayKind.WORKDAY,
        },
    )
    deadline = working_day_deadline(date(2026, 12, 28), 5)
    assert deadline == (date(2027, 1, 6), False)
    # the 2027 notice's adjusted working day in December 2026 is looked up by its date
    assert is_working_day(date(2026, 12, 27))


def test_a_staff_correction_of_a_seeded_year_overrides_chinesecalendar():
    day = ScheduleDay.objects.get(date=date(2026, 10, 7))
    day.kind = DayKind.WORKDAY
    day.save()
    assert is_working_day(date(2026, 10, 7))


def test_a_known_year_whose_rows_are_gone_falls_back_to_chinesecalendar_not_to_rules():
    HolidaySchedule.objects.filter(year=2026).delete()
    assert WorkCalendar().is_official(2026)
    assert is_working_day(date(2026, 2, 14))  # the adjusted Saturday, which rules do not know
    assert not is_working_day(date(2026, 10, 7))


def test_a_calendar_reads_each_year_once(django_assert_num_queries):
    calendar = WorkCalendar()
    with django_assert_num_queries(2):  # 2026: the schedule's existence, then its days
        calendar.deadline(date(2026, 9, 30), 5)
        calendar.previous_working_day(date(2026, 10, 13))
