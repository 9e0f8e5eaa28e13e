from django.core.management.base import BaseCommand

from auctions.services.clock import lots_finalize_due, lots_publish_phases


class Command(BaseCommand):
    help = "One round of the auction clock: announce phase changes, finalize ended lots."

    def handle(self, *args, **options):
        phases = lots_publish_phases()
        finalized = 0
        while batch := lots_finalize_due():
            finalized += batch
        if phases or finalized or options["verbosity"] > 1:
            self.stdout.write(f"auctions_clock: {phases} phase changes, {finalized} lots ended")
