"""Scalars whose default Strawberry behaviour the API changes, in one place each.

``DateTime``: every instant the API returns is written in UTC (``+00:00``), whatever zone
the value was computed in (a registration deadline is reckoned in Asia/Shanghai, rows come
from the database in UTC): one convention for clients to parse and compare. Inputs may carry
any offset (``+08:00`` included).
"""

import dataclasses
from datetime import UTC, datetime

from django.utils import timezone
from strawberry.schema.types.base_scalars import DateTimeDefinition


def serialize_datetime(value: datetime) -> str:
    """``value`` as ISO 8601 in UTC; a naive value is taken as the exchange's local time."""
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value.astimezone(UTC).isoformat()


DATETIME = dataclasses.replace(
    DateTimeDefinition,
    description="An instant, ISO 8601, always returned in UTC "
    "(`2026-12-01T08:00:00+00:00`): show it in the viewer's zone (the exchange's is "
    "Asia/Shanghai). Inputs may carry any offset.",
    serialize=serialize_datetime,
)

SCALAR_OVERRIDES = {datetime: DATETIME}
