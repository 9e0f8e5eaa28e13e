"""The bidding engine. One short transaction per bid: lock the lot row, judge the bid by the
database's clock, write it with the next gapless sequence number and its hash, let proxy
maxima answer, and publish the events after commit. The hot statements are fixed SQL
(:mod:`auctions.services.bid_rows`): the ORM's compilation of them was most of a bid's CPU."""

import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction

from auctions.errors import AuctionErrorCode
from auctions.events import bid_placed, publish_lot_events
from auctions.models import Bid, Lot, ProxyBid, Registration
from kernel.errors import CommonErrorCode, DomainError, ErrorCollector
from kernel.money import clean_amount
from reviews.models import ReviewStatus

from . import bid_rows
from .chain import GENESIS, RECORD_FORMAT, hash_of

_KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
# A bidding war between two maxima is settled in at most two bids per round; this bounds
# the rounds a single event can trigger (each round eliminates one challenger).
MAX_PROXY_ROUNDS = 1000


@dataclass
class BidOutcome:
    bid: Bid  # the caller's own bid (for a replayed idempotency key, the original one)
    lot: Lot
    replayed: bool = False


def _money(value, *, field: str, code: AuctionErrorCode) -> Decimal:
    """``value`` as an amount; a blank one is as invalid as a bad one (a bid needs one)."""
    errors = ErrorCollector()
    amount = clean_amount(value, errors=errors, field=field, code=code)
    errors.raise_if_any()
    if amount is None:
        raise DomainError(code, field=field)
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


def _lowest_allowed(lot: Lot, *, holder: bool) -> Decimal:
    """The next minimum bid; for a priority purchase right holder, the current price itself
    (a match, 跟价: whether this holder outranks the leader there is judged under the lock)."""
    if holder and lot.current_price is not None:
        return lot.current_price
    return lot.next_minimum_bid()


def _outranks(order: int | None, leader_order: int | None) -> bool:
    """Whether a holder of ``order`` takes a price the leader (of ``leader_order``, None for
    an ordinary bidder) already holds: a holder over an ordinary bidder, an earlier order
    over a later one; of the same order the one who bid first keeps it."""
    if order is None:
        return False
    return leader_order is None or order < leader_order


def _check_grid(lot: Lot, amount: Decimal, *, field: str) -> None:
    if not on_grid(lot, amount):
        raise DomainError(
            AuctionErrorCode.BID_NOT_MULTIPLE_OF_INCREMENT,
            field=field,
            params={"increment": lot.increment},
        )


def _check_amount(
    lot: Lot, amount: Decimal, *, field: str = "amount", holder: bool = False
) -> None:
    minimum = _lowest_allowed(lot, holder=holder)
    if amount < minimum:
        raise DomainError(AuctionErrorCode.BID_TOO_LOW, field=field, params={"minimum": minimum})
    # First bid: start + k*increment (k >= 0); later: current + k*increment (k >= 1). The
    # current price is itself on the grid, so both are one check against the start price.
    _check_grid(lot, amount, field=field)


def _write_bid(
    lot: Lot,
    registration: Registration,
    amount: Decimal,
    at,
    *,
    proxy: bool,
    key: str = "",
    priority_order: int | None = None,
) -> Bid:
    """Append one bid to the lot (already locked and checked) and move the lot on; the bid
    is written with the lot's row (:func:`bid_rows.write`).
    ``priority_order``: the bid is a holder's match under the priority purchase right."""
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
        under_priority_right=priority_order is not None,
        priority_order=priority_order,
        record_format=RECORD_FORMAT,
        idempotency_key=key,
        ends_at_after=lot.ends_at,
        prev_hash=prev,
    )
    bid.hash = hash_of(bid, prev_hash=prev)
    lot.last_seq = seq
    lot.head_hash = bid.hash
    lot.current_price = amount
    lot.leader = registration
    lot.leader_priority_order = registration.priority_order
    lot.bid_count += 1
    return bid


