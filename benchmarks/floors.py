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
- CPU per ``lots(first: 100)`` and ``listings(first: 100)`` request through the schema vs a
  bare ORM read of the same fields serialized with ``json.dumps`` (<= 1.5);
- fan-out over real sockets under one Daphne with Redis pub/sub (benchmarks/fanout.py): CPU
  per delivered message at N = 100/300/1,000 vs a bare Channels consumer in the same Daphne
  (<= 1.3), 1,000 subscribers at 5 bids/s placed over HTTP (0 misses, p99 < 250 ms), and
  the group subscriptions left after a mass disconnect (0);
- the import check of 10,000 rows vs a bare openpyxl read-only pass (<= 3) and its peak
  RSS (< 300 MB) (benchmarks/listing_import.py, SQLite, processes of their own).
``BENCH_DB_PREFIX`` names the throwaway database (default ``bench_bidding``); ``--redis``
(default redis://127.0.0.1:6379/7, or ``BENCH_REDIS``) the Redis; the Daphne listens on a
free port of 8710-8789 with a channel-layer prefix of its own.
Pooled connections are measured by benchmarks/connections.py (docs/connections.md).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.factories
import bidding
import fanout

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


LISTINGS = """{ listings(first: 100) { edges { node { id title type field status startPrice
  listedAt shop { name } } } } }"""


def hall_row(rounds: int, requests: int = 30) -> dict:
    """CPU per hall page through the schema vs a bare read of the same fields."""
    from django.contrib.auth.models import AnonymousUser
    from strawberry import relay

    from auctions.models import Lot
    from kernel.clock import now
    from listings.models import Listing
    from listings.selectors import ON_SALE
    from schema import schema
    from schema.context import Context
    from tests import factories

    session = Lot.objects.first().session
    while Lot.objects.count() < 100:
        factories.lot(session_obj=session)
    request = bidding.types.SimpleNamespace(META={}, user=AnonymousUser())

    def through_graphql(query):
        def run(_n):
            result = schema.execute_sync(query, context_value=Context(request=request))
            assert not result.errors, result.errors
            assert len(next(iter(result.data.values()))["edges"]) == 100

        return run

    def money(value):
        return None if value is None else f"{value:.2f}"

    def bare_lots(_n):
        at = now()
        rows = []
        for lot in Lot.objects.select_related("session", "listing__shop").order_by("ends_at", "pk")[
            :100
        ]:
            rows.append(
                {
                    "id": relay.to_base64("Lot", lot.pk),
                    "startPrice": money(lot.start_price),
                    "increment": money(lot.increment),
                    "currentPrice": money(lot.current_price),
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

    def bare_listings(_n):
        rows = []
        listings = (
            Listing.objects.filter(status__in=ON_SALE)
            .select_related("shop")
            .order_by("-listed_at", "-id")[:100]
        )
        for listing in listings:
            rows.append(
                {
                    "id": relay.to_base64("Listing", listing.pk),
                    "title": listing.title or None,
                    "type": listing.type,
                    "field": listing.field or None,
                    "status": listing.status,
                    "startPrice": money(listing.start_price),
                    "listedAt": listing.listed_at and listing.listed_at.isoformat(),
                    "shop": {"name": listing.shop.name},
                }
            )
        assert len(rows) == 100
        json.dumps({"data": {"listings": {"edges": [{"node": row} for row in rows]}}})

    out = {}
    for name, product, bare in (
        ("lots", through_graphql(HALL), bare_lots),
        ("listings", through_graphql(LISTINGS), bare_listings),
    ):
        product(0), bare(0)  # warm
        graphql_cpu, bare_cpu = [], []
        for _ in range(rounds):
            graphql_cpu.append(_timed(product, requests)[1] / requests)
            bare_cpu.append(_timed(bare, requests)[1] / requests)
        out[name] = {"graphql_ms": min(graphql_cpu) * 1000, "bare_ms": min(bare_cpu) * 1000}
    return out


def _ratio_row(name, value, floor, target: str, holds) -> tuple:
    ratio = value / floor if floor else float("inf")
    return (name, value, floor, ratio, target, holds(ratio))


def table(bids: dict, hall: dict, fan: dict | None, imports: dict | None) -> list[tuple]:
    rows = [
        _ratio_row(
            "bidPlace via GraphQL vs the service (bids/s)",
            bids["graphql"],
            bids["service"],
            ">= 0.8",
            lambda r: r >= 0.8,
        ),
        _ratio_row(
            "bid service vs raw psycopg transaction (tx/s)",
            bids["service"],
            bids["raw"],
            ">= 0.25",
            lambda r: r >= 0.25,
        ),
        (
            "SQL statements per accepted bid (besides BEGIN, COMMIT)",
            bids["statements"],
            3,
            bids["statements"] / 3,
            "<= 5",
            bids["statements"] <= 5,
        ),
    ]
    for name in ("lots", "listings"):
        rows.append(
            _ratio_row(
                f"hall {name}(first: 100), CPU ms per request (vs a bare ORM read + json)",
                hall[name]["graphql_ms"],
                hall[name]["bare_ms"],
                "<= 1.5",
                lambda r: r <= 1.5,
            )
        )
    if fan:
        for n, product in fan["cpu"].items():
            bare = fan["bare"][n]
            misses = product["misses"] + bare["misses"]
            rows.append(
                _ratio_row(
                    f"fan-out, Daphne CPU us per delivered message, N = {n:,}"
                    f" (vs a bare consumer; misses: {misses})",
                    product["cpu_us"],
                    bare["cpu_us"],
                    "<= 1.3, 0 misses",
                    lambda r, misses=misses: r <= 1.3 and misses == 0,
                )
            )
        live = fan["live"]
        rows.append(
            (
                f"fan-out, {live['subscribers']:,} subscribers at 5 bids/s over HTTP: misses,"
                " p50 / p99 ms from the bid's time to the client",
                f"{live['misses']}, {live['p50_ms']:.0f} / {live['p99_ms']:.0f}",
                "-",
                "-",
                "0, p99 < 250",
                live["misses"] == 0 and live["p99_ms"] < 250,
            )
        )
        rows.append(
            (
                f"fan-out, Redis subscriptions to a lot's group left after its "
                f"{live['subscribers']:,} sockets closed at once",
                fan["stale"],
                0,
                "-",
                "0",
                fan["stale"] == 0,
            )
        )
    if imports:
        bare, check = imports["bare"], imports["check"]
        rows.append(
            _ratio_row(
                "import check of 10,000 rows, s (vs a bare openpyxl read-only pass)",
                check["wall"],
                bare["wall"],
                "<= 3",
                lambda r: r <= 3,
            )
        )
        rows.append(
            (
                "import check, peak RSS MiB (the process, Django included; + the step's own)",
                f"{check['rss_peak']:.0f} (+{check['rss_peak'] - check['rss_start']:.0f})",
                f"{bare['rss_peak']:.0f} (+{bare['rss_peak'] - bare['rss_start']:.0f})",
                "-",
                "< 300",
                check["rss_peak"] < 300,
            )
        )
    return rows


def _cell(value, digits: int) -> str:
    return f"{value:.{digits}f}" if isinstance(value, int | float) else str(value)


def render(rows) -> str:
    lines = ["| figure | product | floor | ratio | target | holds |", "|---|---|---|---|---|---|"]
    for name, value, floor, ratio, target, holds in rows:
        lines.append(
            f"| {name} | {_cell(value, 1)} | {_cell(floor, 1)} | {_cell(ratio, 2)} | {target} "
            f"| {'yes' if holds else 'NO'} |"
        )
    return "\n".join(lines)


def import_rows(rows: int = 10_000) -> dict:
    """The import benchmark in its own processes (SQLite, as benchmarks/listing_import.py)."""
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "listing_import.py"),
            "--json",
            "--rows",
            f"{rows}",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"import benchmark failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bids", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--server", default=bidding.DEFAULT_SERVER)
    parser.add_argument("--redis", default=os.environ.get("BENCH_REDIS", fanout.DEFAULT_REDIS))
    parser.add_argument("--fanout-sizes", default="100,300,1000")
    parser.add_argument("--fanout-rounds", type=int, default=2)
    parser.add_argument("--no-fanout", action="store_true")
    parser.add_argument("--no-import", action="store_true")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--only", choices=["hall"], help="one row alone, printed, not written")
    args = parser.parse_args()
    name, url = bidding.database_create(args.server)
    if args.only == "hall":
        try:
            with tempfile.TemporaryDirectory() as media:
                bidding.setup_django(url, None, media)
                bidding.prepare(1)
                print(json.dumps(hall_row(args.rounds)))
        finally:
            from django.db import connections

            connections.close_all()
            bidding.database_drop(args.server, name)
        return
    fan = None
    try:
        with tempfile.TemporaryDirectory() as media:
            bidding.setup_django(url, None, media)
            lot, pairs = bidding.prepare(1)
            bids = bid_rows(lot, pairs, args.bids, args.rounds)
            hall = hall_row(args.rounds)
            if not args.no_fanout:
                fan = fanout.run(
                    url,
                    media,
                    sizes=[int(n) for n in args.fanout_sizes.split(",")],
                    rounds=args.fanout_rounds,
                    redis_url=args.redis,
                )
    finally:
        from django.db import connections

        connections.close_all()
        bidding.database_drop(args.server, name)
    imports = None if args.no_import else import_rows()
    rows = table(bids, hall, fan, imports)
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
