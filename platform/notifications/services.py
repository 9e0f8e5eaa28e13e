from datetime import datetime

from django.conf import settings
from django.db import transaction

from kernel.clock import now

from .models import SmsMessage, SmsStatus
from .sms import SmsDeliveryError, get_backend


def sms_send(
    *, phone: str, text: str, redacted_text: str = "", expires_at: datetime | None = None
) -> SmsMessage:
    """Queue an SMS in the outbox and deliver it once the surrounding transaction commits.

    A rolled-back operation therefore sends nothing; a failed delivery stays in the outbox
    as FAILED with its error, for ``manage.py sms_dispatch`` to retry until ``expires_at``.
    A message with ``redacted_text`` keeps its secret only until it is sent or expired.
    """
    message = SmsMessage.objects.create(
        phone=phone,
        text=text,
        redacted_text=redacted_text,
        expires_at=expires_at,
        backend=settings.SMS_BACKEND,
    )
    transaction.on_commit(lambda: sms_deliver(message_id=message.pk))
    return message


@transaction.atomic
def sms_deliver(*, message_id: int) -> SmsMessage | None:
    """Try to deliver one outbox message; None when another process is delivering it.

    The row lock (skip_locked) keeps the commit-time delivery and any number of
    ``sms_dispatch`` runs from sending the same message twice.
    """
    message = SmsMessage.objects.select_for_update(skip_locked=True).filter(pk=message_id).first()
    if message is None or message.status in (SmsStatus.SENT, SmsStatus.EXPIRED):
        return message
    if message.expires_at is not None and message.expires_at <= now():
        message.status = SmsStatus.EXPIRED
    else:
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
    if message.status != SmsStatus.FAILED and message.redacted_text:
        message.text, message.redacted_text = message.redacted_text, ""
    message.save()
    return message
