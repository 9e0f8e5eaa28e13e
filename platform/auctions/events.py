"""Live events of lots, published after commit to ``lot.<id>`` and ``session.<id>``.

Each event carries everything a watcher needs (no query per event), and the lot's sequence
number, so a client that sees a gap re-reads ``lot(id)``.
"""

from notifications.events import publish_all

from .models import Bid, Lot


def lot_group(lot_id: int) -> str:
    return f"lot.{lot_id}"


def session_group(session_id: int) -> str:
    return f"session.{session_id}"


def _money(value) -> str | None:
    return None if value is None else f"{value:.2f}"


def bid_event(lot: Lot, bid: Bid) -> dict:
    return {
        "type": "lot.bid",
        "lot_id": lot.pk,
        "session_id": lot.session_id,
        "seq": bid.seq,
        "amount": _money(bid.amount),
        "bidder_number": bid.bidder_number,
        "is_proxy": bid.is_proxy,
        "at": bid.placed_at.isoformat(),
        "ends_at": bid.ends_at_after.isoformat(),
    }


def phase_event(lot: Lot, phase: str, at) -> dict:
    return {
        "type": "lot.phase",
        "lot_id": lot.pk,
        "session_id": lot.session_id,
        "seq": lot.last_seq,
        "phase": phase,
        "at": at.isoformat(),
        "ends_at": lot.ends_at.isoformat(),
    }


def ended_event(lot: Lot, at) -> dict:
    return {
        "type": "lot.ended",
        "lot_id": lot.pk,
        "session_id": lot.session_id,
        "seq": lot.last_seq,
        "result": lot.result,
        "final_price": _money(lot.final_price),
        "winner_bidder_number": lot.winner.bidder_number if lot.winner_id else None,
        "at": at.isoformat(),
    }


def publish_lot_events(lot: Lot, events: list[dict]) -> None:
    lot_watchers, session_watchers = lot_group(lot.pk), session_group(lot.session_id)
    publish_all([(group, event) for event in events for group in (lot_watchers, session_watchers)])
