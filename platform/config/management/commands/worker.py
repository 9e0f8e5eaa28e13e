"""``manage.py worker``: the background duties, each in its own loop (docs/worker.md).

Each loop is a thread with its own database connection (during a round) and its own
period, so a long round of one (a 10,000-row import is checked for seconds) never holds
back another (the clock announces a lot's end within about a second). Several copies of
the worker may run: every duty claims its rows (``select_for_update(skip_locked=True)`` or
a conditional update), so nothing is done twice. Each loop records a heartbeat after each
round (``/readyz``, ``worker_lag_seconds``).
"""

import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from auctions.services.clock import lots_finalize_due, lots_publish_phases
from auctions.services.legal_status import (
    deals_legal_status_check_due,
    lots_legal_status_check_due,
)
from config.ops import heartbeat
from deals.services import deals_daily_duties, deals_issue_documents
from listings.imports.services import listing_imports_process_queued
from notifications.services import sms_dispatch_due

log = logging.getLogger("worker")


def auction_clock() -> None:
    lots_publish_phases()
    while lots_finalize_due():
        pass
    # A patent that lapsed since its listing was approved is caught before bidding opens
    # (staff decide the pull) and at the deal (flagged); each lot and deal is checked once.
    lots_legal_status_check_due()
    deals_legal_status_check_due()


def deal_documents(running: Callable[[], bool]) -> None:
    while running() and deals_issue_documents():
        pass


# The daily duties: each is idempotent (it marks what it did) and cheap when there is
# nothing to do, so the loop runs them every DAILY_EVERY seconds. Add one here.
DAILY_DUTIES: list[Callable[[], object]] = [
    # reminders, overdue marks, provisional deadlines recounted, the missing-calendar
    # warning: once a day for all workers (a claimed DutyRun row)
    deals_daily_duties,
]


def daily_duties() -> None:
    for duty in DAILY_DUTIES:
        duty()


# With Django's pool a loop hands its connection back between rounds (a worker then holds
# about one connection, not one per loop); without it, each loop keeps its own.
POOLED = bool(settings.DATABASES["default"].get("OPTIONS", {}).get("pool"))


@dataclass(frozen=True)
class Loop:
    name: str
    every: float  # seconds between the starts of two rounds (at most)
    round: Callable[[Callable[[], bool]], object]  # gets "should I go on?"


LOOPS = [
    # Lot phase changes and ends are announced within about this.
    Loop("clock", 0.5, lambda running: auction_clock()),
    # Deal notices and certificates, rendered and stored after the transaction that made
    # them due committed (the lots' finalize, the delivery confirmation).
    Loop("documents", 0.5, deal_documents),
    # The outbox: a queued SMS leaves within about this; failed ones are retried later.
    Loop("sms", 0.5, lambda running: sms_dispatch_due()),
    Loop("imports", 1.0, lambda running: listing_imports_process_queued(should_continue=running)),
    Loop("daily", 60.0, lambda running: daily_duties()),
]


def run_round(loop: Loop, running: Callable[[], bool]) -> bool:
    """One round and its heartbeat; False when it failed (logged, connection dropped)."""
    try:
        loop.round(running)
        heartbeat(loop.name)
    except Exception:
        log.exception("worker: the %s loop failed; retrying", loop.name)
        connection.close()  # a broken connection is replaced on the next round
        return False
    return True


def run_loop(loop: Loop, stopping: threading.Event) -> None:
    try:
        while not stopping.is_set():
            started = time.monotonic()
            run_round(loop, lambda: not stopping.is_set())
            if POOLED:
                connection.close()  # back to the process's pool until the next round
            stopping.wait(max(0.0, loop.every - (time.monotonic() - started)))
    finally:
        connection.close()  # this thread's own connection


class Command(BaseCommand):
    help = (
        "Background worker: the auction clock (phases, ends, deals), the SMS outbox, batch "
        "imports and the daily duties (contract reminders, overdue marks), each in its own "
        "thread and loop. Several copies may run."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--once", action="store_true", help="One round of every loop in turn, then exit."
        )
        parser.add_argument(
            "--loops",
            default=",".join(loop.name for loop in LOOPS),
            help="Comma-separated loops to run (default: all), e.g. to give imports their "
            "own process.",
        )
        parser.add_argument(
            "--interval",
            type=float,
            help="Ignored (each loop has its own period); kept for old command lines.",
        )

    def handle(self, *args, once: bool, loops: str, **options):
        names = set(loops.split(","))
        unknown = names - {loop.name for loop in LOOPS}
        if unknown:
            raise CommandError(f"unknown loops: {', '.join(sorted(unknown))}")
        chosen = [loop for loop in LOOPS if loop.name in names]
        if once:  # in turn, in this thread; a failure is raised, not retried
            for loop in chosen:
                loop.round(lambda: True)
                heartbeat(loop.name)
            return
        stopping = threading.Event()

        def stop(*_):
            stopping.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        threads = [
            threading.Thread(target=run_loop, args=(loop, stopping), name=f"worker-{loop.name}")
            for loop in chosen
        ]
        self.stdout.write(f"worker: started ({', '.join(loop.name for loop in chosen)})")
        for thread in threads:
            thread.start()
        while any(thread.is_alive() for thread in threads):
            for thread in threads:
                thread.join(timeout=0.2)  # short joins: the main thread keeps taking signals
        self.stdout.write("worker: stopped")
