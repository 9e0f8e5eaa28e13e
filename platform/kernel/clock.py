"""The one place "now" comes from, so tests can move the clock (time-machine)."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

SHANGHAI = ZoneInfo("Asia/Shanghai")


def now() -> datetime:
    return timezone.now()


def local_today():
    """Today's date in Asia/Shanghai, the exchange's business day."""
    return now().astimezone(SHANGHAI).date()
