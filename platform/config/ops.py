"""What an orchestrator and an operator probe: ``/healthz``, ``/readyz``, ``/metrics``.

- ``/healthz``: the process answers (no dependency checked), for a liveness probe.
- ``/readyz``: 200 when every check passes, else 503, with ``{"ready": …, "checks": {name:
  "ok" | reason}}``: the database (a fresh connection, so a dead pool is not hidden), Redis
  when ``REDIS_URL`` is set, the file storage, and the worker's heartbeat (the clock loop
  beat within ``READYZ_WORKER_MAX_AGE_SECONDS``; 0 leaves the worker out).
- ``/metrics``: Prometheus text (kernel.metrics), plus ``worker_lag_seconds`` per loop;
  with ``METRICS_TOKEN`` set, only for ``Authorization: Bearer <token>``.
"""

import os
import socket

from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connections
from django.db.utils import load_backend
from django.http import HttpResponse, JsonResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY

from kernel.clock import now
from kernel.logs import request_id_bound, request_id_from
from kernel.metrics import REQUESTS

from .models import WorkerHeartbeat

CHECK_TIMEOUT = 2  # seconds, for each dependency


def heartbeat(loop: str) -> None:
    """Record that ``loop`` finished a round (several workers: the latest beat wins)."""
    worker = f"{socket.gethostname()}:{os.getpid()}"[:100]
    at = now()
    if not WorkerHeartbeat.objects.filter(loop=loop).update(beat_at=at, worker=worker):
        WorkerHeartbeat.objects.bulk_create(
            [WorkerHeartbeat(loop=loop, beat_at=at, worker=worker)], ignore_conflicts=True
        )


def worker_lags() -> dict[str, float]:
    """Seconds since each loop's last round."""
    at = now()
    return {
        loop: max(0.0, (at - beat_at).total_seconds())
        for loop, beat_at in WorkerHeartbeat.objects.values_list("loop", "beat_at")
    }


def _check_database() -> None:
    db = connections.configure_settings({"default": dict(settings.DATABASES["default"])})
    db = db["default"]
    if "postgresql" in db["ENGINE"]:
        # Not from the pool (a pooled connection would hide a dead server, and this alias
        # would keep a pool of its own): a connection opened and closed here.
        options = {key: value for key, value in db["OPTIONS"].items() if key != "pool"}
        db["OPTIONS"] = {**options, "connect_timeout": CHECK_TIMEOUT}
    wrapper = load_backend(db["ENGINE"]).DatabaseWrapper(db, "readyz")
    try:
        with wrapper.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        wrapper.close()


def _check_redis() -> None:
    import redis

    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=CHECK_TIMEOUT, socket_timeout=CHECK_TIMEOUT
    )
    try:
        client.ping()
    finally:
        client.close()


def _check_storage() -> None:
    """The upload directory exists (or can be made) and is writable; the object store is
    asked about its bucket (one HEAD within 2 s, no retry: reachable, bucket there,
    credentials accepted)."""
    if isinstance(default_storage, FileSystemStorage):
        location = default_storage.location
        os.makedirs(location, exist_ok=True)
        if not os.access(location, os.W_OK | os.X_OK):
            raise PermissionError(f"{location} is not writable")
    else:
        default_storage.probe()


def _check_worker() -> None:
    max_age = settings.READYZ_WORKER_MAX_AGE_SECONDS
    lag = worker_lags().get("clock")
    if lag is None:
        raise RuntimeError("no heartbeat yet")
    if lag > max_age:
        raise RuntimeError(f"last beat {lag:.0f} s ago (max {max_age} s)")


def readiness() -> dict[str, str]:
    checks = {"database": _check_database, "storage": _check_storage}
    if settings.REDIS_URL:
        checks["redis"] = _check_redis
    if settings.READYZ_WORKER_MAX_AGE_SECONDS:
        checks["worker"] = _check_worker
    results = {}
    for name, check in checks.items():
        try:
            check()
        except Exception as exc:
            results[name] = f"{type(exc).__name__}: {exc}"[:200]
        else:
            results[name] = "ok"
    return results


@never_cache
def healthz(request):
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request):
    checks = readiness()
    ready = all(result == "ok" for result in checks.values())
    return JsonResponse({"ready": ready, "checks": checks}, status=200 if ready else 503)


class _WorkerLag:
    def collect(self):
        family = GaugeMetricFamily(
            "worker_lag_seconds", "Seconds since the worker loop's last round", labels=["loop"]
        )
        try:
            lags = worker_lags()
        except Exception:  # the database is down: /readyz says so, /metrics still answers
            lags = {}
        for loop, lag in sorted(lags.items()):
            family.add_metric([loop], lag)
        yield family


@never_cache
def metrics(request):
    token = settings.METRICS_TOKEN
    if token and not constant_time_compare(
        request.headers.get("Authorization", ""), f"Bearer {token}"
    ):
        return HttpResponse(status=401, headers={"WWW-Authenticate": "Bearer"})
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    output = generate_latest(registry)
    lag_registry = CollectorRegistry()
    lag_registry.register(_WorkerLag())
    output += generate_latest(lag_registry)
    return HttpResponse(output, content_type=CONTENT_TYPE_LATEST)


class RequestIdMiddleware:
    """Binds the request id (``X-Request-ID`` or a new one) for every log line of the
    request, answers it in the response header and counts the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with request_id_bound(request_id_from(request.headers.get("X-Request-ID"))) as rid:
            request.request_id = rid
            probe = PROBES.get(request.path_info)
            # Probes answer before the host check and the HTTPS redirect: a kubelet or a
            # balancer asks by the pod's address over plain HTTP.
            response = probe(request) if probe else self.get_response(request)
            response["X-Request-ID"] = rid
        method = request.method if request.method in METHODS else "other"
        REQUESTS.labels(method, f"{response.status_code // 100}xx").inc()
        return response


PROBES = {"/healthz": healthz, "/readyz": readyz}
METHODS = {"GET", "POST", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"}
