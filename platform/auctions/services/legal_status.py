"""Legal status re-checked when a lot's bidding opens and at the deal (issue 14).

``lots_legal_status_check_due`` runs from the auction clock (``manage.py
legal_status_check``): a patent lot whose bidding opens within
``LEGAL_STATUS_CHECK_LEAD_MINUTES`` is looked up once through the patent provider; a status
that makes the patent unsellable records a pending pull (撤拍) that staff approve or reject
with ``lot_pull_decide``. Approval ends the lot as PULLED, so the bid path refuses every bid
(a lot with a result is ENDED), and tells the seller and the registrants.
``deals_legal_status_check_due`` looks every sold patent lot up once more and flags an
unsellable one for staff (``LegalStatusCheck.needs_staff``).

The look-ups run without holding a lot's row lock: the HTTP provider may take its timeout,
and a bid must never wait for it.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q

from auctions.errors import AuctionErrorCode
from auctions.events import lot_ended, lot_phase_changed, publish_lot_events
from auctions.models import Lot, LotPhase, LotPull, LotPullStatus, LotResult, Registration
from kernel.clock import now
from kernel.errors import CommonErrorCode, DomainError
from kernel.permissions import Perm, staff_require
from listings.legal_status import listing_legal_status_check
from listings.models import (
    LegalStatus,
    LegalStatusCheck,
    LegalStatusCheckStage,
    LegalStatusOutcome,
    Listing,
    ListingStatus,
    ListingType,
)
from notifications.services import notify
from reviews.models import ReviewStatus


def _unchecked(stage: str):
    return ~Exists(LegalStatusCheck.objects.filter(stage=stage, lot_id=OuterRef("pk")))


@transaction.atomic
def lot_legal_status_check(*, lot: Lot) -> LegalStatusCheck | None:
    """Look the lot's patents up as its bidding opens (each of a package's: it sells as one);
    an unsellable status records a pending pull for staff (at most one pending per lot).
    Returns the first unsellable check, else the lead listing's."""
    checks = [
        listing_legal_status_check(
            listing=listing, stage=LegalStatusCheckStage.BIDDING_OPEN, lot_id=lot.pk
        )
        for listing in lot.listings_in_order()
    ]
    unsellable = [c for c in checks if c is not None and c.outcome == LegalStatusOutcome.UNSELLABLE]
    check = unsellable[0] if unsellable else checks[0]
    if check is not None and check.outcome == LegalStatusOutcome.UNSELLABLE:
        try:
            with transaction.atomic():
                LotPull.objects.create(lot=lot, legal_status_check=check, created_at=now())
        except IntegrityError:  # a pull is already pending: staff decide that one
            return check
        _notify_auction_staff(lot, check.status)
    return check


def _auction_staff():
    """Active staff who may decide pulls (the permission directly, by group, or superuser)."""
    app_label, codename = Perm.MANAGE_AUCTIONS.split(".")
    granted = Q(user_permissions__codename=codename) & Q(
        user_permissions__content_type__app_label=app_label
    )
    by_group = Q(groups__permissions__codename=codename) & Q(
        groups__permissions__content_type__app_label=app_label
    )
    return (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True)
        .filter(Q(is_superuser=True) | granted | by_group)
        .distinct()
    )


def _notify_auction_staff(lot: Lot, status: str) -> None:
    """Staff must decide before bidding opens: the bid path knows nothing of pending pulls."""
    text = (
        f"【省技术产权交易市场】拍品「{lot.subject_title()}」的专利法律状态核查结果为"
        f"{LegalStatus(status).label}，已提出撤拍，请在竞价开始前作出决定。"
    )
    for user in _auction_staff():
        notify(user=user, kind="lot.pull_proposed", title="待决定撤拍", text=text, subject=lot)


