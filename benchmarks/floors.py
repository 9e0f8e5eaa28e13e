"""The product's figures beside their floors, measured in one run (interleaved rounds on a
shared box: the ratios are what count), printed as a table and written to
docs/benchmarks.md.

    .venv/bin/python benchmarks/floors.py [--bids 300] [--rounds 3] [--no-write]

PostgreSQL only; a throwaway database is created and dropped (see benchmarks/bidding.py).
Rows:
- accepted bids/s through GraphQL (``schema.execute_sync`` with a ``bidPlace`` mutation)
  vs the ``bid_place`` service they call (target >= 0.8);
- the service vs the floor: the same transaction in raw psycopg on one connection
  (``SELECT ... FOR UPDATE``, ``UPDATE`` the lot, ``INSERT`` the bid, ``COMMIT``) (>= 0.25);
- SQL statements per accepted bid (<= 5);
- CPU per ``lots(first: 100)`` request through the schema vs a bare ORM read of the same
  fields serialized with ``json.dumps`` (<= 1.5).
Not measured here (see docs/benchmarks.md): HTTP under Daphne, fan-out; pooled connections
are measured by benchmarks/connections.py (docs/connections.md).
"""

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.factories
import bidding

ROOT = Path(__file__).resolve().parent.parent
HALL = """{ lots(first: 100) { edges { node { id startPrice increment currentPrice bidCount
  endsAt phase listing { title shop { name } } } } } }"""


