"""An ordinary raise and a priority holder's match arriving together, on PostgreSQL with
real connections: whichever takes the lot's lock first, the history stays one an auditor
accepts (a price repeats only as a match by a holder who outranks the one it displaces)."""

import itertools
import random
from decimal import Decimal
from functools import partial

import pytest

from auctions.models import Bid, Lot, Registration
from auctions.services.bidding import bid_place
from auctions.services.chain import bid_chain_verify
from kernel.errors import DomainError
from tests.concurrency import postgres_only, run_together
from tests.factories import bidder, lot

pytestmark = [pytest.mark.django_db(transaction=True), postgres_only]


def holder(the_lot, order: int):
    user = bidder(the_lot)
    Registration.objects.filter(lot=the_lot, user=user).update(
        priority_order=order, priority_basis="CO_OWNER", priority_reason="共有人"
    )
    return user


def outranks(order, displaced) -> bool:
    return order is not None and (displaced is None or order < displaced)


def check_history(the_lot: Lot) -> list[Bid]:
    the_lot.refresh_from_db()
    bids = list(Bid.objects.filter(lot=the_lot).select_related("registration").order_by("seq"))
    assert [b.seq for b in bids] == list(range(1, len(bids) + 1)), "sequence has gaps"
    for earlier, later in itertools.pairwise(bids):
        if later.amount == earlier.amount:
            assert later.under_priority_right, f"#{later.seq} repeats a price without the right"
            assert outranks(later.priority_order, earlier.registration.priority_order)
        else:
            assert later.amount > earlier.amount, "prices must not fall"
            assert (later.amount - earlier.amount) % the_lot.increment == 0
            assert not later.under_priority_right
    assert (bids[0].amount - the_lot.start_price) % the_lot.increment == 0
    for b in bids:
        if b.under_priority_right:
            assert b.priority_order == b.registration.priority_order
    assert the_lot.current_price == bids[-1].amount == max(b.amount for b in bids)
    assert the_lot.leader_id == bids[-1].registration_id
    assert the_lot.bid_count == len(bids) and the_lot.last_seq == len(bids)
    assert bid_chain_verify(the_lot).verified
    return bids


def _bid(user, the_lot, amount, key):
    return bid_place(user=user, lot_id=the_lot.pk, amount=Decimal(amount), idempotency_key=key)


def test_a_raise_and_a_match_sent_together_keep_the_history_consistent():
    the_lot = lot(start_price=Decimal("100000.00"))
    alice, bob, first = bidder(the_lot), bidder(the_lot), holder(the_lot, 1)
    _bid(alice, the_lot, "100000", "race-open-1")
    matched = 0

    for round_ in range(8):
        the_lot.refresh_from_db()
        price = the_lot.current_price
        raiser = bob if the_lot.leader.user == alice else alice
        raise_, match = run_together(
            [
                partial(_bid, raiser, the_lot, price + 1000, f"race-raise-{round_}"),
                partial(_bid, first, the_lot, price, f"race-match-{round_}"),
            ]
        )

        # the raise is valid whichever went first; the match only if it went first
        assert not isinstance(raise_, Exception), raise_
        if isinstance(match, DomainError):
            assert match.codes == ["BID_TOO_LOW"]
        else:
            assert not isinstance(match, Exception), match
            assert match.bid.under_priority_right and match.bid.seq < raise_.bid.seq
            matched += 1
        the_lot.refresh_from_db()
        assert (the_lot.current_price, the_lot.leader.user) == (price + 1000, raiser)

    bids = check_history(the_lot)
    assert len(bids) == 1 + 8 + matched


def test_many_bidders_and_holders_at_once_keep_the_priority_order():
    the_lot = lot(start_price=Decimal("100000.00"))
    users = [bidder(the_lot) for _ in range(6)] + [holder(the_lot, o) for o in (1, 1, 2, 3)]
    rng = random.Random(14)
    # Everyone races for the same few prices, holders often matching: most are refused.
    calls = [
        (lambda u=u, k=k, a=a: _bid(u, the_lot, a, f"prio-race-{k:04d}"))
        for k, (u, a) in enumerate(
            (rng.choice(users), 100000 + 1000 * rng.randint(0, 4)) for _ in range(48)
        )
    ]

    results = run_together(calls)

    accepted = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(accepted) + len(refused) == len(calls), [
        r for r in results if isinstance(r, Exception) and not isinstance(r, DomainError)
    ]
    bids = check_history(the_lot)
    assert len(bids) == len({r.bid.pk for r in accepted})
    assert {code for r in refused for code in r.codes} <= {
        "BID_TOO_LOW",
        "LEADER_CANNOT_RAISE",
        "PRIORITY_ALREADY_LEADING",
        "PRIORITY_MATCH_OUTRANKED",
    }
    # At the final price no holder that bid it outranks the winner.
    final = [b for b in bids if b.amount == bids[-1].amount]
    winner_order = bids[-1].registration.priority_order
    assert not any(outranks(b.registration.priority_order, winner_order) for b in final[:-1])
