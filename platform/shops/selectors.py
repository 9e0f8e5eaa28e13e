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


def shop_of(user: User) -> Shop | None:
    """The seller centre's shop: the user's open shop (the latest opened of several), else
    their latest application; None without any."""
    if not user.is_authenticated:
        return None
    mine = Shop.objects.filter(identity__user=user)
    return (
        mine.filter(status=ReviewStatus.APPROVED).order_by("-decided_at", "-pk").first()
        or mine.order_by("-submitted_at", "-pk").first()
    )
