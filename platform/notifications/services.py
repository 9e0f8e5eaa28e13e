from django.conf import settings
from django.db import transaction

from kernel.clock import now

from .models import SmsMessage, SmsStatus
from .sms import SmsDeliveryError, get_backend


def sms_send(*, phone: str, text: str) -> SmsMessage:
    """Queue an SMS in the outbox and deliver it once the surrounding transaction commits.

    A rolled-back operation therefore sends nothing; a failed delivery stays in the outbox
    as FAILED with its error, for ``manage.py sms_dispatch`` to retry.
    """
    message = SmsMessage.objects.create(phone=phone, text=text, backend=settings.SMS_BACKEND)
    transaction.on_commit(lambda: sms_deliver(message_id=message.pk))
    return message


def sms_deliver(*, message_id: int) -> SmsMessage:
    message = SmsMessage.objects.get(pk=message_id)
    if message.status == SmsStatus.SENT:
        return message
    message.attempts += 1
    message.backend = settings.SMS_BACKEND
    try:
        get_backend().send(message.phone, message.text)
    except SmsDeliveryError as exc:
        message.status = SmsStatus.FAILED
        message.error = str(exc)[:1000]
    else:
        message.status = SmsStatus.SENT
        message.sent_at = now()
        message.error = ""
    message.save(update_fields=["attempts", "backend", "status", "error", "sent_at"])
    return message
