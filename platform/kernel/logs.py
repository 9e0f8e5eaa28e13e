"""Request ids and JSON log lines.

Every log line written while a request runs carries its request id (the caller's
``X-Request-ID`` when it is sane, else a new one; answered in the response header), and so
does work queued for the worker where the queue row keeps it (the SMS outbox): the worker
logs under that id while it handles the row. ``DJANGO_ENV=production`` writes one JSON
object per line (settings.LOGGING).
"""

import contextlib
import contextvars
import json
import logging
import re
import uuid
from datetime import UTC, datetime

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
_SANE = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def current_request_id() -> str:
    return _request_id.get()


def request_id_from(header: str | None) -> str:
    if header and _SANE.match(header):
        return header
    return uuid.uuid4().hex


@contextlib.contextmanager
def request_id_bound(value: str):
    token = _request_id.set(value)
    try:
        yield value
    finally:
        _request_id.reset(token)


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, exception."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "") or _request_id.get(),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)
