"""The one place "now" comes from, so tests can move the clock (time-machine)."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

SHANGHAI = ZoneInfo("Asia/Shanghai")


def now() -> datetime:
    return timezone.now()


def local_today():
    """Today's date in Asia/Shanghai, the exchange's business day."""
    return now().astimezone(SHANGHAI).date()


_DB_NOW_SQL = {
    # The transaction's start: a bid that waited for a lock is judged by when it arrived.
    "postgresql": "SELECT CURRENT_TIMESTAMP",
    "sqlite": "SELECT strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')",
}


def db_clock():
    """The database's clock as an expression, to fold into a query that runs anyway (the
    bid path reads it with the lot's row lock); Python's clock with CLOCK_FROM_DATABASE
    off, like :func:`db_now`."""
    from django.conf import settings
    from django.db.models import DateTimeField, Value
    from django.db.models.functions import Now

    if not getattr(settings, "CLOCK_FROM_DATABASE", True):
        return Value(now(), output_field=DateTimeField())
    return Now()


def db_now() -> datetime:
    """The database's clock, the one time source every server process shares (auction
    phases and deadlines are judged by it, whatever a web process's own clock says).

    With ``settings.CLOCK_FROM_DATABASE`` off (the test settings), this is ``now()``, so
    tests can move the clock with time-machine.
    """
    from django.conf import settings
    from django.db import connection

    if not getattr(settings, "CLOCK_FROM_DATABASE", True):
        return now()
    with connection.cursor() as cursor:
        cursor.execute(_DB_NOW_SQL[connection.vendor])
        value = cursor.fetchone()[0]
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
