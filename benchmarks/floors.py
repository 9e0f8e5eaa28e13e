"""The product's figures beside their floors, measured in one run (interleaved rounds on a
shared box: the ratios are what count), printed as a table and written to
docs/benchmarks.md.

    .venv/bin/python benchmarks/floors.py [--bids 300] [--rounds 3] [--no-write]
        [--only bids,hot,hall,fanout,import] [--hot-clients 64] [--hot-seconds 8]

PostgreSQL only; a throwaway database is created and dropped (see benchmarks/bidding.py).
``--only`` measures some rows (the table is then printed, not written: add --no-write).
Rows:
- accepted bids/s through GraphQL (``schema.execute_sync`` with a ``bidPlace`` mutation)
  vs the ``bid_place`` service they call (target >= 0.8);
- the service vs the floor: the same transaction in raw psycopg on one connection
  (``SELECT ... FOR UPDATE``, ``UPDATE`` the lot, ``INSERT`` the bid, ``COMMIT``) (>= 0.25).
  The service and GraphQL run, one thread, as Daphne runs a request's sync code: in
  asgiref's thread of a running event loop (:func:`under_event_loop`), so the live events
  published after commit go out on that loop, through the Redis pub/sub layer as in
  production (``--redis``, a channel-layer prefix of the run's own). Beside it, for
  information, the service where no event loop runs (a worker process, a script: its
  events go through the process's one background loop, ``live.events._background_loop``),
  and the same three statements in raw psycopg on the product's tables (the ``same``
  floor: the database's own work for them);
- SQL statements per accepted bid (<= 5);
- a hot lot over HTTP (``hot``): ``--hot-clients`` clients (threads of this process, one
  keep-alive connection and one approved bidder each) race on one lot under one Daphne
  (the product's ASGI app, Redis pub/sub layer), each bidding one increment over the
  highest price it has seen accepted; a client that leads waits until it is outbid.
  Accepted bids/s and tries/s (accepted + outbid: BID_TOO_LOW, LEADER_CANNOT_RAISE)
  through GraphQL's ``bidPlace`` vs a bare Django view calling the same ``bid_place``
  behind the same middleware (benchmarks/hotlot_urls.py), alternating rounds, the mean of
  each; every response body is checked (a transport error, a status other than 200, a
  GraphQL error, any other refusal is a failure) and so is the lot's history afterwards
  (hash chain, gapless sequence, as many bids as were accepted) (>= 0.8, 0 failures).
  Over HTTP rather than threads in this process: what the issue measured, and what
  decides a hot lot in production is the server's one thread for sync views (Django's
  ASGI handler runs them one at a time per process), which in-process threads would not
  have;
- CPU per ``lots(first: 100)`` and ``listings(first: 100)`` request through the schema vs a
  bare ORM read of the same fields serialized with ``json.dumps`` (<= 1.5);
- fan-out over real sockets under one Daphne with Redis pub/sub (benchmarks/fanout.py): CPU
  per delivered message at N = 100/300/1,000 vs a bare Channels consumer in the same Daphne
  (<= 1.3), 1,000 subscribers at 5 bids/s placed over HTTP (0 misses, p99 < 250 ms), and
  the group subscriptions left after a mass disconnect (0);
- the import check of 10,000 rows vs a bare openpyxl read-only pass (<= 3) and its peak
  RSS (< 300 MB) (benchmarks/listing_import.py, SQLite, processes of their own).
``BENCH_DB_PREFIX`` names the throwaway database (default ``bench_bidding``); ``--redis``
(default redis://127.0.0.1:6379/7, or ``BENCH_REDIS``) the Redis; the Daphnes listen on a
free port of 8710-8789 with a channel-layer prefix of their own.
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


def under_event_loop(function, *args):
    """Run ``function`` as Daphne runs a request's sync code: in asgiref's thread for the
    sync code of a running event loop. ``async_to_sync`` in it (the live events' publish
    after commit) then hands its coroutine to that loop and waits for it (where no loop
    runs, the events go through the process's background loop instead). Returns the
    function's result and its wall time."""
    import asyncio

    from asgiref.sync import sync_to_async

    def run():
        from django.db import connections

        try:
            return function(*args)
        finally:
            connections.close_all()  # this thread's connection

    async def main():
        started = time.perf_counter()
        result = await sync_to_async(run, thread_sensitive=True)()
        return result, time.perf_counter() - started

    return asyncio.run(main())


def bid_rows(lot, pairs, bids: int, rounds: int) -> dict:
    """Accepted bids/s, one thread, interleaved: the service and GraphQL as under Daphne
    (:func:`under_event_loop`), the service where no event loop runs (a worker process's
    context), and the raw psycopg floor; the best round of each."""
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

    for place in (service, graphql):  # untimed: imports, first statements, schema caches
        under_event_loop(_timed, placer(place), 20)
    user, amount, key = next_bid()
    with CaptureQueriesContext(connection) as queries:
        service(user, amount, key)
    captured = [
        q["sql"] or "(a prepared statement: its text is not kept)"
        for q in queries.captured_queries
        if "SAVEPOINT" not in (q["sql"] or "") and q["sql"] not in ("BEGIN", "COMMIT")
    ]
    if os.environ.get("BENCH_VERBOSE"):
        print("\n".join(sql[:160] for sql in captured))
    statements = len(captured)

    # Short blocks, interleaved, the best of each: on a shared box a block that others
    # leave alone is what the code costs; ``rounds`` x ``bids`` bids per figure in all.
    block = max(50, bids // 3)
    same_lot, same_pairs = bidding.prepare(1)  # a lot of its own for the same-statements floor
    same = same_statements_placer(same_lot, same_pairs)
    results = {"service": [], "graphql": [], "service_no_loop": [], "same": [], "raw": []}
    for turn in range(max(1, rounds * bids // block)):
        served = [("service", placer(service)), ("graphql", placer(graphql))]
        for name, function in served[:: 1 if turn % 2 else -1]:  # each goes first by turns
            _timings, wall = under_event_loop(_timed, function, block)
            results[name].append(block / wall)
        wall, _cpu = _timed(placer(service), block)
        results["service_no_loop"].append(block / wall)
        results["same"].append(same(block))
        results["raw"].append(raw_transactions(block))
    best = {name: max(values) for name, values in results.items()}
    return {"statements": statements, **best}


def hot_lot_row(
    url: str, media: str, redis_url: str, *, clients: int, seconds: float, rounds: int
) -> dict:
    """``clients`` HTTP clients race on one lot under one Daphne (the product's ASGI app, the
    Redis pub/sub layer), each outbidding the highest price it knows: through GraphQL's
    ``bidPlace`` or through a bare Django view calling the same ``bid_place``
    (benchmarks/hotlot_urls.py), alternating, the mean of the rounds; then the lot's history
    is checked (hash chain, gapless sequence, as many bids as were accepted)."""
    import secrets

    hot = bidding.hot_lot_prepare(clients)
    daphne = fanout.Daphne(
        url,
        redis_url,
        f"hot-bench-{secrets.token_hex(3)}",
        media,
        app="config.asgi:application",
        settings="hotlot_settings",
    )
    placed = 0
    results = {"product": [], "bare": []}
    try:
        for product in (True, False):  # warm: imports, the pool's connections, caches
            placed += bidding.hot_lot_round(daphne.port, hot, product=product, seconds=2)["placed"]
        for _ in range(rounds):
            for name in ("product", "bare"):
                row = bidding.hot_lot_round(
                    daphne.port, hot, product=name == "product", seconds=seconds
                )
                placed += row["placed"]
                results[name].append(row)
    finally:
        daphne.stop()
    check = bidding.verify(hot["lot"], placed)
    history = check["verified"] and check["gapless"] and check["count"] == check["length"] == placed
    out = {"clients": clients, "history_ok": history}
    for name, rows in results.items():
        # The mean of the rounds, not the best: a round accepts only a few dozen bids (one
        # in about ``clients`` tries wins; the rest were outbid meanwhile).
        out[name] = {
            "accepted": sum(row["accepted"] for row in rows) / len(rows),
            "tries": sum(row["tries"] for row in rows) / len(rows),
            "failures": sum(len(row["failures"]) for row in rows),
        }
        for failure in [f for row in rows for f in row["failures"]][:3]:
            print(f"hot lot, {name}: {failure}", file=sys.stderr)
    return out


def _raw_connection():
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    return psycopg.connect(
        dbname=db["NAME"],
        user=db["USER"],
        host=db["HOST"],
        port=db["PORT"],
        password=db["PASSWORD"],
    )


def same_statements_placer(lot, pairs):
    """The floor with the product's own statements: the bid path's three SQL statements
    (``auctions.services.bid_rows``: the snapshot, the row lock, the INSERT with the
    lot's UPDATE) on the product's tables, indexes and constraints, with their parameters
    worked out in a few lines of Python, in raw psycopg on one connection of its own, on
    a lot of its own. What separates the service from it is the service's Python (the
    checks, the hash chain, the model rows, Django's cursor and transaction, the live
    events), not the database's work."""
    import hashlib
    import uuid

    from django.db import connection as django_connection

    from auctions.models import LotPullStatus
    from auctions.services import bid_rows

    vendor = django_connection.vendor
    clock_sql = bid_rows._clock_sql()
    snapshot_sql = bid_rows._snapshot_sql(vendor, clock_sql)
    locked_sql = bid_rows._locked_sql(vendor, clock_sql, True, bid_rows._lock_clause())
    write_sql = bid_rows._write_sql(vendor, 1, bid_rows.LOT_FIELDS_A_BID_CHANGES)
    (alice, bob), *_ = pairs
    bidders = [alice, bob]
    from auctions.models import Registration

    numbers = dict(Registration.objects.filter(lot=lot).values_list("pk", "bidder_number"))
    run = uuid.uuid4().hex[:8]
    state = {"n": 0}

    def transactions(count: int) -> float:
        connection = _raw_connection()
        cursor = connection.cursor()
        started = time.perf_counter()
        for _ in range(count):
            state["n"] += 1
            user, registration_id = bidders[state["n"] % 2]
            key = f"same-{run}-{state['n']:08d}"
            cursor.execute(snapshot_sql, (key, LotPullStatus.PENDING.value, lot.pk, user.pk))
            cursor.fetchone()
            cursor.execute(locked_sql, (registration_id, key, lot.pk))
            row = cursor.fetchone()
            start, increment, current = row[2], row[3], row[4]
            bid_count, last_seq, head, ends_at, at = row[7], row[8], row[9], row[10], row[-2]
            amount = start if current is None else current + increment
            seq = last_seq + 1
            digest = hashlib.sha256(f"{head}|{seq}|{amount}|{key}".encode()).hexdigest()
            bid = [
                lot.pk,
                registration_id,
                seq,
                amount,
                numbers[registration_id],
                at,
                False,
                False,
                None,
                2,
                key,
                ends_at,
                head or "0" * 64,
                digest,
            ]
            moved = [seq, digest, amount, registration_id, None, bid_count + 1, ends_at, lot.pk]
            cursor.execute(write_sql, bid + moved)
            cursor.fetchall()
            connection.commit()
        elapsed = time.perf_counter() - started
        connection.close()
        return count / elapsed

    return transactions


def raw_transactions(count: int) -> float:
    """The same lock, update and insert in raw psycopg on its own lot row (the floor)."""
    connection = _raw_connection()
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


def table(
    bids: dict | None,
    hall: dict | None,
    fan: dict | None,
    imports: dict | None,
    hot: dict | None = None,
) -> list[tuple]:
    rows = []
    if bids:
        rows += bid_table(bids)
    if hot:
        rows.append(hot_table(hot))
    if hall:
        rows += hall_table(hall)
    if fan:
        rows += fan_table(fan)
    if imports:
        rows += import_table(imports)
    return rows


def bid_table(bids: dict) -> list[tuple]:
    return [
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
        _ratio_row(
            "bid service vs its own three statements in raw psycopg, on its tables (tx/s;"
            " the rest is the service's Python)",
            bids["service"],
            bids["same"],
            "-",
            lambda r: None,
        ),
        _ratio_row(
            "those three statements vs the raw psycopg transaction above (tx/s; the"
            " database's work for the product's tables and statements)",
            bids["same"],
            bids["raw"],
            "-",
            lambda r: None,
        ),
        _ratio_row(
            "bid service where no event loop runs (a worker's context) vs raw psycopg (tx/s)",
            bids["service_no_loop"],
            bids["raw"],
            "-",
            lambda r: None,
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


def hot_table(hot: dict) -> tuple:
    product, bare = hot["product"], hot["bare"]
    failures = product["failures"] + bare["failures"]
    ratio = product["accepted"] / bare["accepted"] if bare["accepted"] else float("inf")
    history = "history OK" if hot["history_ok"] else "HISTORY CHECK FAILED"
    return (
        f"hot lot, {hot['clients']} HTTP clients racing on one Daphne: accepted / tries per s"
        f" (bidPlace vs a bare Django view calling bid_place; failures: {failures}; {history})",
        f"{product['accepted']:.1f} / {product['tries']:.1f}",
        f"{bare['accepted']:.1f} / {bare['tries']:.1f}",
        ratio,
        ">= 0.8, 0 failures",
        ratio >= 0.8 and failures == 0 and hot["history_ok"],
    )


def hall_table(hall: dict) -> list[tuple]:
    rows = []
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
    return rows


def fan_table(fan: dict) -> list[tuple]:
    rows = []
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
    return rows


def import_table(imports: dict) -> list[tuple]:
    rows = []
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
            f"| {'-' if holds is None else 'yes' if holds else 'NO'} |"
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


SECTIONS = ("bids", "hot", "hall", "fanout", "import")


def sections(text: str) -> set[str]:
    chosen = {part.strip() for part in text.split(",") if part.strip()}
    unknown = chosen - set(SECTIONS)
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f"a comma-separated list of {', '.join(SECTIONS)}")
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bids", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--server", default=bidding.DEFAULT_SERVER)
    parser.add_argument("--redis", default=os.environ.get("BENCH_REDIS", fanout.DEFAULT_REDIS))
    parser.add_argument("--hot-clients", type=int, default=64)
    parser.add_argument("--hot-seconds", type=float, default=8)
    parser.add_argument("--fanout-sizes", default="100,300,1000")
    parser.add_argument("--fanout-rounds", type=int, default=2)
    parser.add_argument(
        "--only",
        type=sections,
        default=set(SECTIONS),
        help=f"the rows to measure, of {','.join(SECTIONS)} (default: all)",
    )
    parser.add_argument("--no-fanout", action="store_true")
    parser.add_argument("--no-import", action="store_true")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    only = set(args.only)
    if args.no_fanout:
        only.discard("fanout")
    if args.no_import:
        only.discard("import")
    if args.only != set(SECTIONS) and not args.no_write:
        parser.error("a partial table (--only) is printed, not written: add --no-write")
    bids = hot = hall = fan = imports = None
    if only & {"bids", "hot", "hall", "fanout"}:
        name, url = bidding.database_create(args.server)
        try:
            with tempfile.TemporaryDirectory() as media:
                # The bids' live events through Redis, as in production, under a prefix
                # of this run's own (pub/sub channels are shared by every database).
                os.environ["CHANNEL_LAYER_PREFIX"] = f"floors{os.getpid()}"
                bidding.setup_django(url, args.redis, media)
                lot, pairs = bidding.prepare(1)
                # Collected as a web process is (the in-process rows: bids, hall); the
                # rows served by Daphne get the same from config/asgi.py.
                from config.collector import tune_garbage_collection

                tune_garbage_collection()
                if "bids" in only:
                    bids = bid_rows(lot, pairs, args.bids, args.rounds)
                if "hot" in only:
                    hot = hot_lot_row(
                        url,
                        media,
                        args.redis,
                        clients=args.hot_clients,
                        seconds=args.hot_seconds,
                        rounds=min(args.rounds, 2),
                    )
                if "hall" in only:
                    hall = hall_row(args.rounds)
                if "fanout" in only:
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
    if "import" in only:
        imports = import_rows()
    rows = table(bids, hall, fan, imports, hot)
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
