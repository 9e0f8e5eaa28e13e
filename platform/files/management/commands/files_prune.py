from datetime import timedelta

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand

from files.models import PrivateFile
from kernel.clock import now


def _walk(directory: str = ""):
    subdirectories, files = default_storage.listdir(directory)
    for name in files:
        yield f"{directory}/{name}" if directory else name
    for subdirectory in subdirectories:
        yield from _walk(f"{directory}/{subdirectory}" if directory else subdirectory)


class Command(BaseCommand):
    help = (
        "Delete stored bytes that no PrivateFile row points to (uploads of operations that "
        "were refused or rolled back after the bytes were written), older than --hours."
    )

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=float, default=24.0)
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, hours: float, dry_run: bool, **options):
        cutoff = now() - timedelta(hours=hours)
        pruned = 0
        for name in _walk():
            if default_storage.get_modified_time(name) > cutoff:
                continue  # perhaps a transaction still in flight
            if PrivateFile.objects.filter(stored_name=name).exists():
                continue
            pruned += 1
            if not dry_run:
                default_storage.delete(name)
        verb = "would delete" if dry_run else "deleted"
        self.stdout.write(f"files_prune: {verb} {pruned} orphaned file(s)")
