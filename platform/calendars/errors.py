from django.utils.translation import gettext_lazy as _

from kernel.errors import ErrorCode


class CalendarErrorCode(ErrorCode):
    SCHEDULE_EXISTS = (
        "SCHEDULE_EXISTS",
        _("The holiday schedule of {year} is already entered: replace it explicitly."),
    )
    SCHEDULE_LINE_INVALID = (
        "SCHEDULE_LINE_INVALID",
        _("Line {line} is not “date,kind,name” with kind 休 or 班 (HOLIDAY or WORKDAY)."),
    )
    SCHEDULE_DAY_OUTSIDE_YEAR = (
        "SCHEDULE_DAY_OUTSIDE_YEAR",
        _("{day} is not in {year} (an adjusted working day may be in the December before)."),
    )
    SCHEDULE_WORKDAY_NOT_WEEKEND = (
        "SCHEDULE_WORKDAY_NOT_WEEKEND",
        _("{day} is a weekday: only a Saturday or Sunday can be an adjusted working day."),
    )
    SCHEDULE_DAY_TWICE = ("SCHEDULE_DAY_TWICE", _("{day} is listed twice."))
