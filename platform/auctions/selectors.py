from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import (
    BooleanField,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextChoices,
    Value,
)
from django.db.models.functions import Coalesce

from kernel.keyset import key
from kernel.permissions import Perm, staff_can
from listings.models import LegalStatusCheck, ListingStatus
from listings.selectors import listing_search
from reviews.models import ReviewStatus

from .events import winners_payload
from .models import (
    AuctionSession,
    Bid,
    Lot,
    LotPhase,
    LotPull,
    LotResult,
    Registration,
    Season,
)


def seasons_all() -> QuerySet[Season]:
    return Season.objects.order_by("-created_at")


class LotSort(TextChoices):
    """The hall's orders. Each ends with the primary key, so it is a total order that a
    keyset cursor can resume from."""

    ENDING_SOONEST = "ENDING_SOONEST", "即将结束"
    PRICE_LOW_TO_HIGH = "PRICE_LOW_TO_HIGH", "价格从低到高"
    PRICE_HIGH_TO_LOW = "PRICE_HIGH_TO_LOW", "价格从高到低"
    MOST_BIDS = "MOST_BIDS", "出价最多"
    NEWEST = "NEWEST", "最新上拍"


def lot_price():
    """The price a buyer sees on a lot: the current price, or the start price before bids."""
    return Coalesce(F("current_price"), F("start_price"))


def lot_order(sort: str) -> tuple:
    """The order of ``sort``, each key selected with the row (kernel.keyset)."""
    ends_at = key(Lot, "ends_at")
    return {
        LotSort.ENDING_SOONEST: (ends_at, "pk"),
        LotSort.PRICE_LOW_TO_HIGH: (lot_price().asc(), "pk"),
        LotSort.PRICE_HIGH_TO_LOW: (lot_price().desc(), "-pk"),
        LotSort.MOST_BIDS: (key(Lot, "bid_count", descending=True), ends_at, "pk"),
        LotSort.NEWEST: (key(Lot, "created_at", descending=True), "-pk"),
    }[LotSort(sort)]


def lots_in_hall(
    *,
    at,
    phase: str | None = None,
    season_id: int | None = None,
    session_id: int | None = None,
    shop_id: int | None = None,
    type: str | None = None,
    field: str | None = None,
    search: str | None = None,
    min_price: Decimal | None = None,
    max_price: Decimal | None = None,
    sort: str = LotSort.ENDING_SOONEST,
) -> QuerySet[Lot]:
    """The trading hall's lots; the phase filter follows from the times and ``at``. The
    price range applies to the price shown (current, or start before any bid); search
    matches the listing's title or patent number as the listing hall's does."""
    lots = Lot.objects.exclude(listing__status=ListingStatus.DRAFT)
    if season_id:
        lots = lots.filter(session__season_id=season_id)
    if session_id:
        lots = lots.filter(session_id=session_id)
    if shop_id:
        lots = lots.filter(listing__shop_id=shop_id)
    if type:
        lots = lots.filter(listing__type=type)
    if field:
        lots = lots.filter(listing__field=field)
    if search and search.strip():
        lots = lots.filter(listing_search(search, prefix="listing__"))
    if min_price is not None:
        lots = lots.alias(shown_price=lot_price()).filter(shown_price__gte=min_price)
    if max_price is not None:
        lots = lots.alias(shown_price=lot_price()).filter(shown_price__lte=max_price)
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
    return lots.order_by(*lot_order(sort))


def lot_default_order(lots: QuerySet[Lot]) -> QuerySet[Lot]:
    """Lots in the hall's default order (ending soonest), unless already given one: every
    list of lots (a session's, a search's) is in a total order a keyset cursor resumes."""
    return lots if lots.query.order_by else lots.order_by(*lot_order(LotSort.ENDING_SOONEST))


def lots_holding_listing() -> QuerySet[Lot]:
    """Lots by the listing they put up, latest first: ``Listing.lot`` takes the first of a
    listing's. The one place that says which lot a listing is "in"."""
    return Lot.objects.order_by("-session__bidding_starts_at", "-pk")


# -- aggregates a hall page shows per lot, as annotations (one query for the page) --------


