"""Live events of lots, published after commit to ``lot.<id>`` and ``session.<id>``.

Each event carries everything a watcher needs (no query per event) and the lot's bid
sequence number: a bid its own ``seq`` (per lot, gapless), the others the last one.
"""

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from live.events import LiveEvent, publish

from .models import Bid, Lot


def lot_group(lot_id: int) -> str:
    return f"lot.{lot_id}"


def session_group(session_id: int) -> str:
    return f"session.{session_id}"


@dataclass(frozen=True, kw_only=True)
class LotEvent(LiveEvent):
    lot_id: int
    session_id: int
    seq: int


@dataclass(frozen=True, kw_only=True)
class BidPlaced(LotEvent):
    TYPE = "lot.bid"
    amount: Decimal
    bidder_number: str
    is_proxy: bool
    under_priority_right: bool = False  # a holder's match (优先购买权)
    at: datetime
    ends_at: datetime


@dataclass(frozen=True, kw_only=True)
class LotPhaseChanged(LotEvent):
    TYPE = "lot.phase"
    phase: str
    at: datetime
    ends_at: datetime


@dataclass(frozen=True, kw_only=True)
class LotEnded(LotEvent):
    TYPE = "lot.ended"
    result: str
    final_price: Decimal | None
    winner_bidder_number: str | None
    at: datetime
    # Every winner, best first: {"bidder_number", "price" (a decimal string), "rank"}. One
    # for an ordinary sold lot, several for a lot sold as several non-exclusive licences.
    winners: list = dataclasses.field(default_factory=list)


def bid_placed(lot: Lot, bid: Bid) -> BidPlaced:
    return bid_placed_in(lot.session_id, bid)


def bid_placed_in(session_id: int, bid: Bid) -> BidPlaced:
    """The event of an accepted bid (as published, and as replayed from the database)."""
    return BidPlaced(
        lot_id=bid.lot_id,
        session_id=session_id,
        seq=bid.seq,
        amount=bid.amount,
        bidder_number=bid.bidder_number,
        is_proxy=bid.is_proxy,
        under_priority_right=bid.under_priority_right,
        at=bid.placed_at,
        ends_at=bid.ends_at_after,
    )


def lot_phase_changed(lot: Lot, phase: str, at: datetime) -> LotPhaseChanged:
    return LotPhaseChanged(
        lot_id=lot.pk,
        session_id=lot.session_id,
        seq=lot.last_seq,
        phase=phase,
        at=at,
        ends_at=lot.ends_at,
    )


def winners_payload(winners) -> list[dict]:
    """``[(registration, price), ...]`` best first, as LotEnded carries them."""
    return [
        {"bidder_number": registration.bidder_number, "price": f"{price:.2f}", "rank": rank}
        for rank, (registration, price) in enumerate(winners, start=1)
    ]


def lot_ended(lot: Lot, at: datetime, *, winners=None) -> LotEnded:
    if winners is None:
        winners = [(lot.winner, lot.final_price)] if lot.winner_id else []
    return LotEnded(
        lot_id=lot.pk,
        session_id=lot.session_id,
        seq=lot.last_seq,
        result=lot.result,
        final_price=lot.final_price,
        winner_bidder_number=lot.winner.bidder_number if lot.winner_id else None,
        at=at,
        winners=winners_payload(winners),
    )


def publish_lot_events(lot: Lot, events: list[LotEvent]) -> None:
    lot_watchers, session_watchers = lot_group(lot.pk), session_group(lot.session_id)
    publish([(group, event) for event in events for group in (lot_watchers, session_watchers)])
