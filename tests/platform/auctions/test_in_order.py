"""The per-subscriber reordering of lot events (subscriptions.lots.InOrder)."""

from subscriptions.ordering import InOrder


def bid(lot_id, seq):
    return {"type": "lot.bid", "lot_id": lot_id, "seq": seq}


def seqs(events):
    return [(e["lot_id"], e["seq"], e["type"]) for e in events]


def test_a_bid_that_overtook_the_one_before_waits_for_it():
    order = InOrder({1: 0})
    assert order.push(bid(1, 2), now=0) == []
    assert seqs(order.push(bid(1, 1), now=0.1)) == [(1, 1, "lot.bid"), (1, 2, "lot.bid")]


def test_a_lost_bid_stalls_nothing_past_the_hold_even_while_other_lots_are_busy():
    order = InOrder({1: 0, 2: 0})
    assert order.push(bid(1, 2), now=0) == []  # seq 1 of lot 1 never comes
    released = []
    for step in range(1, 8):
        released += order.push(bid(2, step), now=0.3 * step)
    assert (1, 2, "lot.bid") in seqs(released)
    assert not order.held


def test_a_phase_event_waits_for_the_bids_before_it():
    order = InOrder({1: 0})
    phase = {"type": "lot.ended", "lot_id": 1, "seq": 1}
    assert order.push(phase, now=0) == []
    assert seqs(order.push(bid(1, 1), now=0.1)) == [(1, 1, "lot.bid"), (1, 1, "lot.ended")]


def test_duplicates_are_dropped_and_the_queue_is_bounded():
    order = InOrder({1: 5})
    assert order.push(bid(1, 5), now=0) == []
    assert not order.held
    for seq in range(7, 7 + InOrder.MAX_HELD + 1):
        order.push(bid(1, seq), now=0)
    assert len(order.held) == 0
