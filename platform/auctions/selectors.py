from django.db.models import Q, QuerySet

from kernel.permissions import Perm, staff_can
from listings.models import ListingStatus

from .models import AuctionSession, Bid, Lot, LotPhase, Registration, Season


def seasons_all() -> QuerySet[Season]:
    return Season.objects.order_by("-created_at")


def lots_in_hall(
    *,
    at,
    phase: str | None = None,
    season_id: int | None = None,
    session_id: int | None = None,
    type: str | None = None,
    field: str | None = None,
) -> QuerySet[Lot]:
    """The trading hall's lots; the phase filter follows from the times and ``at``."""
    lots = Lot.objects.exclude(listing__status=ListingStatus.DRAFT)
    if season_id:
        lots = lots.filter(session__season_id=season_id)
    if session_id:
        lots = lots.filter(session_id=session_id)
    if type:
        lots = lots.filter(listing__type=type)
    if field:
        lots = lots.filter(listing__field=field)
    if phase == LotPhase.SCHEDULED:
        lots = lots.filter(result="", session__notice_starts_at__gt=at)
    elif phase == LotPhase.NOTICE:
        lots = lots.filter(
            result="", session__notice_starts_at__lte=at, session__bidding_starts_at__gt=at
        )
    elif phase == LotPhase.BIDDING:
        lots = lots.filter(result="", session__bidding_starts_at__lte=at, ends_at__gt=at)
    elif phase == LotPhase.ENDED:
        lots = lots.filter(Q(result__gt="") | Q(ends_at__lte=at))
    return lots.order_by("ends_at", "pk")


def sessions_of(season_id: int) -> QuerySet[AuctionSession]:
    return AuctionSession.objects.filter(season_id=season_id).order_by("bidding_starts_at")


def bids_public(lot: Lot) -> QuerySet[Bid]:
    """The public bid record: bidder numbers, never names; newest first."""
    return Bid.objects.filter(lot=lot).order_by("-seq")


def registrations_visible_to(user) -> QuerySet[Registration]:
    if not user.is_authenticated:
        return Registration.objects.none()
    if staff_can(user, Perm.REVIEW_REGISTRATION, Perm.MANAGE_DEALS):
        return Registration.objects.all()
    return Registration.objects.filter(user=user)


def registrations_of(user) -> QuerySet[Registration]:
    """My auctions: the user's registrations, newest first."""
    return Registration.objects.filter(user=user).order_by("-submitted_at", "-pk")
