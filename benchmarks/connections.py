"""Database connections on the bid path: two Daphne processes, 16 and 64 HTTP clients per
process placing ``bidPlace`` mutations, with each connection strategy side by side.

    .venv/bin/python benchmarks/connections.py [--server URL] [--seconds 12]
        [--clients 16,64] [--modes direct,pool,pgbouncer] [--pool-size 8] [--port 8400]

Modes (the same code, configured by environment as in production):
- ``direct``: no pool (``DATABASE_POOL_MAX_SIZE=0``), a new PostgreSQL connection per request
  (the old configuration). Run at the first client count only: at 64 clients per process it
  would take most of a shared server's 100 connections (issue 11 measured 64 per process).
- ``pool``: psycopg 3 with Django's built-in pool, ``--pool-size`` connections per process.
- ``pgbouncer``: no pool in Django, a connection per request to PgBouncer in transaction mode
  (Debian's ``pgbouncer``: ``apt-get install pgbouncer``; started here for each pass on
  its own port with ``default_pool_size`` = 2 x ``--pool-size``, so PostgreSQL sees the
  same number of connections as with ``pool``; as root it runs as ``postgres``).

Each client has its own lot and two approved bidders, bids the next increment alternately as
one and the other over one keep-alive HTTP connection, and checks every response body (a
GraphQL error in an HTTP 200 is a failure, and so is any refusal). Meanwhile a sampler counts
the connections PostgreSQL holds for the database (``pg_stat_activity``) every 0.1 s; after
each round it counts them again once the clients have stopped (a leak would stay).
A throwaway database is created on ``--server`` and dropped at the end.
"""

import argparse
import http.client
import json
import math
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REDIS_URL = "redis://127.0.0.1:6379/0"
DAPHNE = [str(ROOT / ".venv/bin/daphne"), "-b", "127.0.0.1"]
MUTATION = """mutation($input: BidPlaceInput!) {
  bidPlace(input: $input) { bid { seq amount } errors { code } } }"""


def admin(server: str):
    import psycopg

    return psycopg.connect(server, autocommit=True)


def wait_for_port(port: int, timeout: float, process=None) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited ({process.returncode}) before listening")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"nothing listens on {port}")


def prepare(database_url: str, lots: int, media: str) -> list[dict]:
    """Migrate; ``lots`` lots in bidding, each with two approved bidders and their tokens.
    Runs in a child process (Django without a pool), prints JSON."""
    code = f"""
import json, os, sys
sys.path.insert(0, {str(ROOT)!r})
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
import django
django.setup()
from django.core.management import call_command
from django.test.utils import override_settings
call_command("migrate", verbosity=0)
from accounts.services.tokens import api_token_issue
from tests import factories
out = []
with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
    session = factories.auction_session(season_obj=factories.season(anti_sniping_minutes=0))
    for _ in range({lots}):
        lot = factories.lot(session_obj=session)
        users = [factories.bidder(lot) for _ in range(2)]
        lot.refresh_from_db()
        out.append({{"lot": lot.pk, "start": str(lot.start_price), "step": str(lot.increment),
                     "tokens": [api_token_issue(user=u)[1] for u in users]}})
print(json.dumps(out))
"""
    env = {**os.environ, **base_env(database_url, media), "DATABASE_POOL_MAX_SIZE": "0"}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def base_env(database_url: str, media: str) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "REDIS_URL"))
    }
    env.update(
        {
            "DATABASE_URL": database_url,
            "SMS_BACKEND": "notifications.sms.InMemoryBackend",
            "PRIVATE_MEDIA_ROOT": media,
            "DEBUG": "0",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
            "REDIS_URL": os.environ.get("BENCH_REDIS_URL", REDIS_URL),
            "CHANNEL_LAYER_PREFIX": "bench-connections",
        }
    )
    return env


