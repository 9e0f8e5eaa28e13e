from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from calendars.services import holiday_schedule_enter, schedule_days_parse
from kernel.errors import DomainError


class Command(BaseCommand):
    help = (
        "Enter a year's official holiday schedule from a UTF-8 text file, one day a line: "
        "2027-01-01,休,元旦 or 2027-02-20,班,春节 (HOLIDAY/WORKDAY also accepted). Open "
        "deadlines counted provisionally are recounted and both parties told when one moves."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--notice", required=True, help="the State Council notice's title")
        parser.add_argument("--notice-url", default="")
        parser.add_argument("--published-on", type=date.fromisoformat, default=None)
        parser.add_argument("--replace", action="store_true", help="replace an entered year")

    def handle(self, *args, path, year, notice, notice_url, published_on, replace, **options):
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        try:
            schedule = holiday_schedule_enter(
                actor=None,
                year=year,
                notice=notice,
                notice_url=notice_url,
                published_on=published_on,
                days=schedule_days_parse(text),
                replace=replace,
            )
        except DomainError as exc:
            raise CommandError("; ".join(item.message for item in exc.items)) from exc
        self.stdout.write(f"{schedule}: {schedule.days.count()} days entered")
