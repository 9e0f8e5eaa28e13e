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
