"""The priority purchase right (优先购买权): a holder may bid the same amount as the highest
bid and then leads; at one price a holder beats an ordinary bidder, an earlier order a
later one, and of the same order the one who bid first keeps it."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from auctions.models import Bid, Lot, Registration
from auctions.services.bidding import bid_place, proxy_bid_set
from auctions.services.chain import GENESIS, bid_chain_verify, bid_hash
from auctions.services.clock import lots_finalize_due
from auctions.services.registration import registration_priority_mark
from deals.models import Deal
from kernel.clock import now
from kernel.errors import DomainError
from tests.factories import bidder, lot, staff_user

pytestmark = pytest.mark.django_db

_keys = iter(range(10**6))


def bid(user, the_lot, amount):
    return bid_place(
        user=user,
        lot_id=the_lot.pk,
        amount=Decimal(str(amount)),
        idempotency_key=f"prio-{next(_keys):08d}",
    )


def refused(call) -> list[str]:
    with pytest.raises(DomainError) as info:
        call()
    return info.value.codes


def holder(the_lot, order: int):
    """An approved registrant marked (as staff would before bidding) with ``order``."""
    user = bidder(the_lot)
    Registration.objects.filter(user=user, lot=the_lot).update(
        priority_order=order, priority_basis="CO_OWNER", priority_reason="专利权共有人"
    )
    return user


def leader(the_lot):
    the_lot.refresh_from_db()
    return the_lot.current_price, the_lot.leader.user


@pytest.fixture
def auction():
    return lot(start_price=Decimal("100000.00"))


def test_a_holder_matching_the_highest_bid_leads_at_that_price(auction):
    ordinary, first = bidder(auction), holder(auction, 1)
    bid(ordinary, auction, 105000)

    outcome = bid(first, auction, 105000)

    assert outcome.bid.under_priority_right and outcome.bid.priority_order == 1
    assert leader(auction) == (Decimal("105000.00"), first)
    assert auction.bid_count == 2


def test_an_ordinary_bidder_cannot_match_the_highest_bid(auction):
    alice, bob = bidder(auction), bidder(auction)
    bid(alice, auction, 105000)

    assert refused(lambda: bid(bob, auction, 105000)) == ["BID_TOO_LOW"]


def test_after_a_match_an_ordinary_bidder_raises_by_the_increment(auction):
    ordinary, first = bidder(auction), holder(auction, 1)
    bid(ordinary, auction, 105000)
    bid(first, auction, 105000)

    assert refused(lambda: bid(ordinary, auction, 105000)) == ["BID_TOO_LOW"]
    assert refused(lambda: bid(ordinary, auction, 106500)) == ["BID_NOT_MULTIPLE_OF_INCREMENT"]
    raised = bid(ordinary, auction, 106000)
    assert not raised.bid.under_priority_right
    assert leader(auction) == (Decimal("106000.00"), ordinary)


def test_an_earlier_order_takes_a_price_a_later_holder_matched(auction):
    ordinary, first, second = bidder(auction), holder(auction, 1), holder(auction, 2)
    bid(ordinary, auction, 105000)
    bid(second, auction, 105000)

    bid(first, auction, 105000)

    assert leader(auction) == (Decimal("105000.00"), first)
    assert refused(lambda: bid(second, auction, 105000)) == ["PRIORITY_MATCH_OUTRANKED"]


def test_a_later_order_cannot_match_an_earlier_holders_price(auction):
    ordinary, first, second = bidder(auction), holder(auction, 1), holder(auction, 2)
    bid(ordinary, auction, 105000)
    bid(first, auction, 105000)

    assert refused(lambda: bid(second, auction, 105000)) == ["PRIORITY_MATCH_OUTRANKED"]


def test_a_holders_own_raise_outranks_a_later_holder_at_that_price(auction):
    first, second = holder(auction, 1), holder(auction, 2)
    bid(first, auction, 105000)  # a raise: an ordinary bid, but its bidder holds order 1

    assert refused(lambda: bid(second, auction, 105000)) == ["PRIORITY_MATCH_OUTRANKED"]


def test_of_the_same_order_the_holder_who_bid_first_keeps_the_price(auction):
    ordinary, one, other = bidder(auction), holder(auction, 1), holder(auction, 1)
    bid(ordinary, auction, 105000)
    bid(one, auction, 105000)

    assert refused(lambda: bid(other, auction, 105000)) == ["PRIORITY_MATCH_OUTRANKED"]
    assert leader(auction) == (Decimal("105000.00"), one)


def test_a_holder_who_leads_cannot_match_its_own_bid(auction):
    ordinary, first = bidder(auction), holder(auction, 1)
    bid(ordinary, auction, 105000)
    bid(first, auction, 105000)

    assert refused(lambda: bid(first, auction, 105000)) == ["PRIORITY_ALREADY_LEADING"]
    assert refused(lambda: bid(first, auction, 106000)) == ["LEADER_CANNOT_RAISE"]


def test_a_holders_first_bid_and_raises_are_ordinary_bids(auction):
    first, ordinary = holder(auction, 1), bidder(auction)

    opening = bid(first, auction, 100000)
    bid(ordinary, auction, 101000)
    raised = bid(first, auction, 103000)

    assert not opening.bid.under_priority_right and not raised.bid.under_priority_right
    assert raised.bid.priority_order is None
    assert refused(lambda: bid(first, auction, 99000)) == ["BID_TOO_LOW"]


def test_a_holder_cannot_match_a_lower_price_or_off_the_grid(auction):
    ordinary, first = bidder(auction), holder(auction, 1)
    bid(ordinary, auction, 105000)

    assert refused(lambda: bid(first, auction, 104000)) == ["BID_TOO_LOW"]
    assert refused(lambda: bid(first, auction, 105500)) == ["BID_NOT_MULTIPLE_OF_INCREMENT"]


def test_a_match_in_the_last_minutes_extends_the_end_like_any_bid(auction):
    ordinary, first = bidder(auction), holder(auction, 1)
    bid(ordinary, auction, 105000)
    late = auction.ends_at - timedelta(minutes=1)

    with time_machine.travel(late, tick=False):
        outcome = bid(first, auction, 105000)

    auction.refresh_from_db()
    assert auction.ends_at == late + timedelta(minutes=5) == outcome.bid.ends_at_after


def test_an_ordinary_maximum_answers_a_match_with_one_increment(auction):
    ordinary, first = bidder(auction), holder(auction, 1)
    proxy_bid_set(user=ordinary, lot_id=auction.pk, max_amount=Decimal("110000"))

    bid(first, auction, 100000)  # matches the maximum's opening bid: it answers
    assert leader(auction) == (Decimal("101000.00"), ordinary)
    bid(first, auction, 101000)  # again: one increment above the match

    bids = list(Bid.objects.filter(lot=auction).order_by("seq"))
    assert [(b.amount, b.under_priority_right, b.is_proxy) for b in bids[-2:]] == [
        (Decimal("101000.00"), True, False),
        (Decimal("102000.00"), False, True),
    ]
    assert leader(auction) == (Decimal("102000.00"), ordinary)


def test_a_maximum_equal_to_a_matched_price_does_not_bid(auction):
    ordinary, first, other = bidder(auction), holder(auction, 1), bidder(auction)
    bid(other, auction, 104000)
    proxy_bid_set(user=ordinary, lot_id=auction.pk, max_amount=Decimal("105000"))
    assert leader(auction) == (Decimal("105000.00"), ordinary)

    bid(first, auction, 105000)

    assert leader(auction) == (Decimal("105000.00"), first)  # the holder wins the tie


def test_a_holders_maximum_raises_by_increments_and_never_matches(auction):
    ordinary, first = bidder(auction), holder(auction, 1)
    proxy_bid_set(user=first, lot_id=auction.pk, max_amount=Decimal("103000"))

    bid(ordinary, auction, 103000)  # at the holder's maximum: the maximum cannot raise

    assert leader(auction) == (Decimal("103000.00"), ordinary)
    assert not Bid.objects.filter(lot=auction, under_priority_right=True).exists()
    bid(first, auction, 103000)  # the right is used by hand
    assert leader(auction) == (Decimal("103000.00"), first)


def test_a_match_costs_what_any_bid_costs(settings, auction):
    settings.CLOCK_FROM_DATABASE = True
    ordinary, first = bidder(auction), holder(auction, 1)
    bid(ordinary, auction, 105000)

    with CaptureQueriesContext(connection) as queries:
        bid(first, auction, 105000)

    statements = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) == (3 if connection.vendor == "postgresql" else 4), statements


def test_a_match_the_snapshot_already_refuses_takes_no_lock(auction):
    ordinary, first = bidder(auction), holder(auction, 1)
    bid(ordinary, auction, 105000)

    with CaptureQueriesContext(connection) as queries:
        assert refused(lambda: bid(first, auction, 104000)) == ["BID_TOO_LOW"]

    (statement,) = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert "FOR UPDATE" not in statement


# -- the hash chain ------------------------------------------------------------------------


def test_the_chain_hashes_the_priority_right_and_verifies(auction):
    ordinary, first = bidder(auction), holder(auction, 1)
    bid(ordinary, auction, 105000)
    bid(first, auction, 105000)
    auction.refresh_from_db()
    assert bid_chain_verify(auction).verified

    Bid.objects.filter(lot=auction, seq=2).update(under_priority_right=False)

    check = bid_chain_verify(auction)
    assert not check.verified and check.broken_at_seq == 2


def test_bid_chain_verify_passes_on_a_lot_with_matches(auction):
    ordinary, first, second = bidder(auction), holder(auction, 1), holder(auction, 2)
    bid(ordinary, auction, 105000)
    bid(second, auction, 105000)
    bid(first, auction, 105000)
    out = io.StringIO()

    call_command("bid_chain_verify", str(auction.pk), stdout=out)

    assert f"lot {auction.pk}: ok, 3 bids" in out.getvalue()


def test_changing_a_matchs_recorded_order_breaks_the_chain(auction):
    ordinary, first = bidder(auction), holder(auction, 1)
    bid(ordinary, auction, 105000)
    bid(first, auction, 105000)

    Bid.objects.filter(lot=auction, seq=2).update(priority_order=2)

    auction.refresh_from_db()
    assert bid_chain_verify(auction).broken_at_seq == 2


def test_relabelling_a_new_record_as_the_old_format_breaks_the_chain(auction):
    alice = bidder(auction)
    bid(alice, auction, 100000)

    Bid.objects.filter(lot=auction, seq=1).update(record_format=1)

    auction.refresh_from_db()
    assert bid_chain_verify(auction).broken_at_seq == 1


def test_a_chain_begun_in_the_old_format_still_verifies_and_goes_on(auction):
    alice, first = bidder(auction), holder(auction, 1)
    registration = Registration.objects.get(user=alice, lot=auction)
    at = now() - timedelta(minutes=10)
    old = bid_hash(  # as written before issue 14
        prev_hash=GENESIS,
        lot_id=auction.pk,
        seq=1,
        bidder_number=registration.bidder_number,
        amount=Decimal("100000.00"),
        placed_at=at,
        is_proxy=False,
        record_format=1,
    )
    Bid.objects.create(
        lot=auction,
        registration=registration,
        seq=1,
        amount=Decimal("100000.00"),
        bidder_number=registration.bidder_number,
        placed_at=at,
        ends_at_after=auction.ends_at,
        prev_hash=GENESIS,
        hash=old,
        record_format=1,
    )
    Lot.objects.filter(pk=auction.pk).update(
        last_seq=1, bid_count=1, head_hash=old, current_price="100000.00", leader=registration
    )
    auction.refresh_from_db()

    bid(first, auction, 100000)

    auction.refresh_from_db()
    check = bid_chain_verify(auction)
    assert check.verified and check.length == 2
    assert list(Bid.objects.filter(lot=auction).values_list("record_format", flat=True)) == [1, 2]


# -- the lot's end: waivers and the deal ---------------------------------------------------


def test_the_holder_who_matched_wins_and_the_deal_says_so(auction):
    ordinary, first, idle = bidder(auction), holder(auction, 1), holder(auction, 2)
    bid(ordinary, auction, 105000)
    bid(first, auction, 105000)

    with time_machine.travel(auction.ends_at + timedelta(seconds=1), tick=False):
        assert lots_finalize_due() == 1

    auction.refresh_from_db()
    assert auction.winner.user == first and auction.final_price == Decimal("105000.00")
    deal = Deal.objects.get(lot=auction)
    assert deal.won_under_priority_right and deal.price == Decimal("105000.00")
    waived = Registration.objects.get(lot=auction, user=idle)
    assert waived.priority_waived_at == auction.finalized_at
    assert Registration.objects.get(lot=auction, user=first).priority_waived_at is None


def test_a_deal_won_by_a_raise_is_not_under_the_right(auction):
    ordinary, first = bidder(auction), holder(auction, 1)
    bid(ordinary, auction, 105000)
    bid(first, auction, 105000)
    bid(ordinary, auction, 106000)

    with time_machine.travel(auction.ends_at + timedelta(seconds=1), tick=False):
        lots_finalize_due()

    assert not Deal.objects.get(lot=auction).won_under_priority_right
    # The holder bid (and was outbid): it used the right, it did not waive it.
    assert Registration.objects.get(lot=auction, user=first).priority_waived_at is None


# -- staff marking -------------------------------------------------------------------------


def _registration(the_lot, *, approved=True):
    return Registration.objects.get(user=bidder(the_lot, approved=approved), lot=the_lot)


def mark(actor, registration, order=1, basis="LICENSEE", reason="独占许可合同（2024）"):
    return registration_priority_mark(
        actor=actor, registration_id=registration.pk, order=order, basis=basis, reason=reason
    )


def test_staff_mark_a_holder_before_bidding_with_who_when_and_why():
    the_lot = lot(phase="NOTICE")
    registration, staff = _registration(the_lot), staff_user()

    marked = mark(staff, registration, order=2)

    marked.refresh_from_db()
    assert (marked.priority_order, marked.priority_basis) == (2, "LICENSEE")
    assert marked.priority_reason == "独占许可合同（2024）"
    assert marked.priority_marked_by == staff and marked.priority_marked_at is not None


def test_staff_may_withdraw_a_mark_made_in_error_before_bidding():
    the_lot = lot(phase="NOTICE")
    registration, staff = _registration(the_lot), staff_user()
    mark(staff, registration)

    cleared = mark(staff, registration, order=None, basis=None, reason="误认，非被许可人")

    cleared.refresh_from_db()
    assert cleared.priority_order is None and cleared.priority_basis == ""
    assert cleared.priority_reason == "误认，非被许可人"


def test_marking_after_bidding_opened_is_refused():
    the_lot = lot(phase="BIDDING")
    registration = _registration(the_lot)

    assert refused(lambda: mark(staff_user(), registration)) == ["PRIORITY_MARK_CLOSED"]


def test_marking_a_registration_not_approved_is_refused():
    the_lot = lot(phase="NOTICE")
    registration = _registration(the_lot, approved=False)

    assert refused(lambda: mark(staff_user(), registration)) == ["PRIORITY_MARK_NOT_APPROVED"]


@pytest.mark.parametrize(
    ("order", "basis", "reason", "codes"),
    [
        (0, "CO_OWNER", "共有", ["PRIORITY_ORDER_INVALID"]),
        (100, "CO_OWNER", "共有", ["PRIORITY_ORDER_INVALID"]),
        (1, None, "共有", ["REQUIRED"]),
        (1, "CO_OWNER", "  ", ["REQUIRED"]),
    ],
)
def test_a_mark_needs_an_order_from_1_to_99_a_basis_and_a_reason(order, basis, reason, codes):
    the_lot = lot(phase="NOTICE")
    registration = _registration(the_lot)

    assert refused(lambda: mark(staff_user(), registration, order, basis, reason)) == codes
