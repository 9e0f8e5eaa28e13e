import signal
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from auctions.services.clock import lots_finalize_due, lots_publish_phases
from config.ops import heartbeat
from deals.services import deals_remind_and_mark_overdue
from listings.imports.services import listing_imports_process_queued

CLOCK_EVERY = 1.0  # seconds: lot phase changes and ends are announced within about this


class Command(BaseCommand):
    help = (
        "Background worker: every --interval seconds, run the auction clock (phases, ends, "
        "deals), contract reminders and overdue marks, retry undelivered SMS and check "
        "uploaded batch-import workbooks. Several copies may run."
    )

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=1.0)
        parser.add_argument("--once", action="store_true", help="One round, then exit.")

    def handle(self, *args, interval: float, once: bool, **options):
        running = True

        def stop(*_):
            nonlocal running
            running = False

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        last_clock = 0.0

        def auction_clock() -> None:
            nonlocal last_clock
            lots_publish_phases()
            while lots_finalize_due():
                pass
            deals_remind_and_mark_overdue()
            heartbeat("clock")
            last_clock = time.monotonic()

        def between_imports() -> bool:
            # Imports wait for the clock, not the other way round: one import (about 6 s
            # for 10,000 rows) is the most a lot's end announcement can be held back; run a
            # second worker where that matters. Bids never wait: they judge the end by the
            # database clock themselves.
            if time.monotonic() - last_clock >= CLOCK_EVERY:
                auction_clock()
            return running

        self.stdout.write(f"worker: started (every {interval:g} s)")
        while running:
            close_old_connections()
            auction_clock()
            call_command("sms_dispatch", verbosity=0)
            listing_imports_process_queued(should_continue=between_imports)
            if once:
                break
            slept = 0.0
            while running and slept < interval:
                time.sleep(0.2)
                slept += 0.2
        self.stdout.write("worker: stopped")
