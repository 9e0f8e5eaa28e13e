from django.conf import settings
from django.db import models


class HolidaySchedule(models.Model):
    """One year's official holiday arrangement (国务院办公厅关于某年部分节假日安排的通知),
    as entered by staff: its days are the ``ScheduleDay`` rows of that year.

    A year with a schedule counts working days exactly; a year without one falls back to the
    statutory holidays computed by rule, and deadlines counted over it are provisional.
    """

    year = models.PositiveSmallIntegerField("年度", unique=True)
    notice = models.CharField(
        "依据通知",
        max_length=200,
        help_text="例如：国务院办公厅关于2027年部分节假日安排的通知（国办发明电〔2026〕×号）",
    )
    notice_url = models.URLField("通知链接", blank=True)
    published_on = models.DateField("发布日期", null=True, blank=True)
    entered_at = models.DateTimeField("录入时间")
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = verbose_name_plural = "节假日安排"
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year}年节假日安排"


class DayKind(models.TextChoices):
    HOLIDAY = "HOLIDAY", "放假"
    WORKDAY = "WORKDAY", "调休上班"


class ScheduleDay(models.Model):
    """A day the schedule changes: a day off (any day of the week inside a holiday) or a
    Saturday or Sunday worked instead (调休上班). Every other day is Monday to Friday."""

    schedule = models.ForeignKey(
        HolidaySchedule, verbose_name="节假日安排", on_delete=models.CASCADE, related_name="days"
    )
    # An adjusted working day may fall in the year before (2011-12-31 worked for 2012's New
    # Year), so days are looked up by date, not by their schedule's year.
    date = models.DateField("日期", unique=True)
    kind = models.CharField("类型", max_length=10, choices=DayKind.choices)
    name = models.CharField("节日", max_length=50, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "放假与调休日"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}".strip()
