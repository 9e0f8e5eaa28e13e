"""The bidding engine. One short transaction per bid: lock the lot row, judge the bid by the
database's clock, write it with the next gapless sequence number and its hash, let proxy
maxima answer, and publish the events after commit."""

import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction

from auctions.errors import AuctionErrorCode
from auctions.events import bid_placed, publish_lot_events
from auctions.models import Bid, Lot, ProxyBid, Registration
from kernel.clock import db_now
from kernel.errors import CommonErrorCode, DomainError, ErrorCollector
from listings.services import clean_price
from reviews.models import ReviewStatus

from .chain import GENESIS, bid_hash

_KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
# A bidding war between two maxima is settled in at most two bids per round; this bounds
# the rounds a single event can trigger (each round eliminates one challenger).
MAX_PROXY_ROUNDS = 1000


@dataclass
class BidOutcome:
    bid: Bid  # the caller's own bid (for a replayed idempotency key, the original one)
    lot: Lot
    replayed: bool = False


def _money(value, *, field: str) -> Decimal:
    errors = ErrorCollector()
    amount = clean_price(value, errors=errors, field=field)
    errors.raise_if_any()
    return amount


def _registration(user, lot_id: int) -> Registration | None:
    return Registration.objects.filter(lot_id=lot_id, user=user).first()


def _require_approved(registration: Registration | None) -> Registration:
    if registration is None:
        raise DomainError(AuctionErrorCode.NOT_REGISTERED, field="lotId")
    if registration.status != ReviewStatus.APPROVED:
        raise DomainError(AuctionErrorCode.REGISTRATION_NOT_APPROVED, field="lotId")
    return registration


def _approved_registration(user, lot: Lot) -> Registration:
    return _require_approved(_registration(user, lot.pk))


def _check_bidding(lot: Lot, at) -> None:
    if at < lot.session.bidding_starts_at:
        raise DomainError(AuctionErrorCode.LOT_NOT_OPEN, field="lotId")
    if lot.result or at >= lot.ends_at:
        raise DomainError(AuctionErrorCode.LOT_ENDED, field="lotId")


def on_grid(lot: Lot, amount: Decimal) -> bool:
    """The start price plus a whole number of increments (every valid bid is on it)."""
    return (amount - lot.start_price) % lot.increment == 0


def _check_amount(lot: Lot, amount: Decimal, *, field: str = "amount") -> None:
    minimum = lot.next_minimum_bid()
    if amount < minimum:
        raise DomainError(AuctionErrorCode.BID_TOO_LOW, field=field, params={"minimum": minimum})
    # First bid: start + k*increment (k >= 0); later: current + k*increment (k >= 1). The
    # current price is itself on the grid, so both are one check against the start price.
    if not on_grid(lot, amount):
        raise DomainError(
            AuctionErrorCode.BID_NOT_MULTIPLE_OF_INCREMENT,
            field=field,
            params={"increment": lot.increment},
        )


def _write_bid(
    lot: Lot, registration: Registration, amount: Decimal, at, *, proxy: bool, key: str = ""
) -> Bid:
    """Append one bid to the lot (already locked and checked) and move the lot on."""
    seq = lot.last_seq + 1
    window = timedelta(minutes=lot.session.season.anti_sniping_minutes)
    if window and lot.ends_at - at < window:
        lot.ends_at = at + window  # anti-sniping: the end moves to N minutes after this bid
    prev = lot.head_hash or GENESIS
    bid = Bid(
        lot=lot,
        registration=registration,
        seq=seq,
        amount=amount,
        bidder_number=registration.bidder_number,
        placed_at=at,
        is_proxy=proxy,
        idempotency_key=key,
        ends_at_after=lot.ends_at,
        prev_hash=prev,
    )
    bid.hash = bid_hash(
        prev_hash=prev,
        lot_id=lot.pk,
        seq=seq,
        bidder_number=bid.bidder_number,
        amount=amount,
        placed_at=at,
        is_proxy=proxy,
    )
    bid.save()
    lot.last_seq = seq
    lot.head_hash = bid.hash
    lot.current_price = amount
    lot.leader = registration
    lot.bid_count += 1
    return bid


