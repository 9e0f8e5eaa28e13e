"""The bidding engine's rules, through its service (the API tests cover the wire)."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine

from auctions.models import Bid, Lot
from auctions.services.bidding import bid_place, proxy_bid_set
from auctions.services.chain import bid_chain_verify
from kernel.errors import DomainError
from tests.factories import bidder, lot

pytestmark = pytest.mark.django_db

_keys = iter(range(10**6))


def bid(user, the_lot, amount, key=None):
    return bid_place(
        user=user,
        lot_id=the_lot.pk,
        amount=Decimal(str(amount)),
        idempotency_key=key or f"key-{next(_keys):08d}",
    )


def refused(call) -> list[str]:
    with pytest.raises(DomainError) as info:
        call()
    return info.value.codes


def state(the_lot):
    the_lot.refresh_from_db()
    return the_lot.current_price, the_lot.leader and the_lot.leader.bidder_number


@pytest.fixture
def auction():
    return lot(start_price=Decimal("100000.00"))


def test_the_first_bid_may_be_the_start_price(auction):
    alice = bidder(auction)
    outcome = bid(alice, auction, "100000")
    assert outcome.bid.seq == 1
    assert state(auction) == (Decimal("100000.00"), outcome.bid.bidder_number)


def test_the_first_bid_may_be_the_start_price_plus_whole_increments(auction):
    alice = bidder(auction)
    assert bid(alice, auction, "103000").bid.amount == Decimal("103000.00")


@pytest.mark.parametrize("amount", ["99000", "100500", "100000.01"])
def test_a_first_bid_off_the_grid_or_below_the_start_is_refused(auction, amount):
    alice = bidder(auction)
    codes = refused(lambda: bid(alice, auction, amount))
    assert codes in (["BID_TOO_LOW"], ["BID_NOT_MULTIPLE_OF_INCREMENT"])
    assert not Bid.objects.exists()


def test_a_later_bid_must_raise_by_whole_increments(auction):
    alice, bob = bidder(auction), bidder(auction)
    bid(alice, auction, "100000")
    assert refused(lambda: bid(bob, auction, "100000")) == ["BID_TOO_LOW"]
    assert refused(lambda: bid(bob, auction, "101500")) == ["BID_NOT_MULTIPLE_OF_INCREMENT"]
    assert bid(bob, auction, "103000").bid.seq == 2
    assert Bid.objects.count() == 2


def test_the_leader_cannot_raise_their_own_bid(auction):
    alice = bidder(auction)
    bid(alice, auction, "100000")
    assert refused(lambda: bid(alice, auction, "101000")) == ["LEADER_CANNOT_RAISE"]
    assert Bid.objects.count() == 1


def test_only_approved_registrants_bid(auction):
    from tests.factories import UserFactory

    stranger = UserFactory()
    pending = bidder(auction, approved=False)
    assert refused(lambda: bid(stranger, auction, "100000")) == ["NOT_REGISTERED"]
    assert refused(lambda: bid(pending, auction, "100000")) == ["REGISTRATION_NOT_APPROVED"]
    assert not Bid.objects.exists()


def test_no_bid_before_the_bidding_phase():
    early = lot(phase="NOTICE")
    alice = bidder(early)
    assert refused(lambda: bid(alice, early, early.start_price)) == ["LOT_NOT_OPEN"]


def test_a_retry_with_the_same_key_returns_the_first_result(auction):
    alice, bob = bidder(auction), bidder(auction)
    first = bid(alice, auction, "100000", key="retry-key-1")
    bid(bob, auction, "101000")

    again = bid(alice, auction, "100000", key="retry-key-1")

    assert again.replayed and again.bid.pk == first.bid.pk
    assert Bid.objects.count() == 2


def test_a_reused_key_with_another_amount_is_refused(auction):
    alice, bob = bidder(auction), bidder(auction)
    bid(alice, auction, "100000", key="retry-key-2")
    bid(bob, auction, "101000")
    assert refused(lambda: bid(alice, auction, "105000", key="retry-key-2")) == [
        "IDEMPOTENCY_KEY_REUSED"
    ]
    assert Bid.objects.count() == 2


def test_a_bad_idempotency_key_is_refused(auction):
    alice = bidder(auction)
    assert refused(lambda: bid(alice, auction, "100000", key="short")) == [
        "IDEMPOTENCY_KEY_INVALID"
    ]


class TestAntiSniping:
    """The end is exclusive; a bid in the last 5 minutes moves it to 5 minutes after it."""

    def test_a_bid_one_millisecond_before_the_end_extends_it(self, auction):
        alice = bidder(auction)
        end = auction.ends_at
        with time_machine.travel(end - timedelta(milliseconds=1), tick=False):
            outcome = bid(alice, auction, "100000")
        auction.refresh_from_db()
        assert auction.ends_at == end - timedelta(milliseconds=1) + timedelta(minutes=5)
        assert outcome.bid.ends_at_after == auction.ends_at

    def test_a_bid_at_the_end_is_refused(self, auction):
        alice = bidder(auction)
        with time_machine.travel(auction.ends_at, tick=False):
            assert refused(lambda: bid(alice, auction, "100000")) == ["LOT_ENDED"]
        assert not Bid.objects.exists()

    def test_a_bid_one_millisecond_after_the_end_is_refused(self, auction):
        alice = bidder(auction)
        with time_machine.travel(auction.ends_at + timedelta(milliseconds=1), tick=False):
            assert refused(lambda: bid(alice, auction, "100000")) == ["LOT_ENDED"]

    def test_a_bid_earlier_than_the_window_leaves_the_end(self, auction):
        alice = bidder(auction)
        end = auction.ends_at
        with time_machine.travel(end - timedelta(minutes=5, milliseconds=1), tick=False):
            bid(alice, auction, "100000")
        auction.refresh_from_db()
        assert auction.ends_at == end


class TestProxyBids:
    def test_a_maximum_answers_a_manual_bid_by_one_increment(self, auction):
        alice, bob = bidder(auction), bidder(auction)
        proxy_bid_set(user=alice, lot_id=auction.pk, max_amount=Decimal("110000"))
        assert state(auction) == (Decimal("100000.00"), f"{auction.pk:03d}001")

        bid(bob, auction, "104000")

        price, leader = state(auction)
        assert (price, leader) == (Decimal("105000.00"), f"{auction.pk:03d}001")
        assert [(b.amount, b.is_proxy) for b in Bid.objects.order_by("seq")] == [
            (Decimal("100000.00"), True),
            (Decimal("104000.00"), False),
            (Decimal("105000.00"), True),
        ]

    def test_a_manual_bid_above_the_maximum_wins(self, auction):
        alice, bob = bidder(auction), bidder(auction)
        proxy_bid_set(user=alice, lot_id=auction.pk, max_amount=Decimal("110000"))
        bid(bob, auction, "111000")
        assert state(auction)[1] == f"{auction.pk:03d}002"

    def test_two_maxima_settle_at_one_increment_above_the_lower(self, auction):
        alice, bob = bidder(auction), bidder(auction)
        proxy_bid_set(user=alice, lot_id=auction.pk, max_amount=Decimal("120000"))
        proxy_bid_set(user=bob, lot_id=auction.pk, max_amount=Decimal("115000"))
        assert state(auction) == (Decimal("116000.00"), f"{auction.pk:03d}001")

    def test_of_two_equal_maxima_the_earlier_wins(self, auction):
        alice, bob = bidder(auction), bidder(auction)
        proxy_bid_set(user=alice, lot_id=auction.pk, max_amount=Decimal("115000"))
        proxy_bid_set(user=bob, lot_id=auction.pk, max_amount=Decimal("115000"))
        assert state(auction) == (Decimal("115000.00"), f"{auction.pk:03d}001")

    def test_a_higher_later_maximum_takes_the_lead(self, auction):
        alice, bob = bidder(auction), bidder(auction)
        proxy_bid_set(user=alice, lot_id=auction.pk, max_amount=Decimal("115000"))
        proxy_bid_set(user=bob, lot_id=auction.pk, max_amount=Decimal("130000"))
        assert state(auction) == (Decimal("116000.00"), f"{auction.pk:03d}002")

    def test_a_maximum_off_the_grid_is_refused(self, auction):
        alice = bidder(auction)
        assert refused(
            lambda: proxy_bid_set(user=alice, lot_id=auction.pk, max_amount=Decimal("110500"))
        ) == ["BID_NOT_MULTIPLE_OF_INCREMENT"]

    def test_proxy_bids_count_for_anti_sniping(self, auction):
        alice, bob = bidder(auction), bidder(auction)
        proxy_bid_set(user=alice, lot_id=auction.pk, max_amount=Decimal("120000"))
        end = auction.ends_at
        with time_machine.travel(end - timedelta(minutes=1), tick=False):
            bid(bob, auction, "105000")
        auction.refresh_from_db()
        last = Bid.objects.order_by("seq").last()
        assert last.is_proxy
        assert auction.ends_at == end - timedelta(minutes=1) + timedelta(minutes=5)

    def test_every_bid_after_a_proxy_war_is_on_the_grid_and_rising(self, auction):
        users = [bidder(auction) for _ in range(4)]
        for user, maximum in zip(users, ["112000", "140000", "125000", "140000"], strict=True):
            proxy_bid_set(user=user, lot_id=auction.pk, max_amount=Decimal(maximum))

        auction.refresh_from_db()
        # the two 140,000 maxima: the earlier (the second bidder) holds the lot at 140,000
        assert auction.current_price == Decimal("140000.00")
        assert auction.leader.user == users[1]

        late = bidder(auction)
        bid(late, auction, "141000")  # above every maximum: stands
        amounts = [b.amount for b in Bid.objects.order_by("seq")]
        assert amounts == sorted(amounts) and len(set(amounts)) == len(amounts)
        assert all((a - Decimal("100000")) % 1000 == 0 for a in amounts)
        assert len(amounts) <= 2 * 4 + 1  # jumps, not one increment at a time
        auction.refresh_from_db()
        assert auction.leader.user == late
        assert bid_chain_verify(auction).verified


def test_the_chain_detects_a_changed_amount(auction):
    alice, bob = bidder(auction), bidder(auction)
    bid(alice, auction, "100000")
    bid(bob, auction, "101000")
    assert bid_chain_verify(Lot.objects.get()).verified

    Bid.objects.filter(seq=1).update(amount=Decimal("100001.00"))

    check = bid_chain_verify(Lot.objects.get())
    assert not check.verified and check.broken_at_seq == 1
