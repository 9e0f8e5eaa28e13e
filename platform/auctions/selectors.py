from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Q, QuerySet

from kernel.permissions import Perm, staff_can
from listings.models import LegalStatusCheck, ListingStatus

from .events import winners_payload
from .models import AuctionSession, Bid, Lot, LotPhase, LotPull, Registration, Season


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


@dataclass(frozen=True)
class LotLiveState:
    """What a live watcher must know of a lot to start, and to notice anything it missed."""

    lot_id: int
    session_id: int
    phase: str  # by the clock now
    published_phase: str  # as announced by the auction clock
    last_seq: int
    bid_count: int
    current_price: Decimal | None
    next_minimum_bid: Decimal | None  # null once the lot has ended
    ends_at: datetime
    result: str  # "" until the end
    final_price: Decimal | None
    winner_bidder_number: str | None
    winners: list  # as LotEnded carries them
    notice_starts_at: datetime
    bidding_starts_at: datetime
    finalized_at: datetime | None


def lot_winners_public(lot: Lot) -> list[dict]:
    """The winners of an ended lot, best first, as LotEnded carries them: bidder numbers and
    prices are public (one query more only for a lot of several licences)."""
    if not lot.winner_id:
        return []
    if lot.licence_count == 1:
        return winners_payload([(lot.winner, lot.final_price)])
    deals = sorted(lot.deals.all(), key=lambda deal: deal.licence_rank)  # prefetched or not
    return winners_payload([(deal.registration, deal.price) for deal in deals])


def lot_live_states(*, at, lot_id: int | None = None, session_id: int | None = None):
    """The live state of one lot, or of every lot of a session, by lot id (one query)."""
    lots = Lot.objects.select_related("session", "winner").order_by("pk")
    lots = lots.filter(pk=lot_id) if lot_id is not None else lots.filter(session_id=session_id)
    states = {}
    for lot in lots:
        phase = lot.phase_at(at)
        states[lot.pk] = LotLiveState(
            lot_id=lot.pk,
            session_id=lot.session_id,
            phase=phase,
            published_phase=lot.published_phase,
            last_seq=lot.last_seq,
            bid_count=lot.bid_count,
            current_price=lot.current_price,
            next_minimum_bid=None if phase == LotPhase.ENDED else lot.next_minimum_bid(),
            ends_at=lot.ends_at,
            result=lot.result,
            final_price=lot.final_price,
            winner_bidder_number=lot.winner.bidder_number if lot.winner_id else None,
            winners=lot_winners_public(lot),
            notice_starts_at=lot.session.notice_starts_at,
            bidding_starts_at=lot.session.bidding_starts_at,
            finalized_at=lot.finalized_at,
        )
    return states


def bids_placed_between(
    *, lot_id: int, session_id: int, after_seq: int, upto_seq: int, limit: int = 500
) -> list:
    """The lot's accepted bids with ``after_seq < seq <= upto_seq``, oldest first, as the
    live events they were published as (for a watcher that missed some)."""
    from .events import bid_placed_in

    bids = (
        Bid.objects.filter(lot_id=lot_id, seq__gt=after_seq, seq__lte=upto_seq)
        .order_by("seq")
        .only("lot_id", "seq", "amount", "bidder_number", "is_proxy", "placed_at", "ends_at_after")
    )[:limit]
    return [bid_placed_in(session_id, bid) for bid in bids]


# -- issue 14: legal status re-checks -----------------------------------------------------


def legal_status_checks_of_lot(*, user, lot: Lot) -> QuerySet[LegalStatusCheck]:
    """The submission checks of the lot's listings (each of a package's) and this lot's own
    (bidding open, deal), newest first: for the lot's registrants, its seller and auction or
    deal staff."""
    listing_ids = Q(listing_id=lot.listing_id) | Q(listing__lot_items__lot_id=lot.pk)
    checks = (
        LegalStatusCheck.objects.filter(listing_ids)
        .distinct()
        .filter(Q(lot_id__isnull=True) | Q(lot_id=lot.pk))
    )
    if staff_can(user, Perm.MANAGE_AUCTIONS, Perm.REVIEW_REGISTRATION, Perm.MANAGE_DEALS):
        return checks
    if not user.is_authenticated:
        return checks.none()
    seller = Lot.objects.filter(pk=lot.pk, listing__shop__identity__user=user).exists()
    if seller or Registration.objects.filter(lot=lot, user=user).exists():
        return checks
    return checks.none()


def lot_pulls_queue(*, user, status: str | None) -> QuerySet[LotPull]:
    """Staff (auctions): pulls proposed by legal-status checks, oldest first."""
    if not staff_can(user, Perm.MANAGE_AUCTIONS):
        return LotPull.objects.none()
    pulls = LotPull.objects.select_related("legal_status_check").order_by("created_at", "pk")
    return pulls.filter(status=status) if status else pulls


def legal_status_flags(*, user) -> QuerySet[LegalStatusCheck]:
    """Staff: deal-stage checks that found the patent unsellable, newest first."""
    if not staff_can(user, Perm.MANAGE_DEALS, Perm.MANAGE_AUCTIONS):
        return LegalStatusCheck.objects.none()
    return LegalStatusCheck.objects.filter(needs_staff=True)
