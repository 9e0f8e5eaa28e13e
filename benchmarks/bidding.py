"""Bidding throughput on one lot: accepted bids per second from 1, 8 and 32 threads calling
``bid_place``, and the same sequential bids through the GraphQL schema.

    .venv/bin/python benchmarks/bidding.py [--bids 400] [--threads 1,8,32]
        [--graphql-bids N] [--database-url URL] [--redis [URL]]

PostgreSQL only (real row locks). By default a throwaway database ``bench_bidding_<random>``
is created on ``--server`` (postgres://postgres@127.0.0.1:5432) with psycopg and dropped at
the end, error or not; ``--database-url`` uses an existing database instead (migrated, and a
lot with its bidders is added to it; nothing is dropped). SMS go to the in-memory backend;
live events go to the in-memory channel layer, or to Redis with ``--redis``.

Set-up: migrate, one lot in its bidding phase (tests.factories.lot) and two approved bidders
per thread (tests.factories.bidder). Then, for each thread count, every thread repeatedly
takes one of the ``--bids`` bids still to place and places it: it reads the lot's current
price and leader, bids current + increment as whichever of its two bidders is not leading,
with a fresh idempotency key, and tries again on BID_TOO_LOW / LEADER_CANNOT_RAISE (another
thread got there first; counted as refused attempts) until the bid is accepted. Each thread
keeps one database connection for the round (as a pooled server would) and closes it at the
end. Measured: wall time, accepted bids/s, refused attempts, latency of the accepted calls
(p50/p95/p99, the ``bid_place`` or ``execute_sync`` call only, not the price read) and the
process's CPU time per accepted bid. The GraphQL row runs the same loop at one thread through
``schema.execute_sync`` with a ``bidPlace`` mutation, right after the one-thread service row.

At the end the lot's history is checked: ``bid_chain_verify`` (hash chain, gapless sequence,
head) and, separately, that ``seq`` runs 1..N without gaps or repeats and N is the number of
bids accepted here.

``hot_lot_prepare`` and ``hot_lot_round`` are the hot-lot row of benchmarks/floors.py: many
HTTP clients racing on one lot under a Daphne, through ``bidPlace`` or the bare view of
benchmarks/hotlot_urls.py.
"""

import argparse
import math
import os
import secrets
import signal
import sys
import tempfile
import threading
import time
import types
import uuid
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS = "redis://127.0.0.1:6379"
WARMUP_BIDS = 20  # per path, untimed: first queries, imports, schema caches

MUTATION = """
mutation Bid($input: BidPlaceInput!) {
  bidPlace(input: $input) {
    replayed
    bid { seq amount }
    errors { code field }
  }
}
"""


# -- the throwaway database ----------------------------------------------------------------


def _connect(server_url: str):
    import psycopg

    return psycopg.connect(server_url, autocommit=True)


def database_create(server_url: str) -> tuple[str, str]:
    """Create ``<BENCH_DB_PREFIX>_<random>`` (default prefix ``bench_bidding``, so that
    databases of several people on one server can be told apart); return its name and URL."""
    from psycopg import sql

    name = f"{os.environ.get('BENCH_DB_PREFIX', 'bench_bidding')}_{secrets.token_hex(4)}"
    connection = _connect(server_url)
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        connection.close()
    return name, urlsplit(server_url)._replace(path=f"/{name}").geturl()


def database_drop(server_url: str, name: str) -> None:
    from psycopg import sql

    connection = _connect(server_url)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
    finally:
        connection.close()


# -- Django --------------------------------------------------------------------------------


