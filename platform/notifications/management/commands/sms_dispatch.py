from datetime import timedelta

from django.core.management.base import BaseCommand

from notifications.models import SmsStatus
from notifications.services import sms_dispatch_due


class Command(BaseCommand):
    help = (
        "Deliver queued SMS and retry every failed one now (at most --max-attempts tries "
        "each). The worker's sms loop does this continuously, retrying after SMS_RETRY_SECONDS."
    )

    def add_arguments(self, parser):
        parser.add_argument("--max-attempts", type=int, default=5)

    def handle(self, *args, max_attempts: int, **options):
        counts = sms_dispatch_due(max_attempts=max_attempts, retry_after=timedelta(0))
        sent, failed = counts[SmsStatus.SENT], counts[SmsStatus.FAILED]
        if sent or failed or options["verbosity"] > 1:
            self.stdout.write(f"sms_dispatch: sent {sent}, failed {failed}")