def _registration_count(**conditions):
    """How many registrations of the lot meet ``conditions``: a correlated count (not a
    join and GROUP BY), so a page of lots stays one plain query."""
    counted = (
        Registration.objects.filter(lot=OuterRef("pk"), **conditions)
        .order_by()
        .values("lot")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def approved_registrant_count():
    """How many registrations of the lot staff approved (a subquery per row)."""
    return _registration_count(status=ReviewStatus.APPROVED)


def priority_holder_count():
    """How many registrants of the lot hold the priority purchase right (a subquery per
    row; who they are is not disclosed)."""
    return _registration_count(priority_order__isnull=False)


class ViewerStanding(TextChoices):
    """Where the caller stands on a lot."""

    NOT_REGISTERED = "NOT_REGISTERED", "未报名"
    REGISTRATION_PENDING = "REGISTRATION_PENDING", "报名审核中"
    REGISTRATION_REJECTED = "REGISTRATION_REJECTED", "报名未通过"
    NOT_BIDDING = "NOT_BIDDING", "未出价"
    LEADING = "LEADING", "领先"
    OUTBID = "OUTBID", "被超越"
    WON = "WON", "竞得"
    LOST = "LOST", "未竞得"


VIEWER_STANDING_FIELDS = (
    "viewer_registration_id_",
    "viewer_registration_status_",
    "viewer_has_bid_",
    "viewer_holds_deal_",
)


def viewer_standing_annotations(user) -> dict:
    """What viewer_standing needs of the caller's registration, joined into the lots' query
    as subqueries (so a page of lots costs no query more)."""
    if not user.is_authenticated:  # no standing: nothing to look up per row
        return {
            "viewer_registration_id_": Value(None, output_field=IntegerField()),
            "viewer_registration_status_": Value(None, output_field=CharField()),
            "viewer_has_bid_": Value(False, output_field=BooleanField()),
            "viewer_holds_deal_": Value(False, output_field=BooleanField()),
        }
    user_id = user.pk
    mine = Registration.objects.filter(lot=OuterRef("pk"), user_id=user_id)
    return {
        "viewer_registration_id_": Subquery(mine.values("pk")[:1]),
        "viewer_registration_status_": Subquery(mine.values("status")[:1]),
        "viewer_has_bid_": Exists(
            Bid.objects.filter(lot=OuterRef("pk"), registration__user_id=user_id)
        ),
        # a deal of the lot is theirs: the winner's, or one of several licences' (issue 14)
        "viewer_holds_deal_": Exists(
            Lot.deals.rel.related_model.objects.filter(lot=OuterRef("pk"), buyer_id=user_id)
        ),
    }


def viewer_standing(
    *,
    result: str,
    leader_id: int | None,
    winner_id: int | None,
    holds_deal: bool,
    registration_id: int | None,
    registration_status: str | None,
    has_bid: bool,
) -> str:
    """The caller's standing on a lot from their registration (if any) and the lot's state.
    Until a finished lot is finalized its leader stays LEADING (the result is not out)."""
    if registration_id is None:
        return ViewerStanding.NOT_REGISTERED
    if registration_status == ReviewStatus.PENDING:
        return ViewerStanding.REGISTRATION_PENDING
    if registration_status == ReviewStatus.REJECTED:
        return ViewerStanding.REGISTRATION_REJECTED
    if result:
        # the winner, or one of several licensees (each has a deal of the lot, issue 14)
        if result == LotResult.SOLD and (winner_id == registration_id or holds_deal):
            return ViewerStanding.WON
        return ViewerStanding.LOST if has_bid else ViewerStanding.NOT_BIDDING
    if not has_bid:
        return ViewerStanding.NOT_BIDDING
    return ViewerStanding.LEADING if leader_id == registration_id else ViewerStanding.OUTBID


def viewer_standing_of(*, user, lot: Lot) -> str | None:
    """viewer_standing for one lot read outside a list (a few queries); None when signed
    out."""
    if not user.is_authenticated:
        return None
    registration = Registration.objects.filter(lot=lot, user=user).first()
    return viewer_standing(
        result=lot.result,
        leader_id=lot.leader_id,
        winner_id=lot.winner_id,
        holds_deal=lot.licence_count > 1 and lot.deals.filter(buyer=user).exists(),
        registration_id=registration.pk if registration else None,
        registration_status=registration.status if registration else None,
        has_bid=bool(registration) and Bid.objects.filter(registration=registration).exists(),
    )


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
    under_priority_right: bool  # the current price is held by a holder's match
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
    last_bid = Bid.objects.filter(lot_id=OuterRef("pk"), seq=OuterRef("last_seq"))
    lots = (
        Lot.objects.select_related("session", "winner")
        .annotate(under_priority_right_=Subquery(last_bid.values("under_priority_right")[:1]))
        .order_by("pk")
    )
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
            under_priority_right=bool(lot.under_priority_right_),
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
        .only(
            "lot_id",
            "seq",
            "amount",
            "bidder_number",
            "is_proxy",
            "under_priority_right",
            "placed_at",
            "ends_at_after",
        )
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