def lots_legal_status_check_due(*, limit: int = 100) -> int:
    """Check every patent lot whose bidding opens within the lead time (or has opened and
    not ended) and was not checked at this stage yet. Returns how many were checked."""
    at = now()
    lead = timedelta(minutes=settings.LEGAL_STATUS_CHECK_LEAD_MINUTES)
    due = (
        Lot.objects.filter(
            result="",
            listing__type=ListingType.PATENT,
            session__bidding_starts_at__lte=at + lead,
            ends_at__gt=at,
        )
        .exclude(listing__patent_number="")
        .filter(_unchecked(LegalStatusCheckStage.BIDDING_OPEN))
        .select_related("listing")
        .prefetch_related("items__listing")
        .order_by("session__bidding_starts_at", "pk")[:limit]
    )
    lots = list(due)
    for lot in lots:
        lot_legal_status_check(lot=lot)
    return len(lots)


def deals_legal_status_check_due(*, limit: int = 100) -> int:
    """Check every sold patent lot once at its deal; an unsellable status is flagged for
    staff (the deal itself is left to them)."""
    due = list(
        Lot.objects.filter(result=LotResult.SOLD, listing__type=ListingType.PATENT)
        .exclude(listing__patent_number="")
        .filter(_unchecked(LegalStatusCheckStage.DEAL))
        .select_related("listing")
        .prefetch_related("items__listing")
        .order_by("finalized_at", "pk")[:limit]
    )
    for lot in due:
        with transaction.atomic():
            for listing in lot.listings_in_order():
                listing_legal_status_check(
                    listing=listing,
                    stage=LegalStatusCheckStage.DEAL,
                    lot_id=lot.pk,
                    needs_staff_if_unsellable=True,
                )
    return len(due)


def _notify_pulled(lot: Lot, status: str) -> None:
    title = lot.subject_title()
    label = LegalStatus(status).label if status else "-"
    text = (
        f"【省技术产权交易市场】「{title}」因专利法律状态变更（{label}），经审核已撤拍，"
        "本场不再竞价。"
    )
    notify(
        user=lot.listing.shop.identity.user,
        kind="lot.pulled",
        title="拍品已撤拍",
        text=text,
        subject=lot,
    )
    registrations = Registration.objects.filter(
        lot=lot, status__in=(ReviewStatus.PENDING, ReviewStatus.APPROVED)
    ).select_related("user")
    for registration in registrations:
        notify(
            user=registration.user, kind="lot.pulled", title="拍品已撤拍", text=text, subject=lot
        )


@transaction.atomic
def lot_pull_decide(*, actor, pull_id: int, approve: bool, note: str = "") -> LotPull:
    """Staff approve a pending pull (the lot ends as PULLED, its listing is delisted, the
    seller and registrants are told) or reject it (bidding goes on)."""
    staff_require(actor, Perm.MANAGE_AUCTIONS)
    pull = (
        LotPull.objects.select_for_update(of=("self",))
        .select_related("legal_status_check")
        .filter(pk=pull_id)
        .first()
    )
    if pull is None:
        raise DomainError(CommonErrorCode.NOT_FOUND, field="id")
    if pull.status != LotPullStatus.PENDING:
        raise DomainError(AuctionErrorCode.LOT_PULL_ALREADY_DECIDED, field="id")
    at = now()
    if approve:
        lot = (
            Lot.objects.select_for_update(of=("self",))
            .select_related("session", "listing__shop__identity__user", "winner")
            .get(pk=pull.lot_id)
        )
        if lot.result:
            raise DomainError(AuctionErrorCode.LOT_ALREADY_ENDED, field="id")
        lot.result = LotResult.PULLED
        lot.finalized_at = at
        lot.published_phase = LotPhase.ENDED
        lot.save(update_fields=["result", "finalized_at", "published_phase"])
        Listing.objects.filter(pk__in=[listing.pk for listing in lot.listings_in_order()]).update(
            status=ListingStatus.DELISTED, delisted_at=at, updated_at=at
        )
        _notify_pulled(lot, pull.legal_status_check.status)
        publish_lot_events(lot, [lot_phase_changed(lot, LotPhase.ENDED, at), lot_ended(lot, at)])
    pull.status = LotPullStatus.APPROVED if approve else LotPullStatus.REJECTED
    pull.decided_by = actor
    pull.decided_at = at
    pull.note = (note or "").strip()
    pull.save(update_fields=["status", "decided_by", "decided_at", "note"])
    return pull
