"""The worker under load: how late a lot's end is announced (finalized) while a 10,000-row
import is being checked, and how long a queued SMS waits meanwhile.

    .venv/bin/python benchmarks/worker_lot_end.py [--rows 10000] [--lots 5]
        [--server postgres://postgres@127.0.0.1:5432/postgres [--database-prefix NAME]]

On a throwaway SQLite database in a temporary directory (the worker's loops then contend
for SQLite's single writer too, the harder case), or with ``--server`` on a throwaway
PostgreSQL database created there (``<prefix>_<random>``, dropped at the end; the worker
then uses Django's pool as in production). Prepares
a shop and a queued 10,000-row patent import (benchmarks/listing_import.py), starts
``manage.py worker`` as its own process, waits until the import is being checked, then
lets ``--lots`` lots end one after another (0.7 s apart) and queues an SMS, and reads from
the database when each lot was finalized (``finalized_at - ends_at``) and when the SMS was
sent, while the import is still running.
"""

import argparse
import os
import secrets
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--lots", type=int, default=5)
    parser.add_argument("--server", help="PostgreSQL server for a throwaway database")
    parser.add_argument("--database-prefix", default="bench_worker")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="worker-bench-"))
    import listing_import

    database_url = None
    if args.server:  # a throwaway PostgreSQL database instead of SQLite
        import psycopg

        name = f"{args.database_prefix}_{secrets.token_hex(4)}"
        with psycopg.connect(args.server, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        database_url = urlsplit(args.server)._replace(path=f"/{name}").geturl()
    # SQLite in workdir (or the PostgreSQL database), inherited by the worker
    listing_import.setup_django(workdir, database_url)
    try:
        run(args, workdir)
    finally:
        if args.server:
            from django.db import connections

            connections.close_all()
            with psycopg.connect(args.server, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(args, workdir: Path) -> None:
    import listing_import

    listing_import.prepare(workdir, args.rows)

    from auctions.models import Lot
    from kernel.clock import now
    from listings.models import ListingImport
    from notifications.models import SmsMessage
    from notifications.services import sms_send
    from tests.factories import UserFactory, auction_session, lot

    UserFactory.reset_sequence(5000)  # clear of the shop owner's phone

    ListingImport.objects.exclude(pk=ListingImport.objects.order_by("pk").first().pk).delete()
    session = auction_session(phase="BIDDING")
    lots = [lot(session_obj=session, ends_at=now() + timedelta(days=1)) for _ in range(args.lots)]

    env = {**os.environ, "SMS_BACKEND": "notifications.sms.InMemoryBackend"}
    worker = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "worker"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while ListingImport.objects.get().status != "PROCESSING":
            assert time.monotonic() < deadline, "the import was never claimed"
            time.sleep(0.02)
        claimed = time.monotonic()
        start = now() + timedelta(seconds=0.5)
        for index, the_lot in enumerate(lots):
            Lot.objects.filter(pk=the_lot.pk).update(ends_at=start + timedelta(seconds=0.7 * index))
        message = sms_send(phone="13800000009", text="导入期间的短信")
        while Lot.objects.filter(finalized_at__isnull=True).exists():
            assert time.monotonic() < deadline, "the lots never ended"
            time.sleep(0.02)
        import_status = ListingImport.objects.get().status
        delays = [
            (lot.finalized_at - lot.ends_at).total_seconds()
            for lot in Lot.objects.order_by("ends_at")
        ]
        sms = SmsMessage.objects.get(pk=message.pk)
        while ListingImport.objects.get().status == "PROCESSING":
            time.sleep(0.1)
        checked = time.monotonic() - claimed
    finally:
        worker.terminate()
        worker.wait(30)
    print(f"import of {args.rows} rows: checked in about {checked:.1f} s after its claim")
    print(f"import still being checked when the last lot ended: {import_status == 'PROCESSING'}")
    print("lot end announced after ends_at (s): " + ", ".join(f"{d:.2f}" for d in delays))
    print(f"worst: {max(delays):.2f} s")
    sent_after = sms.sent_at and (sms.sent_at - sms.created_at).total_seconds()
    print(f"sms queued during the import: {sms.status}, sent {sent_after:.2f} s after queueing")


if __name__ == "__main__":
    main()
