"""Buyer registration (报名): the signed commitment letter, before 16:00 the day before."""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction

from accounts.errors import VerificationErrorCode
from accounts.models import Verification
from auctions.errors import AuctionErrorCode
from auctions.models import Lot, LotPhase, PriorityBasis, Registration
from deals.selectors import buyer_is_barred
from files.models import FileKind
from files.services import file_store
from kernel.clock import SHANGHAI, db_now, now
from kernel.errors import CommonErrorCode, DomainError, ErrorCollector
from kernel.permissions import Perm, staff_require
from kernel.text import clean_text
from notifications.services import notify
from reviews.models import ReviewStatus
from reviews.services import review_kind_for, review_refuse_own, review_submit

DEADLINE_TIME = time(16, 0)


def registration_deadline_for(auction_day) -> datetime:
    """16:00 Asia/Shanghai on the day before the auction day."""
    return datetime.combine(auction_day - timedelta(days=1), DEADLINE_TIME, tzinfo=SHANGHAI)


def registration_deadline(lot: Lot) -> datetime:
    return registration_deadline_for(lot.session.auction_day)


@transaction.atomic
def registration_submit(*, user, lot_id: int, commitment_letter) -> Registration:
    """Register for a lot in its notice phase with the signed or stamped commitment letter
    (《网络竞价承诺函》, PDF or image); staff review it. A rejected one is resubmitted."""
    lot = (
        Lot.objects.select_related("session__season", "listing__shop__identity")
        .filter(pk=lot_id)
        .first()
    )
    if lot is None:
        raise DomainError(CommonErrorCode.NOT_FOUND, field="lotId")
    if not Verification.objects.filter(user=user, status=ReviewStatus.APPROVED).exists():
        raise DomainError(VerificationErrorCode.VERIFICATION_REQUIRED)
    if lot.listing.shop.identity.user_id == user.pk:
        raise DomainError(AuctionErrorCode.OWN_LOT, field="lotId")
    if buyer_is_barred(user):
        raise DomainError(
            AuctionErrorCode.BARRED,
            field="lotId",
            params={"limit": settings.BUYER_STRIKES_TO_BAR},
        )
    at = db_now()
    if lot.phase_at(at) != LotPhase.NOTICE:
        raise DomainError(AuctionErrorCode.NOT_IN_NOTICE_PHASE, field="lotId")
    deadline = registration_deadline(lot)
    if at >= deadline:
        raise DomainError(
            AuctionErrorCode.REGISTRATION_DEADLINE_PASSED,
            field="lotId",
            params={"deadline": deadline.strftime("%Y-%m-%d %H:%M")},
        )
    registration = Registration.objects.select_for_update().filter(lot=lot, user=user).first()
    if registration is not None and registration.status != ReviewStatus.REJECTED:
        raise DomainError(AuctionErrorCode.ALREADY_REGISTERED, field="lotId")
    letter = file_store(
        upload=commitment_letter,
        kind=FileKind.COMMITMENT_LETTER,
        owner=user,
        field="commitmentLetter",
    )
    registration = registration or Registration(lot=lot, user=user)
    registration.commitment_letter = letter
    registration.deposit_required = lot.session.season.deposit_required
    registration.deposit_amount = lot.session.season.deposit_amount
    try:
        with transaction.atomic():
            review_submit(
                subject=registration,
                actor=user,
                snapshot={"lot": lot.pk, "commitment_letter": str(letter.pk)},
            )
    except IntegrityError as exc:  # registered concurrently
        raise DomainError(AuctionErrorCode.ALREADY_REGISTERED, field="lotId") from exc
    return registration


@transaction.atomic
def registration_deposit_confirm(*, actor, registration_id: int) -> Registration:
    """Staff confirm that a registrant's deposit arrived (seasons that take one)."""
    staff_require(actor, Perm.REVIEW_REGISTRATION)
    registration = Registration.objects.select_for_update().filter(pk=registration_id).first()
    if registration is None:
        raise DomainError(CommonErrorCode.NOT_FOUND, field="id")
    review_refuse_own(kind=review_kind_for(Registration), subject=registration, actor=actor)
    if not registration.deposit_required:
        raise DomainError(AuctionErrorCode.DEPOSIT_NOT_REQUIRED, field="id")
    if registration.deposit_confirmed_at is None:
        registration.deposit_confirmed_at = now()
        registration.deposit_confirmed_by = actor
        registration.save(update_fields=["deposit_confirmed_at", "deposit_confirmed_by"])
    return registration


