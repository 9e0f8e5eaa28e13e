"""Probes, metrics and request ids (issue 13): /healthz, /readyz, /metrics, X-Request-ID."""

import json
import logging
import os
import socket
import subprocess
import sys
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings as django_settings
from django.test import Client
from prometheus_client.registry import REGISTRY

from config.ops import RequestIdMiddleware, heartbeat
from kernel.clock import now
from kernel.logs import JsonFormatter, RequestIdFilter, request_id_bound
from tests.api.helpers import gid
from tests.api.test_auctions import BID
from tests.factories import bidder, lot

pytestmark = pytest.mark.django_db


def dead_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def ready(client: Client | None = None):
    response = (client or Client()).get("/readyz")
    return response.status_code, response.json()


def all_ok() -> dict:
    checks = {"database": "ok", "storage": "ok", "worker": "ok"}
    if django_settings.REDIS_URL:
        checks["redis"] = "ok"
    return checks


def test_healthz_answers_while_the_process_is_up_without_checking_anything(monkeypatch):
    monkeypatch.setitem(django_settings.DATABASES["default"], "NAME", "/nonexistent/db")
    monkeypatch.setitem(django_settings.DATABASES["default"], "PORT", dead_port())
    response = Client().get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_readyz_is_ready_when_the_database_storage_redis_and_a_fresh_worker_answer():
    heartbeat("clock")
    assert ready() == (200, {"ready": True, "checks": all_ok()})


@pytest.mark.skipif(
    "pool" not in django_settings.DATABASES["default"].get("OPTIONS", {}),
    reason="PostgreSQL with Django's pool only",
)
def test_readyz_checks_the_database_on_a_connection_of_its_own_not_from_the_pool():
    from django.db.backends.postgresql.base import DatabaseWrapper

    heartbeat("clock")
    assert ready()[0] == 200
    assert "readyz" not in DatabaseWrapper._connection_pools  # no second pool kept open


def test_readyz_answers_a_probe_by_any_host_over_plain_http(settings):
    settings.ALLOWED_HOSTS = ["api.example.org"]
    settings.SECURE_SSL_REDIRECT = True
    heartbeat("clock")
    response = Client(HTTP_HOST="10.1.2.3:8000").get("/readyz")
    assert response.status_code == 200
    assert Client(HTTP_HOST="10.1.2.3:8000").get("/graphql").status_code == 400


def test_readyz_fails_while_the_database_is_unreachable_and_recovers(monkeypatch):
    heartbeat("clock")
    database = django_settings.DATABASES["default"]
    if "sqlite" in database["ENGINE"]:
        monkeypatch.setitem(database, "NAME", "/nonexistent-directory/db.sqlite3")
    else:
        monkeypatch.setitem(database, "PORT", dead_port())

    status, body = ready()
    assert status == 503
    assert body["ready"] is False
    assert body["checks"]["database"].startswith("OperationalError")
    assert {name for name, result in body["checks"].items() if result != "ok"} == {"database"}

    monkeypatch.undo()
    assert ready() == (200, {"ready": True, "checks": all_ok()})


def test_readyz_fails_while_redis_is_unreachable_and_recovers(settings):
    heartbeat("clock")
    configured = settings.REDIS_URL
    settings.REDIS_URL = f"redis://127.0.0.1:{dead_port()}/0"

    status, body = ready()
    assert status == 503
    assert body["checks"]["redis"].startswith("ConnectionError")
    assert {name for name, result in body["checks"].items() if result != "ok"} == {"redis"}

    settings.REDIS_URL = configured  # the embedded default: no Redis, none checked
    assert ready() == (200, {"ready": True, "checks": all_ok()})


def test_readyz_fails_while_the_storage_is_unreachable_and_recovers(settings, tmp_path):
    heartbeat("clock")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    storages = settings.STORAGES
    settings.STORAGES = {
        **storages,
        "default": {**storages["default"], "OPTIONS": {"location": str(blocker / "private")}},
    }
    status, body = ready()
    assert status == 503
    assert body["checks"]["storage"].startswith("NotADirectoryError")

    blocker.unlink()
    assert ready() == (200, {"ready": True, "checks": all_ok()})


def test_readyz_fails_while_the_worker_clock_is_stale_and_recovers(settings):
    settings.READYZ_WORKER_MAX_AGE_SECONDS = 30
    status, body = ready()
    assert (status, body["checks"]["worker"]) == (503, "RuntimeError: no heartbeat yet")

    heartbeat("clock")
    with time_machine.travel(now() + timedelta(seconds=31), tick=False):
        status, body = ready()
        assert (status, body["checks"]["worker"]) == (
            503,
            "RuntimeError: last beat 31 s ago (max 30 s)",
        )
        heartbeat("clock")
        assert ready() == (200, {"ready": True, "checks": all_ok()})


