"""Staff set up seasons, sessions and lots."""

from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from auctions.errors import AuctionErrorCode
from auctions.models import AuctionSession, Lot, Season
from files.models import FileKind
from files.services import file_store
from kernel.clock import SHANGHAI, db_now
from kernel.errors import CommonErrorCode, DomainError, ErrorCollector
from kernel.money import clean_amount
from kernel.permissions import Perm, staff_require
from kernel.text import clean_text
from listings.models import Listing, ListingStatus
from listings.services import season_eligible

MAX_ANTI_SNIPING_MINUTES = 60


def _require_manager(actor) -> None:
    staff_require(actor, Perm.MANAGE_AUCTIONS)


@transaction.atomic
def season_create(
    *,
    actor,
    name: str,
    rules: str,
    deposit_required: bool = False,
    deposit_amount: Decimal | None = None,
    anti_sniping_minutes: int = 5,
    default_increment: Decimal = Decimal("1000.00"),
) -> Season:
    _require_manager(actor)
    errors = ErrorCollector()
    name = clean_text(name, field="name", errors=errors, limit=100)
    rules = clean_text(rules, field="rules", errors=errors, limit=20000)
    increment = clean_amount(
        default_increment,
        errors=errors,
        field="defaultIncrement",
        code=AuctionErrorCode.INCREMENT_INVALID,
    )
    deposit = clean_amount(
        deposit_amount,
        errors=errors,
        field="depositAmount",
        code=AuctionErrorCode.DEPOSIT_AMOUNT_INVALID,
    )
    if deposit_required and deposit_amount in (None, ""):
        errors.add(CommonErrorCode.REQUIRED, field="depositAmount")
    if not 0 <= anti_sniping_minutes <= MAX_ANTI_SNIPING_MINUTES:
        errors.add(
            AuctionErrorCode.ANTI_SNIPING_MINUTES_INVALID,
            field="antiSnipingMinutes",
            limit=MAX_ANTI_SNIPING_MINUTES,
        )
    errors.raise_if_any()
    return Season.objects.create(
        name=name,
        rules=rules,
        deposit_required=deposit_required,
        deposit_amount=deposit if deposit_required else None,
        anti_sniping_minutes=anti_sniping_minutes,
        default_increment=increment,
        created_by=actor,
    )


@transaction.atomic
def session_create(
    *,
    actor,
    season_id: int,
    name: str,
    auction_day: date,
    notice_starts_at: datetime,
    bidding_starts_at: datetime,
    bidding_ends_at: datetime,
) -> AuctionSession:
    _require_manager(actor)
    season = Season.objects.filter(pk=season_id).first()
    if season is None:
        raise DomainError(CommonErrorCode.NOT_FOUND, field="seasonId")
    # Times without an offset are the exchange's own: Asia/Shanghai.
    notice_starts_at, bidding_starts_at, bidding_ends_at = (
        value if timezone.is_aware(value) else timezone.make_aware(value, SHANGHAI)
        for value in (notice_starts_at, bidding_starts_at, bidding_ends_at)
    )
    errors = ErrorCollector()
    name = clean_text(name, field="name", errors=errors, limit=100)
    if not notice_starts_at < bidding_starts_at < bidding_ends_at:
        errors.add(AuctionErrorCode.SESSION_TIMES_INVALID, field="biddingStartsAt")
    elif bidding_starts_at.astimezone(SHANGHAI).date() != auction_day:
        errors.add(AuctionErrorCode.SESSION_DAY_MISMATCH, field="auctionDay")
    errors.raise_if_any()
    return AuctionSession.objects.create(
        season=season,
        name=name,
        auction_day=auction_day,
        notice_starts_at=notice_starts_at,
        bidding_starts_at=bidding_starts_at,
        bidding_ends_at=bidding_ends_at,
    )


@transaction.atomic
def lot_create(
    *,
    actor,
    session_id: int,
    listing_id: int,
    increment: Decimal | None = None,
    reserve_price: Decimal | None = None,
) -> Lot:
    """Put an approved, season-opted-in listing up in a session; it can no longer be delisted.

    An unsold listing may be put up again in a later session.
    """
    _require_manager(actor)
    session = AuctionSession.objects.select_related("season").filter(pk=session_id).first()
    if session is None:
        raise DomainError(CommonErrorCode.NOT_FOUND, field="sessionId")
    if db_now() >= session.bidding_starts_at:
        raise DomainError(AuctionErrorCode.SESSION_ALREADY_STARTED, field="sessionId")
    listing = (
        Listing.objects.select_for_update()
        .filter(
            pk=listing_id,
            status__in=[ListingStatus.LISTED, ListingStatus.UNSOLD],
            season_opt_in=True,
        )
        .first()
    )
    if listing is None or not season_eligible(listing):
        raise DomainError(AuctionErrorCode.LISTING_NOT_AVAILABLE, field="listingId")
    errors = ErrorCollector()
    step = clean_amount(
        increment if increment is not None else session.season.default_increment,
        errors=errors,
        field="increment",
        code=AuctionErrorCode.INCREMENT_INVALID,
    )
    reserve = clean_amount(
        reserve_price,
        errors=errors,
        field="reservePrice",
        code=AuctionErrorCode.RESERVE_PRICE_INVALID,
    )
    if reserve is not None and reserve < listing.start_price:
        errors.add(AuctionErrorCode.RESERVE_BELOW_START, field="reservePrice")
    errors.raise_if_any()
    listing.status = ListingStatus.IN_AUCTION
    listing.save(update_fields=["status", "updated_at"])
    return Lot.objects.create(
        session=session,
        listing=listing,
        start_price=listing.start_price,
        increment=step,
        reserve_price=reserve,
        ends_at=session.bidding_ends_at,
        created_by=actor,
    )


@transaction.atomic
def season_contract_template_set(*, actor, season_id: int, template) -> Season:
    """Replace the platform's default contract template for this season's deals (PDF)."""
    _require_manager(actor)
    season = Season.objects.select_for_update().filter(pk=season_id).first()
    if season is None:
        raise DomainError(CommonErrorCode.NOT_FOUND, field="seasonId")
    season.contract_template = file_store(
        upload=template, kind=FileKind.CONTRACT_TEMPLATE, owner=actor, field="template"
    )
    season.save(update_fields=["contract_template"])
    return season
