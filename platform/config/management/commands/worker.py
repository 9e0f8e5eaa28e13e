import signal
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections


class Command(BaseCommand):
    help = "Background worker: every --interval seconds, retry undelivered SMS."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=5.0)
        parser.add_argument("--once", action="store_true", help="One round, then exit.")

    def handle(self, *args, interval: float, once: bool, **options):
        running = True

        def stop(*_):
            nonlocal running
            running = False

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(f"worker: started (every {interval:g} s)")
        while running:
            close_old_connections()
            call_command("sms_dispatch", verbosity=0)
            if once:
                break
            slept = 0.0
            while running and slept < interval:
                time.sleep(0.2)
                slept += 0.2
        self.stdout.write("worker: stopped")
