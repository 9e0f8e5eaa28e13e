from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db.models import Q

from kernel.clock import now
from notifications.models import SmsMessage, SmsStatus
from notifications.services import sms_deliver

QUEUED_GRACE = timedelta(seconds=30)


class Command(BaseCommand):
    help = "Deliver queued SMS and retry failed ones (at most --max-attempts tries each)."

    def add_arguments(self, parser):
        parser.add_argument("--max-attempts", type=int, default=5)

    def handle(self, *args, max_attempts: int, **options):
        # A fresh QUEUED message is being delivered by the request that committed it.
        settled = now() - QUEUED_GRACE
        pending = SmsMessage.objects.filter(
            Q(status=SmsStatus.FAILED) | Q(status=SmsStatus.QUEUED, created_at__lt=settled),
            attempts__lt=max_attempts,
        ).values_list("pk", flat=True)
        sent = failed = 0
        for pk in list(pending):
            message = sms_deliver(message_id=pk)
            if message is None:
                continue
            if message.status == SmsStatus.SENT:
                sent += 1
            elif message.status == SmsStatus.FAILED:
                failed += 1
        if sent or failed or options["verbosity"] > 1:
            self.stdout.write(f"sms_dispatch: sent {sent}, failed {failed}")
