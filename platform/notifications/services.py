import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from kernel.clock import now
from kernel.logs import current_request_id, request_id_bound
from kernel.metrics import SMS
from live.events import LiveEvent, publish_to_user

from .models import Notification, SmsMessage, SmsStatus
from .sms import SmsDeliveryError, get_backend

log = logging.getLogger(__name__)


def sms_send(
    *, phone: str, text: str, redacted_text: str = "", expires_at: datetime | None = None
) -> SmsMessage:
    """Queue an SMS in the outbox, inside the caller's transaction; the worker's ``sms``
    loop delivers it within about half a second of the commit (``sms_dispatch_due``).

    A rolled-back operation therefore sends nothing, and no request or commit waits for the
    gateway. A failed delivery stays in the outbox as FAILED with its error, retried until
    ``expires_at``. A message with ``redacted_text`` keeps its secret only until it is sent
    or expired. The request id of the operation is kept, for the worker's log lines.
    """
    return SmsMessage.objects.create(
        phone=phone,
        text=text,
        redacted_text=redacted_text,
        expires_at=expires_at,
        backend=settings.SMS_BACKEND,
        request_id=current_request_id(),
    )


def sms_dispatch_due(*, max_attempts: int = 5, retry_after: timedelta | None = None) -> dict:
    """Deliver the queued messages, oldest first, and retry the failed ones whose last try
    is ``retry_after`` old (``SMS_RETRY_AFTER`` by default; zero: all of them), at most
    ``max_attempts`` tries each. Returns how many ended SENT, FAILED or EXPIRED.

    Several workers may run this at once: each message is delivered under its row lock
    (``sms_deliver``), and a message another worker already sent is left alone.
    """
    if retry_after is None:
        retry_after = settings.SMS_RETRY_AFTER
    pending = (
        SmsMessage.objects.filter(
            Q(status=SmsStatus.QUEUED)
            | Q(status=SmsStatus.FAILED)
            & (Q(attempted_at__lte=now() - retry_after) | Q(attempted_at__isnull=True)),
            attempts__lt=max_attempts,
        )
        .order_by("pk")
        .values_list("pk", "request_id")
    )
    counts = {SmsStatus.SENT: 0, SmsStatus.FAILED: 0, SmsStatus.EXPIRED: 0}
    for pk, request_id in list(pending[:500]):
        with request_id_bound(request_id):
            message = sms_deliver(message_id=pk)
        if message is not None and message.status in counts:
            counts[message.status] += 1
    return counts


@transaction.atomic
def sms_deliver(*, message_id: int) -> SmsMessage | None:
    """Try to deliver one outbox message; None when another process is delivering it.

    The row lock (skip_locked) keeps any number of workers and ``sms_dispatch`` runs from
    sending the same message twice.
    """
    message = SmsMessage.objects.select_for_update(skip_locked=True).filter(pk=message_id).first()
    if message is None or message.status in (SmsStatus.SENT, SmsStatus.EXPIRED):
        return message
    if message.expires_at is not None and message.expires_at <= now():
        message.status = SmsStatus.EXPIRED
    else:
        message.attempts += 1
        message.attempted_at = now()
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
    SMS.labels(message.status).inc()
    if message.status == SmsStatus.FAILED:
        log.warning("sms %s to %s failed: %s", message.pk, message.phone[-4:], message.error)
    return message


@dataclass(frozen=True, kw_only=True)
class NotificationCreated(LiveEvent):
    """Everything a live client shows of a new notification, so its subscriber reads
    nothing."""

    TYPE = "notification.created"
    id: int
    kind: str
    title: str
    body: str
    created_at: datetime
    subject_type: str
    subject_id: str

    @classmethod
    def of(cls, notification: Notification) -> "NotificationCreated":
        return cls(
            id=notification.pk,
            kind=notification.kind,
            title=notification.title,
            body=notification.body,
            created_at=notification.created_at,
            subject_type=notification.subject_type,
            subject_id=notification.subject_id,
        )


@transaction.atomic(savepoint=False)
def notify(
    *, user, kind: str, title: str, text: str, subject=None, sms: bool = True
) -> Notification:
    """Tell ``user`` something: a row in their inbox, the same ``text`` by SMS (unless
    ``sms`` is off: staff chores that repeat daily), and a live event to their sockets.

    Runs inside the caller's transaction: a rolled-back operation leaves no notification,
    sends no SMS and publishes nothing (both go out on commit).
    """
    notification = Notification.objects.create(
        user=user,
        kind=kind,
        title=title,
        body=text,
        subject_type=subject._meta.object_name if subject is not None else "",
        subject_id=str(subject.pk) if subject is not None else "",
        created_at=now(),
    )
    if sms:
        sms_send(phone=user.phone, text=text)
    publish_to_user(user_id=user.pk, event=NotificationCreated.of(notification))
    return notification


def notifications_mark_read(*, user, ids: list[int] | None = None) -> int:
    """Mark ``user``'s notifications read: those of ``ids`` (others' are ignored), or all of
    them when ``ids`` is None. Returns how many were unread before."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=now())
