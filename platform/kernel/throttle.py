"""Failure counters shared by every process (the cache: Redis in production).

One mechanism for every lockout: GraphQL logins, code checks and the admin login count
failures here, keyed by what was tried (a phone) and by who tried (a client address).
"""

from datetime import timedelta

from django.core.cache import cache


def _key(name: str, subject: str) -> str:
    return f"throttle:{name}:{subject}"


def throttle_blocked(name: str, subject: str | None, *, limit: int) -> bool:
    """True when ``subject`` failed ``limit`` times or more within the window."""
    return bool(subject) and cache.get(_key(name, subject), 0) >= limit


def throttle_hit(name: str, subject: str | None, *, window: timedelta) -> None:
    """Count one failure of ``subject``; the window starts with the first failure."""
    if not subject:
        return
    key = _key(name, subject)
    cache.add(key, 0, timeout=int(window.total_seconds()))
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=int(window.total_seconds()))


def throttle_clear(name: str, subject: str | None) -> None:
    if subject:
        cache.delete(_key(name, subject))
