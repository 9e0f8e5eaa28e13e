from django.db.models import QuerySet

from .models import Notification


def notifications_of(user, unread_only: bool = False) -> QuerySet[Notification]:
    """``user``'s inbox, newest first; nothing for an anonymous user."""
    if not user.is_authenticated:
        return Notification.objects.none()
    notifications = Notification.objects.filter(user=user)
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    return notifications.order_by("-created_at", "-id")


def notifications_after(user, *, after_id: int, limit: int = 200) -> list[Notification]:
    """``user``'s notifications with ids above ``after_id``, oldest first (a live client
    resuming its feed)."""
    return list(Notification.objects.filter(user=user, pk__gt=after_id).order_by("pk")[:limit])
