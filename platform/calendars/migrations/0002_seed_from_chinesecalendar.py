"""Seed the schedule with every year chinesecalendar knows, so staff see (and may correct)
them in the admin. Later years are entered by staff as the State Council publishes them."""

from django.db import migrations
from django.utils import timezone


def seed(apps, schema_editor):
    import chinese_calendar
    from chinese_calendar import constants

    HolidaySchedule = apps.get_model("calendars", "HolidaySchedule")
    ScheduleDay = apps.get_model("calendars", "ScheduleDay")
    version = getattr(chinese_calendar, "__version__", "")
    years = sorted({day.year for day in constants.holidays})
    for year in years:
        if HolidaySchedule.objects.filter(year=year).exists():
            continue
        schedule = HolidaySchedule.objects.create(
            year=year,
            notice=f"国务院办公厅关于{year}年部分节假日安排的通知（由 chinesecalendar {version} 导入）",
            entered_at=timezone.now(),
        )
        days = [
            ScheduleDay(schedule=schedule, date=day, kind="HOLIDAY", name=name)
            for day, name in constants.holidays.items()
            if day.year == year
        ] + [
            ScheduleDay(schedule=schedule, date=day, kind="WORKDAY", name=name)
            for day, name in constants.workdays.items()
            if day.year == year
        ]
        ScheduleDay.objects.bulk_create(days)


class Migration(migrations.Migration):
    dependencies = [("calendars", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
