"""The bid path's cost: three statements for an accepted bid on PostgreSQL (the INSERT and
the UPDATE are two on SQLite), no lock for a refusal the snapshot decides (prices only
rise)."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from auctions.services.bidding import bid_place, proxy_bid_set
from kernel.errors import DomainError
from tests.factories import bidder, lot

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _database_clock(settings):
    settings.CLOCK_FROM_DATABASE = True  # as deployed: the clock is read in the lock query


def _bid(user, the_lot, amount, key):
    return bid_place(user=user, lot_id=the_lot.pk, amount=Decimal(amount), idempotency_key=key)


def test_an_accepted_bid_costs_three_statements_and_reads_the_clock_with_the_lock():
    the_lot = lot(start_price=Decimal("100000.00"))
    alice = bidder(the_lot)

    with CaptureQueriesContext(connection) as queries:
        _bid(alice, the_lot, "100000", "cost-0001")

    statements = [  # the test's own transaction adds savepoints; production has none
        q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]
    ]
    assert len(statements) == (3 if connection.vendor == "postgresql" else 4), statements
    locking = [s for s in statements if "FOR UPDATE" in s or connection.vendor == "sqlite"]
    assert locking
    assert not any("proxybid" in s.lower() for s in statements)


def test_a_bid_below_the_price_is_refused_without_taking_the_lock():
    the_lot = lot(start_price=Decimal("100000.00"))
    alice, bob = bidder(the_lot), bidder(the_lot)
    _bid(alice, the_lot, "100000", "cost-0002")

    with CaptureQueriesContext(connection) as queries, pytest.raises(DomainError) as refused:
        _bid(bob, the_lot, "100000", "cost-0003")

    assert refused.value.codes == ["BID_TOO_LOW"]
    (statement,) = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert "FOR UPDATE" not in statement


def test_maxima_are_read_only_for_a_lot_that_has_some():
    the_lot = lot(start_price=Decimal("100000.00"))
    alice, bob = bidder(the_lot), bidder(the_lot)
    proxy_bid_set(user=alice, lot_id=the_lot.pk, max_amount=Decimal("110000"))

    outcome = _bid(bob, the_lot, "105000", "cost-0004")

    assert outcome.lot.leader.user == alice  # her maximum answered
    assert outcome.lot.current_price == Decimal("106000.00")