def setup_django(database_url: str, redis_url: str | None, media: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DATABASE_URL"] = database_url
    if redis_url:
        os.environ["REDIS_URL"] = redis_url
    else:
        os.environ.pop("REDIS_URL", None)  # the in-memory channel layer
    os.environ["SMS_BACKEND"] = "notifications.sms.InMemoryBackend"
    os.environ["PRIVATE_MEDIA_ROOT"] = media
    # The embedded layer's relay file (events to other processes) in the run's own directory.
    os.environ["LIVE_RELAY_PATH"] = str(Path(media) / "live-relay.sqlite3")
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ["DEBUG"] = "0"  # as in production: no SQL query log
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit(f"PostgreSQL needed, got {connection.vendor}")


def prepare(bidder_pairs: int):
    """Migrate; one lot in bidding and ``bidder_pairs`` pairs of approved bidders."""
    from django.core.management import call_command
    from django.test.utils import override_settings

    call_command("migrate", verbosity=0)
    from auctions.models import Registration
    from tests import factories

    # The factory users get a password; a fast hasher keeps set-up out of the way.
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        lot = factories.lot()
        users = [factories.bidder(lot) for _ in range(2 * bidder_pairs)]
    lot.refresh_from_db()  # Decimals, not the factory's strings
    registrations = dict(Registration.objects.filter(lot=lot).values_list("user_id", "pk"))
    bidders = [(user, registrations[user.pk]) for user in users]
    return lot, [(bidders[2 * i], bidders[2 * i + 1]) for i in range(bidder_pairs)]


# -- placing a bid: the service, or the GraphQL schema ---------------------------------------

RETRY_CODES = {"BID_TOO_LOW", "LEADER_CANNOT_RAISE"}


def service_placer(lot_id: int):
    from auctions.services.bidding import bid_place
    from kernel.errors import DomainError

    def place(user, amount, key: str) -> bool:
        """True if accepted, False if refused for a reason worth a retry; raise otherwise."""
        try:
            outcome = bid_place(user=user, lot_id=lot_id, amount=amount, idempotency_key=key)
        except DomainError as exc:
            if {item.code.value for item in exc.items} <= RETRY_CODES:
                return False
            raise
        assert not outcome.replayed
        return True

    return place


def graphql_placer(lot_id: int):
    from strawberry import relay

    from schema import schema
    from schema.context import Context

    lot_gid = relay.to_base64("Lot", lot_id)
    request = types.SimpleNamespace(META={})

    def place(user, amount, key: str) -> bool:
        result = schema.execute_sync(
            MUTATION,
            variable_values={
                "input": {"lotId": lot_gid, "amount": f"{amount:.2f}", "idempotencyKey": key}
            },
            context_value=Context(request=request, user=user),
        )
        if result.errors:
            raise RuntimeError(f"GraphQL errors: {result.errors}")
        payload = result.data["bidPlace"]
        if payload["errors"]:
            if {error["code"] for error in payload["errors"]} <= RETRY_CODES:
                return False
            raise RuntimeError(f"bidPlace refused: {payload['errors']}")
        assert not payload["replayed"] and payload["bid"] is not None
        return True

    return place


# -- one round ---------------------------------------------------------------------------


def run_round(lot, pairs, threads: int, bids: int, place) -> dict:
    """``threads`` threads place ``bids`` accepted bids between them."""
    from django.db import connections

    from auctions.models import Lot

    lock = threading.Lock()
    state = {"tickets": bids, "refused": 0}
    latencies: list[float] = []
    failures: list[BaseException] = []
    stop = threading.Event()
    barrier = threading.Barrier(threads + 1)
    start_price, increment = lot.start_price, lot.increment

    def worker(pair) -> None:
        mine: list[float] = []
        refused = 0
        try:
            barrier.wait()
            while not stop.is_set():
                with lock:
                    if state["tickets"] == 0:
                        break
                    state["tickets"] -= 1
                while not stop.is_set():  # this bid, until accepted
                    price, leader = Lot.objects.values_list("current_price", "leader_id").get(
                        pk=lot.pk
                    )
                    user = pair[0][0] if pair[0][1] != leader else pair[1][0]
                    amount = start_price if price is None else price + increment
                    started = time.perf_counter()
                    accepted = place(user, amount, uuid.uuid4().hex)
                    elapsed = time.perf_counter() - started
                    if accepted:
                        mine.append(elapsed)
                        break
                    refused += 1
        except BaseException as exc:
            failures.append(exc)
            stop.set()
        finally:
            with lock:
                latencies.extend(mine)
                state["refused"] += refused
            connections.close_all()

    workers = [
        threading.Thread(target=worker, args=(pairs[i],), name=f"bidder-{i}")
        for i in range(threads)
    ]
    for thread in workers:
        thread.start()
    try:
        barrier.wait()
        cpu, wall = time.process_time(), time.perf_counter()
        for thread in workers:
            thread.join()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    except BaseException:  # interrupted: stop the workers (and their connections) first
        stop.set()
        barrier.abort()
        for thread in workers:
            thread.join()
        raise
    if failures:
        raise RuntimeError(f"{len(failures)} thread(s) failed") from failures[0]
    assert len(latencies) == bids, (len(latencies), bids)
    latencies.sort()
    return {
        "threads": threads,
        "accepted": len(latencies),
        "wall": wall,
        "rate": len(latencies) / wall,
        "refused": state["refused"],
        "attempts": (len(latencies) + state["refused"]) / wall,
        "p50": percentile(latencies, 50) * 1000,
        "p95": percentile(latencies, 95) * 1000,
        "p99": percentile(latencies, 99) * 1000,
        "cpu_per_bid": cpu / max(len(latencies), 1) * 1000,
        "cpu_share": cpu / wall,
    }


def percentile(ordered: list[float], p: float) -> float:
    """Nearest rank."""
    if not ordered:
        return float("nan")
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def verify(lot, expected: int) -> dict:
    from django.db.models import Count, Max, Min

    from auctions.services.chain import bid_chain_verify

    lot.refresh_from_db()
    chain = bid_chain_verify(lot)
    seqs = lot.bids.aggregate(
        n=Count("pk"), distinct=Count("seq", distinct=True), low=Min("seq"), high=Max("seq")
    )
    gapless = (
        seqs["n"] == seqs["distinct"] == (seqs["high"] or 0) == lot.last_seq
        and (seqs["low"] or 1) == 1
    )
    return {
        "verified": chain.verified,
        "length": chain.length,
        "broken_at": chain.broken_at_seq,
        "gapless": gapless,
        "count": seqs["n"],
        "expected": expected,
        "last_seq": lot.last_seq,
    }


# -- a hot lot over HTTP: many clients racing on one lot (benchmarks/floors.py) -------------

HOT_MUTATION = """mutation($input: BidPlaceInput!) { bidPlace(input: $input) {
  bid { seq amount } errors { code } } }"""


def hot_lot_prepare(clients: int) -> dict:
    """A lot of its own in bidding with ``clients`` approved bidders and their API tokens."""
    from django.test.utils import override_settings

    from accounts.services.tokens import api_token_issue
    from tests import factories

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        lot = factories.lot()
        users = [factories.bidder(lot) for _ in range(clients)]
    lot.refresh_from_db()
    return {
        "lot": lot,
        "users": [user.pk for user in users],
        "tokens": [api_token_issue(user=user)[1] for user in users],
    }


class _Race:
    """What the clients of one process know of the lot: the highest price accepted so far
    and whose (a client that leads waits until it is outbid)."""

    def __init__(self, price, leader: int | None) -> None:
        self.price, self.leader = price, leader
        self.changed = threading.Condition()

    def ahead(self, amount, client: int) -> None:
        with self.changed:
            if self.price is None or amount > self.price:
                self.price, self.leader = amount, client
                self.changed.notify_all()


def _hot_client(port, hot, index, race, product, stop, deadline, out) -> None:
    import http.client
    import json
    from decimal import Decimal

    from strawberry import relay

    lot = hot["lot"]
    lot_gid = relay.to_base64("Lot", lot.pk)
    token = hot["tokens"][index]
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    accepted = tries = late = 0
    failures: list[str] = []
    try:
        while not stop.is_set():
            with race.changed:
                if race.leader == index:  # leading: nothing to outbid until someone does
                    race.changed.wait(0.05)
                    continue
                price = race.price
            amount = lot.start_price if price is None else price + lot.increment
            key = f"hot-{secrets.token_hex(8)}"
            if product:
                path = "/graphql"
                variables = {"lotId": lot_gid, "amount": f"{amount:.2f}", "idempotencyKey": key}
                body = {"query": HOT_MUTATION, "variables": {"input": variables}}
            else:
                path, body = "/bench/bid", {"lot": lot.pk, "amount": f"{amount:.2f}", "key": key}
            try:
                connection.request("POST", path, json.dumps(body), headers)
                response = connection.getresponse()
                raw = response.read()
                payload = json.loads(raw)
            except Exception as exc:  # a dropped connection: a failure, then a new one
                failures.append(f"{type(exc).__name__}: {exc}")
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                continue
            in_time = time.perf_counter() <= deadline
            result = (payload.get("data") or {}).get("bidPlace") if product else payload
            if response.status != 200 or (product and payload.get("errors")) or not result:
                failures.append(raw.decode(errors="replace")[:300])
                continue
            if result["errors"]:
                if {error["code"] for error in result["errors"]} <= RETRY_CODES:
                    tries += in_time  # outbid meanwhile: a try, not a bid
                    continue
                failures.append(raw.decode(errors="replace")[:300])
                continue
            if Decimal(result["bid"]["amount"]) != amount or not result["bid"]["seq"]:
                failures.append(f"accepted as something else: {result}")
                continue
            race.ahead(amount, index)
            accepted += in_time
            tries += in_time
            late += not in_time
    finally:
        connection.close()
        out[index] = (accepted, tries, late, failures)


def hot_lot_round(port: int, hot: dict, *, product: bool, seconds: float) -> dict:
    """Every client races on the lot for ``seconds``: accepted bids and tries (accepted +
    outbid) per second within the window; failures (a transport error, an HTTP status
    other than 200, a GraphQL error, a refusal other than outbid) are listed."""
    from auctions.models import Lot, Registration

    lot = hot["lot"]
    price, leader_id = Lot.objects.values_list("current_price", "leader_id").get(pk=lot.pk)
    leader = None
    if leader_id is not None:
        user_id = Registration.objects.values_list("user_id", flat=True).get(pk=leader_id)
        leader = hot["users"].index(user_id)
    race = _Race(price, leader)
    clients = len(hot["tokens"])
    stop = threading.Event()
    out: list = [None] * clients
    deadline = time.perf_counter() + seconds
    threads = [
        threading.Thread(
            target=_hot_client, args=(port, hot, i, race, product, stop, deadline, out)
        )
        for i in range(clients)
    ]
    for thread in threads:
        thread.start()
    time.sleep(max(0.0, deadline - time.perf_counter()))
    stop.set()
    with race.changed:
        race.changed.notify_all()
    for thread in threads:
        thread.join()
    accepted = sum(r[0] for r in out)
    return {
        "accepted": accepted / seconds,
        "tries": sum(r[1] for r in out) / seconds,
        "placed": accepted + sum(r[2] for r in out),  # every accepted bid, late ones too
        "failures": [f for r in out for f in r[3]],
    }


# -- main ----------------------------------------------------------------------------------


def benchmark(args, started: float) -> bool:
    from django.conf import settings

    lot, pairs = prepare(max(args.threads))
    layer = settings.CHANNEL_LAYERS["default"]["BACKEND"].rsplit(".", 1)[-1]
    print(
        f"lot {lot.pk}: start {lot.start_price}, increment {lot.increment}; "
        f"{2 * len(pairs)} approved bidders; channel layer {layer}; "
        f"set up in {time.perf_counter() - started:.1f} s"
    )
    service, graphql = service_placer(lot.pk), graphql_placer(lot.pk)
    placed = 0
    for place in (service, graphql):  # untimed warm-up of both paths
        run_round(lot, pairs, 1, WARMUP_BIDS, place)
        placed += WARMUP_BIDS

    rows = []
    for threads in args.threads:
        rows.append(("service", run_round(lot, pairs, threads, args.bids, service)))
        placed += args.bids
        if threads == 1 and args.graphql_bids:
            rows.append(("GraphQL", run_round(lot, pairs, 1, args.graphql_bids, graphql)))
            placed += args.graphql_bids

    print()
    print(
        f"{'path':<8} {'threads':>7} {'accepted':>8} {'wall s':>7} {'bids/s':>7} "
        f"{'refused':>8} {'tries/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
        f"{'CPU ms/bid':>10} {'CPU %':>6}"
    )
    for path, r in rows:
        print(
            f"{path:<8} {r['threads']:>7} {r['accepted']:>8} {r['wall']:>7.2f} "
            f"{r['rate']:>7.0f} {r['refused']:>8} {r['attempts']:>7.0f} {r['p50']:>7.2f} "
            f"{r['p95']:>7.2f} {r['p99']:>7.2f} {r['cpu_per_bid']:>10.2f} "
            f"{r['cpu_share'] * 100:>6.0f}"
        )
    print(
        "(refused: BID_TOO_LOW / LEADER_CANNOT_RAISE attempts, retried; tries/s: accepted + "
        "refused calls per second; latency: accepted calls only; CPU: this process, all "
        "threads, per accepted bid and as % of one core)"
    )

    check = verify(lot, placed)
    print()
    print(
        f"bid_chain_verify: verified={check['verified']} length={check['length']}"
        + (f" broken_at_seq={check['broken_at']}" if check["broken_at"] else "")
        + f"; seq 1..{check['last_seq']} gapless={check['gapless']}; "
        f"{check['count']} bids stored, {check['expected']} accepted here"
    )

    by_path = {(path, r["threads"]): r for path, r in rows}
    bare, gql = by_path.get(("service", 1)), by_path.get(("GraphQL", 1))
    most = max((r for path, r in rows if path == "service"), key=lambda r: r["threads"])
    parts = []
    if bare:
        parts.append(f"service {bare['rate']:.0f} bids/s at 1 thread")
    if most is not bare:
        parts.append(
            f"{most['rate']:.0f} at {most['threads']} threads "
            f"({most['attempts']:.0f} tries/s, {most['refused'] / most['accepted']:.1f} "
            "refused per accepted)"
        )
    if bare and gql:
        parts.append(
            f"GraphQL/bare at 1 thread {gql['rate'] / bare['rate']:.2f} "
            f"(+{gql['p50'] - bare['p50']:.2f} ms p50; PERFORMANCE.md over HTTP: 0.60-0.66)"
        )
    ok = (
        check["verified"]
        and check["gapless"]
        and check["count"] == check["expected"]
        and check["length"] == check["expected"]
    )
    parts.append("history OK" if ok else "HISTORY CHECK FAILED")
    print()
    print("; ".join(parts) + f"; total {time.perf_counter() - started:.0f} s")
    return ok


def thread_counts(text: str) -> list[int]:
    counts = [int(part) for part in text.split(",") if part.strip()]
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError("a comma-separated list of positive integers")
    return counts


def _terminate(signum, frame) -> None:
    raise SystemExit(128 + signum)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bids", type=int, default=400, help="accepted bids per row")
    parser.add_argument("--threads", type=thread_counts, default=[1, 8, 32])
    parser.add_argument(
        "--graphql-bids",
        type=int,
        help="bids of the GraphQL row (default: --bids; 0 to skip it)",
    )
    parser.add_argument(
        "--database-url", help="an existing PostgreSQL database (not created nor dropped)"
    )
    parser.add_argument(
        "--server", default=DEFAULT_SERVER, help="where the throwaway database is created"
    )
    parser.add_argument(
        "--redis",
        nargs="?",
        const=DEFAULT_REDIS,
        help=f"use the Redis channel layer (and cache) at this URL ({DEFAULT_REDIS})",
    )
    args = parser.parse_args()
    if args.bids < 1:
        parser.error("--bids must be positive")
    if args.graphql_bids is None:
        args.graphql_bids = args.bids
    if args.graphql_bids and 1 not in args.threads:
        args.threads = [1, *args.threads]  # the GraphQL row is compared with this one

    # A plain kill (SIGTERM) unwinds like Ctrl-C, so the finally below drops the database.
    signal.signal(signal.SIGTERM, _terminate)
    started = time.perf_counter()
    created = None
    ok = False
    try:
        if args.database_url:
            database_url = args.database_url
        else:
            created, database_url = database_create(args.server)
        where = urlsplit(database_url)
        print(
            f"{args.bids} bids per row, threads {','.join(map(str, args.threads))}; "
            f"PostgreSQL {where.hostname}:{where.port or 5432}{where.path}"
            + (" (throwaway)" if created else "")
        )
        with tempfile.TemporaryDirectory(prefix="bench-bidding-") as media:
            setup_django(database_url, args.redis, media)
            ok = benchmark(args, started)
    finally:
        if "django.db" in sys.modules:
            from django.db import connections

            connections.close_all()
        if created:
            try:
                database_drop(args.server, created)
            except Exception as exc:
                print(f"could not drop database {created}: {exc}", file=sys.stderr)
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
