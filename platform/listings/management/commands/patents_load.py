"""manage.py patents_load FILE.csv [--replace]: load the local patent registry."""

import csv

from django.core.management.base import BaseCommand, CommandError

from listings.patents import CSV_COLUMNS, PatentCsvHeaderError, patent_registry_load


class Command(BaseCommand):
    help = (
        "Load patents into the local registry from a UTF-8 CSV file whose header is "
        f"{','.join(CSV_COLUMNS)}. Rows are upserted by patent number in one transaction; "
        "bad rows are skipped and listed."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the CSV file (UTF-8, with or without BOM)")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="delete every record first, so the registry holds only this file's rows",
        )

    def handle(self, *args, file: str, replace: bool, **options):
        def report_skip(row: int, reason: str) -> None:
            self.stdout.write(f"row {row}: {reason}")

        try:
            with open(file, encoding="utf-8-sig", newline="") as lines:
                report = patent_registry_load(lines=lines, replace=replace, on_skip=report_skip)
        except PatentCsvHeaderError as exc:
            raise CommandError(f"{file}: {exc}") from exc
        except (UnicodeDecodeError, csv.Error) as exc:
            raise CommandError(f"{file}: not a UTF-8 CSV file ({exc}); nothing was loaded") from exc
        except OSError as exc:
            raise CommandError(f"{file}: {exc.strerror or exc}") from exc
        self.stdout.write(f"loaded {report.loaded}, skipped {report.skipped}")
