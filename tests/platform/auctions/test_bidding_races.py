"""Many bidders at once on one lot, on PostgreSQL with real connections; then the history
is checked as an auditor would."""

import itertools
import random
from decimal import Decimal

import pytest

from auctions.models import Bid, Lot
from auctions.services.bidding import bid_place, proxy_bid_set
from auctions.services.chain import bid_chain_verify
from kernel.errors import DomainError
from tests.concurrency import postgres_only, run_together
from tests.factories import bidder, lot

pytestmark = [pytest.mark.django_db(transaction=True), postgres_only]


def check_history(the_lot: Lot) -> list[Bid]:
    the_lot.refresh_from_db()
    bids = list(Bid.objects.filter(lot=the_lot).order_by("seq"))
    assert [b.seq for b in bids] == list(range(1, len(bids) + 1)), "sequence has gaps"
    for earlier, later in itertools.pairwise(bids):
        assert later.amount > earlier.amount, "prices must strictly rise"
        assert (later.amount - earlier.amount) % the_lot.increment == 0
    assert (bids[0].amount - the_lot.start_price) % the_lot.increment == 0
    assert the_lot.current_price == bids[-1].amount == max(b.amount for b in bids)
    assert the_lot.leader_id == bids[-1].registration_id
    assert the_lot.bid_count == len(bids) and the_lot.last_seq == len(bids)
    assert bid_chain_verify(the_lot).verified
    return bids


def test_many_bidders_at_once_lose_no_bid_and_keep_the_history_sound():
    the_lot = lot(start_price=Decimal("100000.00"))
    users = [bidder(the_lot) for _ in range(12)]
    rng = random.Random(7)
    # Everyone races for the same next few steps; most are refused as too low, none lost.
    calls = [
        (
            lambda u=u, k=k, a=a: bid_place(
                user=u, lot_id=the_lot.pk, amount=Decimal(a), idempotency_key=f"race-{k:04d}"
            )
        )
        for k, (u, a) in enumerate(
            (rng.choice(users), 100000 + 1000 * rng.randint(0, 6)) for _ in range(40)
        )
    ]

    results = run_together(calls)

    accepted = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(accepted) + len(refused) == len(calls), [r for r in results if r not in accepted]
    bids = check_history(the_lot)
    assert len(bids) == len({r.bid.pk for r in accepted})
    assert {code for r in refused for code in r.codes} <= {
        "BID_TOO_LOW",
        "LEADER_CANNOT_RAISE",
    }


def test_the_same_idempotency_key_sent_at_once_places_one_bid():
    the_lot = lot()
    alice = bidder(the_lot)

    results = run_together(
        [
            lambda: bid_place(
                user=alice,
                lot_id=the_lot.pk,
                amount=the_lot.start_price,
                idempotency_key="double-click-1",
            )
            for _ in range(6)
        ]
    )

    assert all(not isinstance(r, Exception) for r in results), results
    assert len({r.bid.pk for r in results}) == 1
    assert sum(not r.replayed for r in results) == 1
    assert Bid.objects.count() == 1


def test_proxies_and_manual_bids_racing_keep_one_winner_and_a_sound_history():
    the_lot = lot(start_price=Decimal("100000.00"))
    proxies = [bidder(the_lot) for _ in range(3)]
    manual = [bidder(the_lot) for _ in range(4)]
    maxima = ["130000", "150000", "150000"]
    calls = [
        (lambda u=u, m=m: proxy_bid_set(user=u, lot_id=the_lot.pk, max_amount=Decimal(m)))
        for u, m in zip(proxies, maxima, strict=True)
    ] + [
        (
            lambda u=u, i=i: bid_place(
                user=u,
                lot_id=the_lot.pk,
                amount=Decimal(100000 + 5000 * i),
                idempotency_key=f"manual-{i:04d}",
            )
        )
        for i, u in enumerate(manual)
    ]

    results = run_together(calls)

    assert not [r for r in results if isinstance(r, Exception) and not isinstance(r, DomainError)]
    bids = check_history(the_lot)
    the_lot.refresh_from_db()
    # Both 150,000 maxima are in: the lot ends at 150,000 with the earlier of the two.
    assert the_lot.current_price == Decimal("150000.00")
    assert the_lot.leader.user in proxies[1:]
    assert bids[-1].is_proxy
