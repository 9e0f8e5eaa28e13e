"""Serializing check-then-insert sections that have no row to lock."""

import zlib

from django.db import connection


def serialize_on(*keys: str) -> None:
    """Hold a transaction-scoped lock on each key until the surrounding transaction ends.

    PostgreSQL: advisory locks, taken in a fixed order so two callers never deadlock.
    SQLite: nothing to do, its IMMEDIATE transactions already serialize writers.
    Call inside ``transaction.atomic()``.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for key in sorted(set(keys)):
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [zlib.crc32(key.encode())])
