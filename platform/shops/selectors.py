from django.db.models import QuerySet

from accounts.models import User
from kernel.permissions import Perm, staff_can
from reviews.models import ReviewStatus

from .models import Shop


def shops_visible_to(user: User) -> QuerySet[Shop]:
    """Open shops are public; an applicant sees their own in any state; shop reviewers see
    all."""
    if staff_can(user, Perm.REVIEW_SHOP):
        return Shop.objects.all()
    visible = Shop.objects.filter(status=ReviewStatus.APPROVED)
    if user.is_authenticated:
        visible = visible | Shop.objects.filter(identity__user=user)
    return visible
