from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction

from kernel.clock import now
from live.events import LiveEvent, publish_to_user

from .models import Notification, SmsMessage, SmsStatus
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
    # robust: a failing delivery stays QUEUED for sms_dispatch, never undoes the operation.
    transaction.on_commit(lambda: sms_deliver(message_id=message.pk), robust=True)
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
