"""Staff set up seasons, sessions and lots."""

from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from auctions.errors import AuctionErrorCode
from auctions.models import AuctionSession, Lot, LotItem, Season
from files.models import FileKind
from files.services import file_store
from kernel.clock import SHANGHAI, db_now
from kernel.errors import CommonErrorCode, DomainError, ErrorCollector
from kernel.money import clean_amount
from kernel.permissions import Perm, staff_require
from kernel.text import clean_text
from listings.models import LicenceKind, Listing, ListingStatus, TransactionType
from listings.services import listing_licence, season_eligible

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
    max_licences_per_lot: int = 1,
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
    if not 1 <= max_licences_per_lot <= MAX_LICENCES_PER_LOT:
        errors.add(
            AuctionErrorCode.LICENCE_COUNT_INVALID,
            field="maxLicencesPerLot",
            limit=MAX_LICENCES_PER_LOT,
        )
    errors.raise_if_any()
    return Season.objects.create(
        name=name,
        rules=rules,
        deposit_required=deposit_required,
        deposit_amount=deposit if deposit_required else None,
        anti_sniping_minutes=anti_sniping_minutes,
        default_increment=increment,
        max_licences_per_lot=max_licences_per_lot,
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


MAX_PACKAGE_LISTINGS = 20
MAX_LICENCES_PER_LOT = 20


def _sale_terms(listing: Listing) -> tuple:
    """What a package's listings must share: one contract sells them all."""
    terms = listing_licence(listing)
    return (listing.transaction_type, terms.as_tuple() if terms else None)


def _check_package(
    ids: list[int], listings: dict[int, Listing], errors: ErrorCollector
) -> list[Listing]:
    """Each listing of the lot (the lead first): on sale, opted in and eligible (own, of a
    university, institute or state-owned enterprise), in no other open lot, of the lead's
    shop and sold on the lead's terms."""
    lead = listings.get(ids[0])
    checked = []
    for index, listing_id in enumerate(ids):
        field = "listingId" if index == 0 else f"packageListingIds.{index - 1}"
        listing = listings.get(listing_id)
        if listing is not None and listing.status == ListingStatus.IN_AUCTION:
            errors.add(AuctionErrorCode.LISTING_ALREADY_IN_LOT, field=field)
            continue
        if (
            listing is None
            or listing.status not in (ListingStatus.LISTED, ListingStatus.UNSOLD)
            or not listing.season_opt_in
            or not season_eligible(listing)
        ):
            errors.add(AuctionErrorCode.LISTING_NOT_AVAILABLE, field=field)
            continue
        if index and lead is not None:
            if listing.shop_id != lead.shop_id:
                errors.add(AuctionErrorCode.PACKAGE_MIXES_SHOPS, field=field)
                continue
            if _sale_terms(listing) != _sale_terms(lead):
                errors.add(AuctionErrorCode.PACKAGE_TERMS_DIFFER, field=field)
                continue
        checked.append(listing)
    return checked


@transaction.atomic
def lot_create(
    *,
    actor,
    session_id: int,
    listing_id: int,
    package_listing_ids: list[int] = (),
    increment: Decimal | None = None,
    reserve_price: Decimal | None = None,
    licence_count: int = 1,
) -> Lot:
    """Put an approved, season-opted-in listing up in a session, alone or with other listings
    of its shop as one package (专利包); none can be delisted any more.

    A package starts at the sum of its listings' start prices and is sold or unsold as one.
    ``licence_count`` > 1 sells that many non-exclusive licences to the highest distinct
    bidders (clock.py), where the season allows it. An unsold listing may be put up again
    in a later session.
    """
    _require_manager(actor)
    session = AuctionSession.objects.select_related("season").filter(pk=session_id).first()
    if session is None:
        raise DomainError(CommonErrorCode.NOT_FOUND, field="sessionId")
    if db_now() >= session.bidding_starts_at:
        raise DomainError(AuctionErrorCode.SESSION_ALREADY_STARTED, field="sessionId")
    ids = [listing_id, *package_listing_ids]
    if len(set(ids)) != len(ids):
        raise DomainError(AuctionErrorCode.PACKAGE_LISTING_REPEATED, field="packageListingIds")
    if len(ids) > MAX_PACKAGE_LISTINGS:
        raise DomainError(
            AuctionErrorCode.PACKAGE_TOO_LARGE,
            field="packageListingIds",
            params={"limit": MAX_PACKAGE_LISTINGS},
        )
    # Locked in id order: two lots created at once over overlapping listings cannot deadlock,
    # and the second sees the first's IN_AUCTION (a listing is in one open lot at most).
    locked = (
        Listing.objects.select_for_update(of=("self",))
        .select_related("shop__identity", "licence_terms")
        .filter(pk__in=ids)
        .order_by("pk")
    )
    errors = ErrorCollector()
    listings = _check_package(ids, {listing.pk: listing for listing in locked}, errors)
    errors.raise_if_any()
    lead = listings[0]
    start_price = sum((listing.start_price for listing in listings), Decimal("0.00"))
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
    if reserve is not None and reserve < start_price:
        errors.add(AuctionErrorCode.RESERVE_BELOW_START, field="reservePrice")
    if not 1 <= licence_count <= MAX_LICENCES_PER_LOT:
        errors.add(
            AuctionErrorCode.LICENCE_COUNT_INVALID,
            field="licenceCount",
            limit=MAX_LICENCES_PER_LOT,
        )
    elif licence_count > session.season.max_licences_per_lot:
        errors.add(
            AuctionErrorCode.MULTIPLE_LICENCES_NOT_ALLOWED,
            field="licenceCount",
            limit=session.season.max_licences_per_lot,
        )
    elif licence_count > 1 and (
        lead.transaction_type != TransactionType.LICENSE
        or getattr(listing_licence(lead), "kind", None) != LicenceKind.NON_EXCLUSIVE
    ):
        errors.add(AuctionErrorCode.MULTIPLE_LICENCES_NEED_NON_EXCLUSIVE, field="licenceCount")
    errors.raise_if_any()
    for listing in listings:
        listing.status = ListingStatus.IN_AUCTION
        listing.save(update_fields=["status", "updated_at"])
    lot = Lot.objects.create(
        session=session,
        listing=lead,
        licence_count=licence_count,
        start_price=start_price,
        increment=step,
        reserve_price=reserve,
        ends_at=session.bidding_ends_at,
        created_by=actor,
    )
    LotItem.objects.bulk_create(
        LotItem(lot=lot, listing=listing, position=position)
        for position, listing in enumerate(listings)
    )
    return lot


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
