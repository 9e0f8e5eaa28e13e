"""The one staff permission rule, as selectors and services ask it."""

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied

from accounts.models import User, Verification
from accounts.selectors import identities_visible_to, users_visible_to, verifications_visible_to
from auctions.selectors import registrations_visible_to
from auctions.services.setup import season_create
from deals.selectors import deals_visible_to
from kernel.permissions import Perm, staff_can
from listings.imports.selectors import listing_imports_visible_to
from listings.selectors import ownership_changes_visible_to
from reviews.selectors import review_queue
from shops.selectors import shops_visible_to
from tests.factories import UserFactory, VerificationFactory

pytestmark = pytest.mark.django_db


def staff(*codenames: str) -> User:
    user = UserFactory(is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return User.objects.get(pk=user.pk)


def test_staff_without_the_named_permission_cannot():
    assert not staff_can(staff(), Perm.REVIEW_VERIFICATION)
    assert staff_can(staff("review_verification"), Perm.REVIEW_VERIFICATION)
    assert not staff_can(staff("review_verification"), Perm.MANAGE_DEALS)


def test_a_permission_without_the_staff_flag_is_not_enough():
    user = UserFactory(is_staff=False)
    user.user_permissions.set(Permission.objects.filter(codename="review_verification"))
    assert not staff_can(User.objects.get(pk=user.pk), Perm.REVIEW_VERIFICATION)


def test_every_selector_shows_permissionless_staff_only_their_own_things():
    VerificationFactory(status="PENDING")
    user = staff()

    visible = [
        users_visible_to(user).exclude(pk=user.pk).count(),
        verifications_visible_to(user).count(),
        identities_visible_to(user).count(),
        registrations_visible_to(user).count(),
        deals_visible_to(user).count(),
        ownership_changes_visible_to(user).count(),
        listing_imports_visible_to(user).count(),
        review_queue(Verification, user=user).count(),
        shops_visible_to(user).exclude(status="APPROVED").count(),
    ]

    assert visible == [0] * 9


def test_a_staff_write_without_its_permission_is_refused():
    with pytest.raises(PermissionDenied):
        season_create(actor=staff("review_verification"), name="季", rules="规则")
