from django.core.management.base import BaseCommand

from notifications.models import SmsMessage, SmsStatus
from notifications.services import sms_deliver


class Command(BaseCommand):
    help = "Deliver queued SMS and retry failed ones (at most --max-attempts tries each)."

    def add_arguments(self, parser):
        parser.add_argument("--max-attempts", type=int, default=5)

    def handle(self, *args, max_attempts: int, **options):
        pending = SmsMessage.objects.filter(
            status__in=[SmsStatus.QUEUED, SmsStatus.FAILED], attempts__lt=max_attempts
        ).values_list("pk", flat=True)
        sent = failed = 0
        for pk in list(pending):
            message = sms_deliver(message_id=pk)
            if message.status == SmsStatus.SENT:
                sent += 1
            else:
                failed += 1
        self.stdout.write(f"sent {sent}, failed {failed}")
