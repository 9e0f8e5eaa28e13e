from django.core.management.base import BaseCommand

from auctions.services.clock import lots_finalize_due, lots_publish_phases
from deals.services import deals_issue_documents


class Command(BaseCommand):
    help = (
        "One round of the auction clock: announce phase changes, finalize ended lots, "
        "then issue the new deals' notices and the delivered deals' certificates."
    )

    def handle(self, *args, **options):
        phases = lots_publish_phases()
        finalized = 0
        while batch := lots_finalize_due():
            finalized += batch
        while deals_issue_documents():  # after the commit (the worker's documents loop)
            pass
        if phases or finalized or options["verbosity"] > 1:
            self.stdout.write(f"auctions_clock: {phases} phase changes, {finalized} lots ended")
