from datetime import timedelta
from itertools import islice

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand

from files.models import PrivateFile
from files.storage import stored_objects
from kernel.clock import now

BATCH = 500


def batched(iterable, size):
    iterator = iter(iterable)
    while batch := tuple(islice(iterator, size)):
        yield batch


class Command(BaseCommand):
    help = (
        "Delete stored bytes that no PrivateFile row points to (uploads of operations that "
        "were refused or rolled back after the bytes were written, documents of a worker "
        "that died before its commit), older than --hours. Local disk or the object store."
    )

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=float, default=24.0)
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, hours: float, dry_run: bool, **options):
        cutoff = now() - timedelta(hours=hours)
        # perhaps a transaction still in flight when younger than the cutoff
        candidates = (name for name, modified in stored_objects() if modified <= cutoff)
        pruned = 0
        for names in batched(candidates, BATCH):
            recorded = set(
                PrivateFile.objects.filter(stored_name__in=names).values_list(
                    "stored_name", flat=True
                )
            )
            for name in names:
                if name in recorded:
                    continue
                pruned += 1
                if not dry_run:
                    default_storage.delete(name)
        verb = "would delete" if dry_run else "deleted"
        self.stdout.write(f"files_prune: {verb} {pruned} orphaned file(s)")
