from django.db.models import QuerySet

from reviews.models import ReviewStatus

from .models import Identity, User, Verification


def verifications_visible_to(user: User) -> QuerySet[Verification]:
    """The applicant sees their own; reviewers see all."""
    if not user.is_authenticated:
        return Verification.objects.none()
    if user.is_staff:
        return Verification.objects.all()
    return Verification.objects.filter(user=user)


def identities_visible_to(user: User) -> QuerySet[Identity]:
    if not user.is_authenticated:
        return Identity.objects.none()
    if user.is_staff:
        return Identity.objects.all()
    return Identity.objects.filter(user=user)


def approved_identity(*, user: User, identity_id: int) -> Identity | None:
    return Identity.objects.filter(pk=identity_id, user=user, status=ReviewStatus.APPROVED).first()
