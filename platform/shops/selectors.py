from django.db.models import QuerySet

from accounts.models import User
from reviews.models import ReviewStatus

from .models import Shop


def shops_visible_to(user: User) -> QuerySet[Shop]:
    """Open shops are public; an applicant sees their own in any state; staff see all."""
    if user.is_authenticated and user.is_staff:
        return Shop.objects.all()
    visible = Shop.objects.filter(status=ReviewStatus.APPROVED)
    if user.is_authenticated:
        visible = visible | Shop.objects.filter(identity__user=user)
    return visible
