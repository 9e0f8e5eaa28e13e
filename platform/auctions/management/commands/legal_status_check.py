from django.core.management.base import BaseCommand

from auctions.services.legal_status import (
    deals_legal_status_check_due,
    lots_legal_status_check_due,
)


class Command(BaseCommand):
    help = (
        "One round of legal-status re-checks (issue 14): patent lots whose bidding opens "
        "within LEGAL_STATUS_CHECK_LEAD_MINUTES, and sold patent lots at their deal."
    )

    def handle(self, *args, **options):
        lots = lots_legal_status_check_due()
        deals = deals_legal_status_check_due()
        if lots or deals or options["verbosity"] > 1:
            self.stdout.write(f"legal_status_check: {lots} lots, {deals} deals checked")