def _timed(function, count: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds) for ``count`` calls."""
    wall, cpu = time.perf_counter(), time.process_time()
    for n in range(count):
        function(n)
    return time.perf_counter() - wall, time.process_time() - cpu


def bid_rows(lot, pairs, bids: int, rounds: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    (alice, bob), *_ = pairs
    service, graphql = bidding.service_placer(lot.pk), bidding.graphql_placer(lot.pk)
    # One thread: the price and the leader are known without reading them back.
    state = {"key": 0, "turn": 0, "price": None}

    def next_bid():
        state["price"] = (
            lot.start_price if state["price"] is None else state["price"] + lot.increment
        )
        state["turn"] ^= 1
        state["key"] += 1
        bidder = (alice, bob)[state["turn"]][0]
        return bidder, state["price"], f"floor-{state['key']:08d}"

    def placer(place):
        def one(_n):
            assert place(*next_bid())

        return one

    user, amount, key = next_bid()
    with CaptureQueriesContext(connection) as queries:
        service(user, amount, key)
    captured = [
        q["sql"]
        for q in queries.captured_queries
        if "SAVEPOINT" not in q["sql"] and q["sql"] not in ("BEGIN", "COMMIT")
    ]
    if os.environ.get("BENCH_VERBOSE"):
        print("\n".join(sql[:160] for sql in captured))
    statements = len(captured)

    results = {"service": [], "graphql": [], "raw": []}
    for _ in range(rounds):
        for name, function in (("service", placer(service)), ("graphql", placer(graphql))):
            wall, _cpu = _timed(function, bids)
            results[name].append(bids / wall)
        results["raw"].append(raw_transactions(bids))
    best = {name: max(values) for name, values in results.items()}
    return {"statements": statements, **best}


def raw_transactions(count: int) -> float:
    """The same lock, update and insert in raw psycopg on its own lot row (the floor)."""
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    connection = psycopg.connect(
        dbname=db["NAME"],
        user=db["USER"],
        host=db["HOST"],
        port=db["PORT"],
        password=db["PASSWORD"],
    )
    cursor = connection.cursor()
    cursor.execute(
        "CREATE TABLE IF NOT EXISTS floor_lot (id int primary key, price numeric, seq int)"
    )
    cursor.execute(
        "CREATE TABLE IF NOT EXISTS floor_bid (id serial primary key, lot int, seq int, "
        "amount numeric, at timestamptz, UNIQUE (lot, seq))"
    )
    cursor.execute("INSERT INTO floor_lot VALUES (1, 0, 0) ON CONFLICT DO NOTHING")
    connection.commit()
    started = time.perf_counter()
    for _ in range(count):
        cursor.execute(
            "SELECT price, seq, CURRENT_TIMESTAMP FROM floor_lot WHERE id = 1 FOR UPDATE"
        )
        price, seq, at = cursor.fetchone()
        cursor.execute(
            "UPDATE floor_lot SET price = %s, seq = %s WHERE id = 1", (price + 1000, seq + 1)
        )
        cursor.execute(
            "INSERT INTO floor_bid (lot, seq, amount, at) VALUES (1, %s, %s, %s)",
            (seq + 1, price + 1000, at),
        )
        connection.commit()
    elapsed = time.perf_counter() - started
    connection.close()
    return count / elapsed


def hall_row(rounds: int, requests: int = 30) -> dict:
    """CPU per hall page through the schema vs a bare read of the same fields."""
    from django.contrib.auth.models import AnonymousUser
    from strawberry import relay

    from auctions.models import Lot
    from kernel.clock import now
    from schema import schema
    from schema.context import Context
    from tests import factories

    session = Lot.objects.first().session
    while Lot.objects.count() < 100:
        factories.lot(session_obj=session)
    request = bidding.types.SimpleNamespace(META={}, user=AnonymousUser())

    def through_graphql(_n):
        result = schema.execute_sync(HALL, context_value=Context(request=request))
        assert not result.errors, result.errors

    def bare(_n):
        at = now()
        rows = []
        for lot in Lot.objects.select_related("session", "listing__shop").order_by("ends_at", "pk")[
            :100
        ]:
            rows.append(
                {
                    "id": relay.to_base64("Lot", lot.pk),
                    "startPrice": f"{lot.start_price:.2f}",
                    "increment": f"{lot.increment:.2f}",
                    "currentPrice": None
                    if lot.current_price is None
                    else f"{lot.current_price:.2f}",
                    "bidCount": lot.bid_count,
                    "endsAt": lot.ends_at.isoformat(),
                    "phase": lot.phase_at(at),
                    "listing": {
                        "title": lot.listing.title,
                        "shop": {"name": lot.listing.shop.name},
                    },
                }
            )
        json.dumps({"data": {"lots": {"edges": [{"node": row} for row in rows]}}})

    through_graphql(0), bare(0)  # warm
    graphql_cpu, bare_cpu = [], []
    for _ in range(rounds):
        graphql_cpu.append(_timed(through_graphql, requests)[1] / requests)
        bare_cpu.append(_timed(bare, requests)[1] / requests)
    return {"graphql_ms": min(graphql_cpu) * 1000, "bare_ms": min(bare_cpu) * 1000}


def table(bids: dict, hall: dict) -> list[tuple]:
    return [
        (
            "bidPlace via GraphQL vs the service (bids/s)",
            bids["graphql"],
            bids["service"],
            bids["graphql"] / bids["service"],
            ">= 0.8",
            bids["graphql"] / bids["service"] >= 0.8,
        ),
        (
            "bid service vs raw psycopg transaction (tx/s)",
            bids["service"],
            bids["raw"],
            bids["service"] / bids["raw"],
            ">= 0.25",
            bids["service"] / bids["raw"] >= 0.25,
        ),
        (
            "SQL statements per accepted bid (besides BEGIN, COMMIT)",
            bids["statements"],
            3,
            bids["statements"] / 3,
            "<= 5",
            bids["statements"] <= 5,
        ),
        (
            "hall lots(first: 100), CPU ms per request",
            hall["graphql_ms"],
            hall["bare_ms"],
            hall["graphql_ms"] / hall["bare_ms"],
            "<= 1.5",
            hall["graphql_ms"] / hall["bare_ms"] <= 1.5,
        ),
    ]


def render(rows) -> str:
    lines = ["| figure | product | floor | ratio | target | holds |", "|---|---|---|---|---|---|"]
    for name, value, floor, ratio, target, holds in rows:
        lines.append(
            f"| {name} | {value:.1f} | {floor:.1f} | {ratio:.2f} | {target} "
            f"| {'yes' if holds else 'NO'} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bids", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--server", default=bidding.DEFAULT_SERVER)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    name, url = bidding.database_create(args.server)
    try:
        with tempfile.TemporaryDirectory() as media:
            bidding.setup_django(url, None, media)
            lot, pairs = bidding.prepare(1)
            bids = bid_rows(lot, pairs, args.bids, args.rounds)
            hall = hall_row(args.rounds)
    finally:
        from django.db import connections

        connections.close_all()
        bidding.database_drop(args.server, name)
    rows = table(bids, hall)
    text = render(rows)
    print(text)
    if not args.no_write:
        write_doc(text)


def write_doc(text: str) -> None:
    path = ROOT / "docs" / "benchmarks.md"
    machine = f"{os.cpu_count()} cores, {os.uname().machine}, Python {sys.version.split()[0]}"
    body = path.read_text() if path.exists() else ""
    marker = "<!-- floors -->"
    block = (
        f"{marker}\n## Floors (`make bench`, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
        f"{machine}; PostgreSQL on the same box)\n\n{text}\n{marker}\n"
    )
    if marker in body:
        head, _, rest = body.partition(marker)
        _, _, tail = rest.partition(marker + "\n")
        body = head + block + tail
    else:
        body = (body or "# Benchmarks\n\n") + "\n" + block
    path.write_text(body)


if __name__ == "__main__":
    main()