class PgBouncer:
    """PgBouncer in transaction mode on ``port`` in front of ``server``."""

    def __init__(self, server: str, port: int, pool_size: int, workdir: Path) -> None:
        where = urlsplit(server)
        self.port = port
        self.workdir = workdir
        workdir.mkdir(exist_ok=True)
        user = where.username or "postgres"
        (workdir / "users.txt").write_text(f'"{user}" ""\n')
        (workdir / "pgbouncer.ini").write_text(
            "[databases]\n"
            f"* = host={where.hostname or '127.0.0.1'} port={where.port or 5432}\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {port}\n"
            f"unix_socket_dir = {workdir}\n"
            "auth_type = trust\n"
            f"auth_file = {workdir / 'users.txt'}\n"
            "pool_mode = transaction\n"
            f"default_pool_size = {pool_size}\nmax_client_conn = 1000\n"
            "ignore_startup_parameters = extra_float_digits,options\n"
            f"logfile = {workdir / 'pgbouncer.log'}\n"
        )
        self.process = None

    def start(self) -> None:
        command = [shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"]
        if os.geteuid() == 0:  # PgBouncer refuses to run as root
            self.workdir.parent.chmod(0o755)
            shutil.chown(self.workdir, "postgres")
            for path in self.workdir.iterdir():
                shutil.chown(path, "postgres")
            command += ["-u", "postgres"]
        self.process = subprocess.Popen(
            [*command, str(self.workdir / "pgbouncer.ini")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, 10, self.process)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


def held(server: str, database: str) -> int:
    with admin(server) as connection:
        return connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (database,),
        ).fetchone()[0]


def client_loop(port, lot, stop, results, index) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    price, turn = lot.get("price"), lot.get("turn", 0)  # carried from the last round
    start, step = float(lot["start"]), float(lot["step"])
    latencies, failures = [], []
    while not stop.is_set():
        amount = start if price is None else price + step
        body = json.dumps(
            {
                "query": MUTATION,
                "variables": {
                    "input": {
                        "lotId": relay_id(lot["lot"]),
                        "amount": f"{amount:.2f}",
                        "idempotencyKey": secrets.token_hex(8),
                    }
                },
            }
        )
        headers = {
            "Content-Type": "application/json",
            "Authorization": f"Bearer {lot['tokens'][turn]}",
        }
        started = time.perf_counter()
        try:
            connection.request("POST", "/graphql", body, headers)
            response = connection.getresponse()
            payload = json.loads(response.read())
        except Exception as exc:
            failures.append(f"{type(exc).__name__}: {exc}")
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            time.sleep(0.1)
            continue
        elapsed = time.perf_counter() - started
        result = (payload.get("data") or {}).get("bidPlace")
        if response.status != 200 or payload.get("errors") or not result or result["errors"]:
            failures.append(json.dumps(payload, ensure_ascii=False)[:300])
            time.sleep(0.1)
            continue
        latencies.append(elapsed)
        price = amount
        turn ^= 1
    connection.close()
    lot["price"], lot["turn"] = price, turn
    results[index] = (latencies, failures)


def relay_id(pk: int) -> str:
    from base64 import b64encode

    return b64encode(f"Lot:{pk}".encode()).decode()


def percentile(ordered, p):
    if not ordered:
        return float("nan")
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def run_round(ports, lots, clients, seconds, server, database) -> dict:
    stop = threading.Event()
    total = clients * len(ports)
    results: list = [None] * total
    threads = [
        threading.Thread(
            target=client_loop, args=(ports[i % len(ports)], lots[i], stop, results, i)
        )
        for i in range(total)
    ]
    samples: list[int] = []

    def sample():
        while not stop.is_set():
            samples.append(held(server, database))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample)
    for thread in threads:
        thread.start()
    sampler.start()
    time.sleep(seconds)
    stop.set()
    for thread in [*threads, sampler]:
        thread.join()
    time.sleep(1.0)
    after = held(server, database)
    latencies = sorted(x for r in results for x in r[0])
    failures = [x for r in results for x in r[1]]
    return {
        "clients": clients,
        "bids": len(latencies),
        "rate": len(latencies) / seconds,
        "p50": percentile(latencies, 50) * 1000,
        "p99": percentile(latencies, 99) * 1000,
        "failures": failures,
        "peak": max(samples, default=0),
        "after": after,
    }


