"""Prometheus metrics of the platform (exposed at ``/metrics`` by ``config.ops``).

Each instrumentation point is one increment at its call site. Several processes (Daphne
copies, workers): each process counts in its own memory and is scraped on its own, unless
``PROMETHEUS_MULTIPROC_DIR`` is set (before start, to an empty directory shared by the
processes of one host, wiped at each deploy): then prometheus_client writes every process's
samples to files there and ``/metrics`` of any web process sums them (README, Operations).
The worker's lag is computed at scrape time from its heartbeat rows, so it is right from
any process whichever mode is used.
"""

import re

from prometheus_client import Counter, Gauge

REQUESTS = Counter(
    "http_requests", "HTTP requests answered, by method and status class", ["method", "status"]
)
GRAPHQL_OPERATIONS = Counter(
    "graphql_operations",
    "GraphQL operations over HTTP, by operation name and outcome (ok, error, rejected)",
    ["operation", "outcome"],
)
BIDS = Counter("bids", "bidPlace calls, by outcome (accepted, replayed, refused)", ["outcome"])
SUBSCRIBERS = Gauge(
    "graphql_subscribers_connected",
    "GraphQL subscriptions currently open in this process",
    multiprocess_mode="livesum",
)
LIVE_EVENTS_DELIVERED = Counter(
    "live_events_delivered", "Live events sent to subscribers, by event type", ["type"]
)
SMS = Counter("sms_deliveries", "SMS delivery attempts by the worker, by result", ["status"])


_NAMED = re.compile(r"^\s*(?:query|mutation|subscription)\s+([A-Za-z_][A-Za-z0-9_]*)")


def operation_label(name: str | None, query: str | None = None) -> str:
    """A bounded label for a client-chosen operation name: the request's ``operationName``,
    else the name of the document's first operation."""
    if not name and query:
        named = _NAMED.match(query)
        name = named.group(1) if named else None
    if not name:
        return "anonymous"
    name = name[:64]
    return name if name.replace("_", "a").isalnum() and name.isascii() else "invalid"
