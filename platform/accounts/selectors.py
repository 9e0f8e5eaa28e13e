from django.db.models import QuerySet

from kernel.permissions import Perm, staff_can
from reviews.models import ReviewStatus

from .models import Identity, User, Verification

VERIFICATION_READERS = (Perm.REVIEW_VERIFICATION, Perm.REVIEW_IDENTITY, Perm.REVIEW_REGISTRATION)
IDENTITY_READERS = (Perm.REVIEW_IDENTITY, Perm.REVIEW_SHOP)


def users_visible_to(user: User) -> QuerySet[User]:
    """Yourself; staff holding any staff permission see the accounts their work shows
    (applicants, bidders, parties)."""
    if not user.is_authenticated:
        return User.objects.none()
    if staff_can(user, *Perm.ALL):
        return User.objects.all()
    return User.objects.filter(pk=user.pk)


def verifications_visible_to(user: User) -> QuerySet[Verification]:
    """The applicant sees their own; staff who review the applications that rely on the
    real name (verifications, identities, buyer registrations) see all."""
    if not user.is_authenticated:
        return Verification.objects.none()
    if staff_can(user, *VERIFICATION_READERS):
        return Verification.objects.all()
    return Verification.objects.filter(user=user)


def identities_visible_to(user: User) -> QuerySet[Identity]:
    if not user.is_authenticated:
        return Identity.objects.none()
    if staff_can(user, *IDENTITY_READERS):
        return Identity.objects.all()
    return Identity.objects.filter(user=user)


def approved_identity(*, user: User, identity_id: int) -> Identity | None:
    return Identity.objects.filter(pk=identity_id, user=user, status=ReviewStatus.APPROVED).first()