def serve(mode, database_url, ports, pool_size, media, workdir, pgbouncer_port) -> list:
    env = base_env(database_url, media)
    if mode == "pool":
        env["DATABASE_POOL_MAX_SIZE"] = str(pool_size)
    else:
        env["DATABASE_POOL_MAX_SIZE"] = "0"
    if mode == "pgbouncer":
        where = urlsplit(database_url)
        env["DATABASE_URL"] = where._replace(
            netloc=f"{where.username or 'postgres'}@127.0.0.1:{pgbouncer_port}"
        ).geturl()
        env["DATABASE_PGBOUNCER"] = "1"
    processes = []
    for port in ports:
        log = open(workdir / f"daphne-{mode}-{port}.log", "ab")  # noqa: SIM115
        processes.append(
            subprocess.Popen(
                [*DAPHNE, "-p", str(port), "config.asgi:application"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
    for port, process in zip(ports, processes, strict=True):
        wait_for_port(port, 60, process)
    return processes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--database-prefix", default="bench_connections")
    parser.add_argument("--seconds", type=float, default=12)
    parser.add_argument("--clients", default="16,64")
    parser.add_argument("--modes", default="direct,pool,pgbouncer")
    parser.add_argument("--pool-size", type=int, default=8)
    parser.add_argument("--port", type=int, default=8400, help="first of 3 ports used")
    parser.add_argument("--redis", default=REDIS_URL, help="the channel layer's Redis")
    args = parser.parse_args()
    os.environ["BENCH_REDIS_URL"] = args.redis
    counts = [int(x) for x in args.clients.split(",")]
    modes = args.modes.split(",")
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(SystemExit(143)))

    name = f"{args.database_prefix}_{secrets.token_hex(4)}"
    with admin(args.server) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    database_url = urlsplit(args.server)._replace(path=f"/{name}").geturl()
    ports = [args.port + 1, args.port + 2]
    rows = []
    workdir = Path(tempfile.mkdtemp(prefix="bench-connections-"))
    bouncer = None
    try:
        media = str(workdir / "media")
        started = time.perf_counter()
        lots = prepare(database_url, max(counts) * len(ports), media)
        print(f"{len(lots)} lots, 2 bidders each; set up in {time.perf_counter() - started:.0f} s")
        for mode in modes:
            if mode == "pgbouncer":  # its own for the pass: its idle server connections
                # (kept for server_idle_timeout) must not count in the next pass
                bouncer = PgBouncer(args.server, args.port + 3, 2 * args.pool_size, workdir / "pgb")
                bouncer.start()
            processes = serve(
                mode, database_url, ports, args.pool_size, media, workdir, args.port + 3
            )
            try:
                run_round(ports, lots, 2, 3, args.server, name)  # warm-up, untimed
                for clients in counts[:1] if mode == "direct" else counts:
                    row = run_round(ports, lots, clients, args.seconds, args.server, name)
                    rows.append((mode, row))
                    print(
                        f"{mode:<9} {clients:>3} clients x 2: {row['rate']:6.1f} bids/s, "
                        f"p50/p99 {row['p50']:.0f}/{row['p99']:.0f} ms, "
                        f"{len(row['failures'])} failures, PostgreSQL connections peak "
                        f"{row['peak']}, {row['after']} after the round",
                        flush=True,
                    )
                    for failure in row["failures"][:3]:
                        print("   ", failure)
            finally:
                for process in processes:
                    process.send_signal(signal.SIGTERM)
                for process in processes:
                    process.wait(20)
                if bouncer:
                    bouncer.stop()
                    bouncer = None
    finally:
        if bouncer:
            bouncer.stop()
        with admin(args.server) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(workdir, ignore_errors=True)

    print()
    print(
        "| mode | clients per process (x 2 processes) | bids/s | p50 / p99 ms | failures "
        "| PostgreSQL connections: peak / after |"
    )
    print("|---|---|---|---|---|---|")
    for mode, row in rows:
        print(
            f"| {mode} | {row['clients']} | {row['rate']:.1f} | {row['p50']:.0f} / "
            f"{row['p99']:.0f} | {len(row['failures'])} | {row['peak']} / {row['after']} |"
        )
    if any(row["failures"] for _, row in rows if _ != "direct"):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