def _resolve_proxies(lot: Lot, at) -> list[Bid]:
    """Let the maxima answer until no one can outbid the leader. Of two equal maxima the
    earlier one wins; a manual bid that equals a maximum stands (it reached the amount first).
    """
    proxies = list(
        ProxyBid.objects.filter(lot=lot).select_related("registration").order_by("set_at", "pk")
    )
    placed: list[Bid] = []
    if not proxies:
        return placed
    exhausted: set[int] = set()

    def rank(proxy, maximum=None):
        return (-(maximum if maximum is not None else proxy.max_amount), proxy.set_at, proxy.pk)

    for _ in range(MAX_PROXY_ROUNDS):
        minimum = lot.next_minimum_bid()
        challengers = [
            p
            for p in proxies
            if p.registration_id != lot.leader_id
            and p.max_amount >= minimum
            and p.pk not in exhausted
        ]
        if not challengers:
            return placed
        challenger = min(challengers, key=rank)
        defender = next((p for p in proxies if p.registration_id == lot.leader_id), None)

        if defender is None:
            placed.append(_write_bid(lot, challenger.registration, minimum, at, proxy=True))
            continue
        # The leader's own manual bid may stand above its maximum.
        held = max(defender.max_amount, lot.current_price)
        if rank(challenger) < rank(defender, held):  # the challenger's maximum wins
            if challenger.max_amount > held:
                amount = min(challenger.max_amount, held + lot.increment)
            else:  # equal maxima, the challenger's is earlier
                amount = challenger.max_amount
            if amount < minimum:  # the leader already sits at that maximum: nothing to do
                exhausted.add(challenger.pk)
                continue
            placed.append(_write_bid(lot, challenger.registration, amount, at, proxy=True))
            continue
        # The defender's maximum wins: the challenger bids its best, the defender answers.
        best = challenger.max_amount
        if best == held:
            best -= lot.increment
        if best >= minimum:
            placed.append(_write_bid(lot, challenger.registration, best, at, proxy=True))
            answer = min(held, best + lot.increment)
            placed.append(_write_bid(lot, defender.registration, answer, at, proxy=True))
        else:  # equal maxima one increment above the price: the earlier one takes it
            placed.append(_write_bid(lot, defender.registration, held, at, proxy=True))
        exhausted.add(challenger.pk)
    return placed


def _locked_lot(lot_id: int) -> Lot:
    lot = (
        Lot.objects.select_for_update(of=("self",))
        .select_related("session__season", "leader")
        .filter(pk=lot_id)
        .first()
    )
    if lot is None:
        raise DomainError(CommonErrorCode.NOT_FOUND, field="lotId")
    return lot


def _replay(registration: Registration | None, key: str, amount: Decimal) -> Bid | None:
    """The bid this registrant already placed with ``key`` (the unique index answers)."""
    if registration is None:
        return None
    earlier = Bid.objects.filter(registration=registration, idempotency_key=key).first()
    if earlier is None:
        return None
    if earlier.amount != amount:
        raise DomainError(AuctionErrorCode.IDEMPOTENCY_KEY_REUSED, field="idempotencyKey")
    return earlier


def bid_place(*, user, lot_id: int, amount, idempotency_key: str) -> BidOutcome:
    """Place a bid (出价). A retry with the same key and amount returns the first result."""
    if not _KEY.fullmatch(idempotency_key or ""):
        raise DomainError(AuctionErrorCode.IDEMPOTENCY_KEY_INVALID, field="idempotencyKey")
    amount = _money(amount, field="amount")
    # Read before the lock: an approved registration stays approved (decisions are final
    # and only a rejected one is resubmitted), so the check below holds under the lock.
    registration = _registration(user, lot_id)
    earlier = _replay(registration, idempotency_key, amount)
    if earlier is not None:
        return BidOutcome(bid=earlier, lot=earlier.lot, replayed=True)
    try:
        with transaction.atomic():
            lot = _locked_lot(lot_id)
            # Checked again under the lock: the first attempt may have just committed.
            earlier = _replay(registration, idempotency_key, amount)
            if earlier is not None:
                return BidOutcome(bid=earlier, lot=lot, replayed=True)
            at = db_now()
            registration = _require_approved(registration)
            _check_bidding(lot, at)
            if lot.leader_id == registration.pk:
                raise DomainError(AuctionErrorCode.LEADER_CANNOT_RAISE, field="amount")
            _check_amount(lot, amount)
            bid = _write_bid(lot, registration, amount, at, proxy=False, key=idempotency_key)
            placed = [bid, *_resolve_proxies(lot, at)]
            lot.save()
            publish_lot_events(lot, [bid_placed(lot, b) for b in placed])
            return BidOutcome(bid=bid, lot=lot)
    except IntegrityError:  # the same key committed by a concurrent retry
        earlier = _replay(registration, idempotency_key, amount)
        if earlier is None:
            raise
        return BidOutcome(bid=earlier, lot=earlier.lot, replayed=True)


def proxy_bid_set(*, user, lot_id: int, max_amount) -> tuple[ProxyBid, Lot]:
    """Set or raise one's maximum (代理出价); the engine bids for it at once if it must."""
    max_amount = _money(max_amount, field="maxAmount")
    with transaction.atomic():
        lot = _locked_lot(lot_id)
        at = db_now()
        registration = _approved_registration(user, lot)
        _check_bidding(lot, at)
        # A maximum must be able to bid: above the price (or at it, for the leader's own).
        minimum = lot.current_price if lot.leader_id == registration.pk else lot.next_minimum_bid()
        if lot.leader_id == registration.pk:
            minimum += lot.increment
        if max_amount < minimum:
            raise DomainError(
                AuctionErrorCode.PROXY_MAX_TOO_LOW, field="maxAmount", params={"minimum": minimum}
            )
        if not on_grid(lot, max_amount):
            raise DomainError(
                AuctionErrorCode.BID_NOT_MULTIPLE_OF_INCREMENT,
                field="maxAmount",
                params={"increment": lot.increment},
            )
        proxy, _ = ProxyBid.objects.update_or_create(
            registration=registration,
            defaults={"lot": lot, "max_amount": max_amount, "set_at": at},
        )
        placed = _resolve_proxies(lot, at)
        lot.save()
        publish_lot_events(lot, [bid_placed(lot, b) for b in placed])
        return proxy, lot