def _resolve_proxies(lot: Lot, at) -> list[Bid]:
    """Let the maxima answer until no one can outbid the leader. Of two equal maxima the
    earlier one wins; a manual bid that equals a maximum stands (it reached the amount first).
    """
    if not lot.has_proxies:  # most lots: no query on the bid path
        return []
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


def _locked(lot_id: int, registration_id: int | None = None, key: str = "") -> tuple:
    """The lot's row locked, with the database clock (and, given a registration, the bid it
    committed with ``key`` meanwhile: a concurrent retry): one statement."""
    locked = bid_rows.locked_lot(lot_id, registration_id=registration_id, key=key)
    if locked is None:
        raise DomainError(CommonErrorCode.NOT_FOUND, field="lotId")
    return locked


def _earlier_bid_id(registration, key: str) -> int | None:
    return (
        Bid.objects.filter(registration=registration, idempotency_key=key)
        .values_list("pk", flat=True)
        .first()
    )


def _replayed(bid_id: int, amount: Decimal, lot: Lot | None = None) -> BidOutcome:
    earlier = Bid.objects.select_related("lot").get(pk=bid_id)
    if earlier.amount != amount:
        raise DomainError(AuctionErrorCode.IDEMPOTENCY_KEY_REUSED, field="idempotencyKey")
    return BidOutcome(bid=earlier, lot=lot or earlier.lot, replayed=True)


def _snapshot(user, lot_id: int, key: str) -> dict:
    """The bidder's registration with a snapshot of its lot, the database clock and any
    earlier bid with this key: one statement, before any lock."""
    snapshot = bid_rows.snapshot(user_id=user.pk, lot_id=lot_id, key=key)
    if snapshot is None:
        if not Lot.objects.filter(pk=lot_id).exists():
            raise DomainError(CommonErrorCode.NOT_FOUND, field="lotId")
        raise DomainError(AuctionErrorCode.NOT_REGISTERED, field="lotId")
    return snapshot


def _bidder(user, lot_id: int, snapshot: dict) -> Registration:
    """The registration the snapshot read, as ``only()`` would load it."""
    registration = bid_rows.instance(
        Registration,
        {
            "id": snapshot["id"],
            "lot_id": lot_id,
            "user_id": user.pk,
            "status": snapshot["status"],
            "bidder_number": snapshot["bidder_number"],
            "priority_order": snapshot["priority_order"],
        },
    )
    registration.user = user
    return registration


def _snapshot_lot(lot_id: int, snapshot: dict) -> Lot:
    """The lot's prices as the snapshot read them (for the checks before the lock)."""
    return bid_rows.instance(
        Lot,
        {
            "id": lot_id,
            "start_price": snapshot["start_price"],
            "increment": snapshot["increment"],
            "current_price": snapshot["current_price"],
        },
    )


