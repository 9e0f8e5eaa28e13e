from django.db.models import Q, QuerySet

from accounts.models import User
from kernel.permissions import Perm, staff_can

from .models import Listing, ListingStatus, OwnershipChange
from .patent_numbers import parse_patent_number

ON_SALE = (ListingStatus.LISTED, ListingStatus.IN_AUCTION)
# Auction results stay public: a lot's page shows its listing after it sold or went unsold.
PUBLIC_STATUSES = (*ON_SALE, ListingStatus.SOLD, ListingStatus.UNSOLD)


def listings_visible_to(user: User) -> QuerySet[Listing]:
    """On sale or auctioned for everyone; every status for its seller and for the staff who
    review listings or put them up in sessions."""
    if staff_can(user, Perm.REVIEW_LISTING, Perm.MANAGE_AUCTIONS):
        return Listing.objects.all()
    visible = Q(status__in=PUBLIC_STATUSES)
    if user.is_authenticated:
        visible |= Q(shop__identity__user=user)
    return Listing.objects.filter(visible)


def listings_on_sale(
    *,
    type: str | None = None,
    field: str | None = None,
    search: str | None = None,
    shop_id: int | None = None,
) -> QuerySet[Listing]:
    """The trading hall: newest listed first; search matches the title or the number."""
    listings = Listing.objects.filter(status__in=ON_SALE)
    if type:
        listings = listings.filter(type=type)
    if field:
        listings = listings.filter(field=field)
    if shop_id:
        listings = listings.filter(shop_id=shop_id)
    return listings_matching(listings, search).order_by("-listed_at", "-id")


def listings_matching(listings: QuerySet[Listing], search: str | None) -> QuerySet[Listing]:
    """``listings`` whose title or patent number matches ``search`` (the hall's search and
    the staff queue's): part of the title, part of the number, or any written form of a
    whole number (ZL prefix, spaces, a lowercase x)."""
    if not search or not search.strip():
        return listings
    return listings.filter(listing_search(search))


def listing_search(search: str, *, prefix: str = "") -> Q:
    """Listings whose title holds ``search``, or whose patent number does (any written
    form of a whole number finds it); ``prefix`` reaches the listing from another model."""
    term = search.strip()
    matches = Q(**{f"{prefix}title__icontains": term}) | Q(
        **{f"{prefix}patent_number__icontains": term.upper().replace(" ", "").removeprefix("ZL")}
    )
    number = parse_patent_number(term)
    if number is not None:
        matches |= Q(**{f"{prefix}patent_number": number.canonical})
    return matches


def listings_of_seller(*, user: User, status: str | None = None, type: str | None = None):
    listings = Listing.objects.filter(shop__identity__user=user)
    if status:
        listings = listings.filter(status=status)
    if type:
        listings = listings.filter(type=type)
    return listings.order_by("-updated_at", "-id")


def ownership_changes_visible_to(user: User) -> QuerySet[OwnershipChange]:
    if not user.is_authenticated:
        return OwnershipChange.objects.none()
    if staff_can(user, Perm.REVIEW_OWNERSHIP_CHANGE):
        return OwnershipChange.objects.all()
    return OwnershipChange.objects.filter(applicant=user)
