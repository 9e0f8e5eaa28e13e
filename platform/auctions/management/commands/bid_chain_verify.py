from django.core.management.base import BaseCommand, CommandError

from auctions.models import Lot
from auctions.services.chain import bid_chain_record


class Command(BaseCommand):
    help = (
        "Recompute the bid hash chain of lots, report any that do not verify, and store the "
        "result (the API's bidChain then shows it without recomputing)."
    )

    def add_arguments(self, parser):
        parser.add_argument("lot_ids", nargs="*", type=int, help="Lots to check (default: all)")

    def handle(self, *args, lot_ids, **options):
        lots = Lot.objects.filter(pk__in=lot_ids) if lot_ids else Lot.objects.all()
        broken = 0
        for lot in lots.order_by("pk").iterator():
            check = bid_chain_record(lot)
            if check.verified:
                self.stdout.write(f"lot {lot.pk}: ok, {check.length} bids, head {check.head_hash}")
            else:
                broken += 1
                self.stdout.write(f"lot {lot.pk}: BROKEN at bid #{check.broken_at_seq}")
        if broken:
            raise CommandError(f"{broken} lot(s) failed verification")