def bid_place(*, user, lot_id: int, amount, idempotency_key: str) -> BidOutcome:
    """Place a bid (出价). A retry with the same key and amount returns the first result.

    An accepted bid costs three statements and the commit on PostgreSQL (four on SQLite):
    the registration with a snapshot of the lot (and the replay check), the lot's row lock
    with the database clock (and the replay check again), the bid with the lot's changed
    columns (:func:`bid_rows.write`); the maxima only when the lot has any. A bid the
    snapshot already refuses (not open yet, ended, too low, off the grid) is refused
    without the lock: prices only rise and the grid never moves, so it would be refused
    under the lock too, and a hot lot does not serialize its refusals.

    A priority purchase right holder (优先购买权人, ``Registration.priority_order``) may also
    bid the current price itself (a match): the holder then leads if it outranks the
    leader there (see :func:`_outranks`), judged under the lock from the leader's order
    kept on the lot's row (``Lot.leader_priority_order``). The match is recorded (and
    hashed) as under the right.
    """
    if not _KEY.fullmatch(idempotency_key or ""):
        raise DomainError(AuctionErrorCode.IDEMPOTENCY_KEY_INVALID, field="idempotencyKey")
    amount = _money(amount, field="amount", code=AuctionErrorCode.BID_AMOUNT_INVALID)
    # An approved registration stays approved (decisions are final and only a rejected one
    # is resubmitted), so the check below holds under the lock.
    seen = _snapshot(user, lot_id, idempotency_key)
    if seen["replay_id"] is not None:
        return _replayed(seen["replay_id"], amount)
    registration = _require_approved(_bidder(user, lot_id, seen))
    if seen["pull_pending"]:  # its patent became unsellable: staff decide first
        raise DomainError(AuctionErrorCode.LOT_UNDER_REVIEW, field="lotId")
    if seen["clock"] < seen["bidding_starts_at"]:
        raise DomainError(AuctionErrorCode.LOT_NOT_OPEN, field="lotId")
    if seen["result"]:  # final; a time-based end is judged under the lock (ends move)
        raise DomainError(AuctionErrorCode.LOT_ENDED, field="lotId")
    holder = registration.priority_order is not None
    _check_amount(_snapshot_lot(lot_id, seen), amount, holder=holder)
    try:
        with transaction.atomic():
            lot, at, replay_id = _locked(lot_id, registration.pk, idempotency_key)
            if replay_id is not None:  # the first attempt committed meanwhile
                return _replayed(replay_id, amount, lot)
            try:
                _check_bidding(lot, at)
                match = holder and amount == lot.current_price
                if lot.leader_id == registration.pk:
                    code = AuctionErrorCode.LEADER_CANNOT_RAISE
                    if match:
                        code = AuctionErrorCode.PRIORITY_ALREADY_LEADING
                    raise DomainError(code, field="amount")
                _check_amount(lot, amount, holder=holder)
                if match and not _outranks(registration.priority_order, lot.leader_priority_order):
                    raise DomainError(AuctionErrorCode.PRIORITY_MATCH_OUTRANKED, field="amount")
            except DomainError:
                # The lock query's replay check ran on the snapshot taken before it waited
                # for the lock: a retry that committed while this one waited (and made it
                # the leader, or raised the price) is only seen by a new statement.
                earlier = _earlier_bid_id(registration, idempotency_key)
                if earlier is None:
                    raise
                return _replayed(earlier, amount, lot)
            bid = _write_bid(
                lot,
                registration,
                amount,
                at,
                proxy=False,
                key=idempotency_key,
                priority_order=registration.priority_order if match else None,
            )
            placed = [bid, *_resolve_proxies(lot, at)]
            bid_rows.write(lot, placed)
            publish_lot_events(lot, [bid_placed(lot, b) for b in placed])
            return BidOutcome(bid=bid, lot=lot)
    except IntegrityError:  # the same key committed by a concurrent retry
        earlier = _earlier_bid_id(registration, idempotency_key)
        if earlier is None:
            raise
        return _replayed(earlier, amount)


def proxy_bid_set(*, user, lot_id: int, max_amount) -> tuple[ProxyBid, Lot]:
    """Set or raise one's maximum (代理出价); the engine bids for it at once if it must."""
    max_amount = _money(max_amount, field="maxAmount", code=AuctionErrorCode.PROXY_MAX_INVALID)
    with transaction.atomic():
        lot, at, _ = _locked(lot_id)
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
        _check_grid(lot, max_amount, field="maxAmount")
        proxy, _ = ProxyBid.objects.update_or_create(
            registration=registration,
            defaults={"lot": lot, "max_amount": max_amount, "set_at": at},
        )
        lot.has_proxies = True
        placed = _resolve_proxies(lot, at)
        bid_rows.write(lot, placed, has_proxies=True)
        publish_lot_events(lot, [bid_placed(lot, b) for b in placed])
        return proxy, lot
