"""The one permission rule for staff, asked by selectors (reads) and services (writes) alike.

Being staff (``is_staff``) only opens the door: every staff queue, every staff-visible read
and every staff write names the permission it needs, and a staff member without it is
treated like any other user (sees their own things, nobody else's). Superusers hold every
permission (Django's ``has_perm``).
"""

from django.core.exceptions import PermissionDenied


class Perm:
    """Every staff permission the product checks, as ``<app_label>.<codename>``."""

    REVIEW_VERIFICATION = "accounts.review_verification"
    REVIEW_IDENTITY = "accounts.review_identity"
    REVIEW_SHOP = "shops.review_shop"
    REVIEW_LISTING = "listings.review_listing"
    REVIEW_OWNERSHIP_CHANGE = "listings.review_ownershipchange"
    REVIEW_REGISTRATION = "auctions.review_registration"
    MANAGE_AUCTIONS = "auctions.manage_auctions"
    MANAGE_DEALS = "deals.manage_deals"
    VIEW_DATA_ROOMS = "datarooms.view_data_rooms"

    ALL = (
        REVIEW_VERIFICATION,
        REVIEW_IDENTITY,
        REVIEW_SHOP,
        REVIEW_LISTING,
        REVIEW_OWNERSHIP_CHANGE,
        REVIEW_REGISTRATION,
        MANAGE_AUCTIONS,
        MANAGE_DEALS,
        VIEW_DATA_ROOMS,
    )


def staff_can(user, *permissions: str) -> bool:
    """True when ``user`` is active staff holding at least one of ``permissions``."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    return any(user.has_perm(permission) for permission in permissions)


def staff_require(user, *permissions: str) -> None:
    """Raise ``PermissionDenied`` unless :func:`staff_can` (services call this first)."""
    if not staff_can(user, *permissions):
        raise PermissionDenied