def registration_before_decision(registration: Registration, approve: bool) -> None:
    if approve and registration.deposit_required and registration.deposit_confirmed_at is None:
        raise DomainError(AuctionErrorCode.DEPOSIT_NOT_CONFIRMED, field="id")


def registration_on_decided(registration: Registration) -> None:
    """Approval assigns the next bidder number (竞买号) of the lot."""
    if registration.status != ReviewStatus.APPROVED or registration.bidder_number:
        return
    lot = Lot.objects.select_for_update(of=("self",)).get(pk=registration.lot_id)
    registration.bidder_number = f"{lot.pk:03d}{lot.next_bidder_number:03d}"
    lot.next_bidder_number += 1
    lot.save(update_fields=["next_bidder_number"])
    registration.save(update_fields=["bidder_number"])


# -- issue 14: the priority purchase right (优先购买权) ---------------------------------------

PRIORITY_ORDER_LIMIT = 99
PRIORITY_REASON_LIMIT = 500


@transaction.atomic
def registration_priority_mark(
    *, actor, registration_id: int, order: int | None, basis: str | None, reason: str | None
) -> Registration:
    """Staff record that an approved registrant holds the priority purchase right (a
    co-owner of the patent, an existing licensee, ...) with its order (1 first), or, with
    ``order`` None, that it does not (a mark made in error). Only before bidding opens:
    bidders must know the rules of the contest before it starts. Who, when and why are
    kept; a later decision replaces the earlier one."""
    staff_require(actor, Perm.REVIEW_REGISTRATION)
    registration = (
        Registration.objects.select_for_update(of=("self",))
        .select_related("lot__session", "lot__listing", "user")
        .filter(pk=registration_id)
        .first()
    )
    if registration is None:
        raise DomainError(CommonErrorCode.NOT_FOUND, field="id")
    review_refuse_own(kind=review_kind_for(Registration), subject=registration, actor=actor)
    errors = ErrorCollector()
    reason = clean_text(reason, field="reason", errors=errors, limit=PRIORITY_REASON_LIMIT)
    if order is not None:
        if not 1 <= order <= PRIORITY_ORDER_LIMIT:
            errors.add(
                AuctionErrorCode.PRIORITY_ORDER_INVALID,
                field="order",
                limit=PRIORITY_ORDER_LIMIT,
            )
        if basis not in PriorityBasis.values:
            errors.add(CommonErrorCode.REQUIRED, field="basis")
    errors.raise_if_any()
    if registration.status != ReviewStatus.APPROVED:
        raise DomainError(AuctionErrorCode.PRIORITY_MARK_NOT_APPROVED, field="id")
    lot = registration.lot
    if lot.result:
        raise DomainError(AuctionErrorCode.LOT_ALREADY_ENDED, field="id")
    # The database clock, as the bid path judges the opening: no bid can be placed before
    # a mark it should have seen (the bid path reads the order in its snapshot).
    if db_now() >= lot.session.bidding_starts_at:
        raise DomainError(AuctionErrorCode.PRIORITY_MARK_CLOSED, field="id")
    registration.priority_order = order
    registration.priority_basis = basis if order is not None else ""
    registration.priority_reason = reason
    registration.priority_marked_by = actor
    registration.priority_marked_at = now()
    registration.save(
        update_fields=[
            "priority_order",
            "priority_basis",
            "priority_reason",
            "priority_marked_by",
            "priority_marked_at",
        ]
    )
    title, number = lot.listing.title, registration.bidder_number
    if order is not None:
        text = (
            f"【省技术产权交易市场】您对「{title}」的竞买报名（竞买号{number}）已认定为优先购买权人"
            f"（顺序{order}）。竞价时您可以与当前最高出价相同的价格出价；报名后未出价的，"
            "视为放弃优先购买权。"
        )
    else:
        text = (
            f"【省技术产权交易市场】您对「{title}」的竞买报名（竞买号{number}）的优先购买权认定"
            f"已撤销：{reason}"
        )
    notify(
        user=registration.user,
        kind="registration.priority",
        title="优先购买权认定",
        text=text,
        subject=registration,
    )
    return registration


def registrations_record_priority_waivers(lot: Lot, at) -> int:
    """At the lot's end: a holder who registered and never bid has waived the right (视为放
    弃优先购买权); record when. Returns how many."""
    return Registration.objects.filter(
        lot=lot, priority_order__isnull=False, priority_waived_at__isnull=True, bids__isnull=True
    ).update(priority_waived_at=at)