def test_readyz_leaves_the_worker_out_when_its_age_limit_is_zero(settings):
    settings.READYZ_WORKER_MAX_AGE_SECONDS = 0
    status, body = ready()
    assert status == 200
    assert "worker" not in body["checks"]


def sample(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_metrics_count_graphql_operations_by_name_and_outcome_and_bids(signed_in_as):
    the_lot = lot(start_price=Decimal("100000.00"))
    client = signed_in_as(bidder(the_lot))
    named_bid = BID.replace("mutation(", "mutation PlaceBid(", 1)
    before = {
        "ok": sample("graphql_operations_total", operation="PlaceBid", outcome="ok"),
        "error": sample("graphql_operations_total", operation="Nope", outcome="error"),
        "accepted": sample("bids_total", outcome="accepted"),
        "refused": sample("bids_total", outcome="refused"),
    }

    def place(amount: str, key: str):
        variables = {"input": {"lotId": gid("Lot", the_lot.pk), "amount": amount}}
        variables["input"]["idempotencyKey"] = key
        return client(named_bid, variables)["data"]["bidPlace"]["errors"]

    assert place("100000", "k-000001") == []
    assert [error["code"] for error in place("100000", "k-000002")] == ["BID_TOO_LOW"]
    client.raw("query Nope { nothingHere }")

    assert sample("graphql_operations_total", operation="PlaceBid", outcome="ok") == (
        before["ok"] + 2
    )
    assert sample("graphql_operations_total", operation="Nope", outcome="error") == (
        before["error"] + 1
    )
    assert sample("bids_total", outcome="accepted") == before["accepted"] + 1
    assert sample("bids_total", outcome="refused") == before["refused"] + 1


def test_metrics_are_exposed_with_requests_and_the_worker_lag(settings):
    heartbeat("clock")
    with time_machine.travel(now() + timedelta(seconds=7), tick=False):
        body = Client().get("/metrics").content.decode()
    assert 'worker_lag_seconds{loop="clock"} 7.0' in body
    assert 'http_requests_total{method="GET",status="2xx"}' in body
    assert "# TYPE graphql_subscribers_connected gauge" in body
    assert "# TYPE live_events_delivered_total counter" in body


def test_metrics_ask_for_the_token_when_one_is_set(settings):
    settings.METRICS_TOKEN = "s3cret"
    assert Client().get("/metrics").status_code == 401
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret").status_code == 200


def test_a_request_answers_the_callers_request_id_or_a_new_one():
    given = Client().get("/healthz", HTTP_X_REQUEST_ID="abc-123")
    assert given["X-Request-ID"] == "abc-123"
    made = Client().get("/healthz", HTTP_X_REQUEST_ID="no spaces allowed")
    assert len(made["X-Request-ID"]) == 32
    assert made["X-Request-ID"] != Client().get("/healthz")["X-Request-ID"]


class _Lines(logging.Handler):
    def __init__(self):
        super().__init__()
        self.addFilter(RequestIdFilter())
        self.setFormatter(JsonFormatter())
        self.lines: list[dict] = []

    def emit(self, record):
        self.lines.append(json.loads(self.format(record)))


def test_every_log_line_of_a_request_carries_its_request_id_as_json(rf):
    handler = _Lines()
    log = logging.getLogger("tests.operations")
    log.addHandler(handler)
    try:

        def view(request):
            log.info("inside %s", "the view")
            from django.http import HttpResponse

            return HttpResponse("ok")

        RequestIdMiddleware(view)(rf.get("/x", HTTP_X_REQUEST_ID="req-42"))
        log.warning("after the request")
    finally:
        log.removeHandler(handler)
    assert [(line["message"], line["request_id"], line["level"]) for line in handler.lines] == [
        ("inside the view", "req-42", "INFO"),
        ("after the request", "", "WARNING"),
    ]
    assert handler.lines[0]["logger"] == "tests.operations"


def test_the_json_formatter_keeps_the_exception():
    with request_id_bound("r-1"):
        try:
            raise ValueError("boom")
        except ValueError:
            record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), None)
            import sys

            record.exc_info = sys.exc_info()
            line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "r-1"
    assert "ValueError: boom" in line["exception"]


def test_production_logs_are_json_lines_with_the_request_id(tmp_path):
    script = (
        "import django, logging; django.setup(); "
        "from kernel.logs import request_id_bound\n"
        "with request_id_bound('rid-prod'): logging.getLogger('probe').warning('上线')"
    )
    env = {
        **os.environ,
        "DJANGO_ENV": "production",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECRET_KEY": "k" * 50,
        "ALLOWED_HOSTS": "api.example.org",
    }
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    line = json.loads(done.stderr.strip().splitlines()[-1])
    assert (line["level"], line["logger"], line["message"], line["request_id"]) == (
        "WARNING",
        "probe",
        "上线",
        "rid-prod",
    )
