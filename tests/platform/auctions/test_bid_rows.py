"""The bid path's fixed SQL (auctions.services.bid_rows) writes and reads what the ORM would,
on SQLite and on PostgreSQL: what it returns equals what the ORM reads back, field by
field, and the hash chain recomputed from the stored rows holds."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine

from auctions.models import Bid, Lot, Registration
from auctions.services import bid_rows
from auctions.services.bidding import bid_place, proxy_bid_set
from auctions.services.chain import bid_chain_verify
from kernel.errors import DomainError
from tests.factories import bidder, lot

pytestmark = pytest.mark.django_db


def _fields(instance, names=None) -> dict:
    names = names or [f.attname for f in type(instance)._meta.concrete_fields]
    return {name: getattr(instance, name) for name in names}


@pytest.mark.parametrize("database_clock", [False, True])
def test_an_accepted_bid_is_stored_as_returned(settings, database_clock):
    settings.CLOCK_FROM_DATABASE = database_clock
    the_lot = lot(start_price=Decimal("100000.00"))
    alice = bidder(the_lot)

    outcome = bid_place(
        user=alice, lot_id=the_lot.pk, amount=Decimal("103000"), idempotency_key="rows-0001"
    )

    stored = Bid.objects.get(pk=outcome.bid.pk)
    assert _fields(outcome.bid) == _fields(stored)
    assert stored.amount == Decimal("103000.00") and stored.placed_at.tzinfo is not None
    # Stored as the ORM stores them (SQLite compares the text): the ORM's lookups find them.
    assert Bid.objects.filter(
        placed_at=outcome.bid.placed_at, ends_at_after=outcome.bid.ends_at_after, amount=103000
    ).exists()
    assert Lot.objects.filter(pk=the_lot.pk, ends_at=outcome.lot.ends_at).exists()
    changed = ["id", *bid_rows.LOT_FIELDS_A_BID_CHANGES, "has_proxies", "session_id"]
    assert _fields(outcome.lot, changed) == _fields(Lot.objects.get(pk=the_lot.pk), changed)
    assert outcome.lot.leader.user == alice
    assert bid_chain_verify(Lot.objects.get(pk=the_lot.pk)).verified


def test_the_lot_returned_loads_what_the_bid_path_did_not_read():
    the_lot = lot(start_price=Decimal("100000.00"))
    outcome = bid_place(
        user=bidder(the_lot),
        lot_id=the_lot.pk,
        amount=Decimal("100000"),
        idempotency_key="rows-0002",
    )
    assert outcome.lot.listing_id == the_lot.listing_id  # deferred, loaded on access
    assert outcome.lot.session.name == the_lot.session.name
    assert outcome.lot.session.season.anti_sniping_minutes == 5


def test_anti_sniping_and_proxy_bids_store_the_moved_end():
    the_lot = lot(start_price=Decimal("100000.00"))
    alice, bob = bidder(the_lot), bidder(the_lot)
    proxy_bid_set(user=alice, lot_id=the_lot.pk, max_amount=Decimal("120000"))
    with time_machine.travel(the_lot.ends_at - timedelta(seconds=30), tick=False):
        outcome = bid_place(
            user=bob, lot_id=the_lot.pk, amount=Decimal("105000"), idempotency_key="rows-0003"
        )

    stored = Lot.objects.get(pk=the_lot.pk)
    assert stored.has_proxies and stored.leader.user == alice
    assert stored.current_price == outcome.lot.current_price == Decimal("106000.00")
    assert stored.ends_at == outcome.lot.ends_at > the_lot.ends_at
    bids = list(Bid.objects.filter(lot=the_lot).order_by("seq"))
    assert [(b.seq, b.is_proxy, b.amount) for b in bids] == [
        (1, True, Decimal("100000.00")),
        (2, False, Decimal("105000.00")),
        (3, True, Decimal("106000.00")),
    ]
    assert all(b.ends_at_after == stored.ends_at for b in bids[1:])
    assert bid_chain_verify(stored).verified


def test_a_snapshot_reads_the_registration_and_the_replay():
    the_lot = lot(start_price=Decimal("100000.00"))
    alice = bidder(the_lot)
    first = bid_place(
        user=alice, lot_id=the_lot.pk, amount=Decimal("100000"), idempotency_key="rows-0004"
    )

    seen = bid_rows.snapshot(user_id=alice.pk, lot_id=the_lot.pk, key="rows-0004")

    registration = Registration.objects.get(lot=the_lot, user=alice)
    assert seen["id"] == registration.pk and seen["replay_id"] == first.bid.pk
    assert seen["bidder_number"] == registration.bidder_number
    assert seen["current_price"] == Decimal("100000.00") and not seen["pull_pending"]
    assert bid_rows.snapshot(user_id=alice.pk, lot_id=the_lot.pk + 1000, key="x") is None


@pytest.mark.parametrize("blank", ["", None])
def test_a_blank_amount_is_refused_with_its_code(blank):
    the_lot = lot(start_price=Decimal("100000.00"))
    alice = bidder(the_lot)
    with pytest.raises(DomainError) as refused:
        bid_place(user=alice, lot_id=the_lot.pk, amount=blank, idempotency_key="rows-0005")
    assert refused.value.codes == ["BID_AMOUNT_INVALID"]
    with pytest.raises(DomainError) as refused:
        proxy_bid_set(user=alice, lot_id=the_lot.pk, max_amount=blank)
    assert refused.value.codes == ["PROXY_MAX_INVALID"]
    assert not Bid.objects.exists()


def test_money_and_times_read_as_the_orm_reads_them():
    from datetime import UTC, datetime

    assert bid_rows.money(100000) == Decimal("100000.00")
    assert bid_rows.money(100500.5) == Decimal("100500.50")
    assert str(bid_rows.money(Decimal("7"))) == "7.00"
    assert bid_rows.money(None) is None
    at = datetime(2026, 12, 1, 8, 30, 0, 123000, tzinfo=UTC)
    assert bid_rows.aware("2026-12-01 08:30:00.123") == at
    assert bid_rows.aware(at.replace(tzinfo=None)) == at


def test_bids_are_written_without_returning_where_the_database_has_none(monkeypatch):
    """SQLite before 3.35 (Django supports 3.31) has no RETURNING: one INSERT per bid."""
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL always has RETURNING (and writes in one statement)")
    monkeypatch.setattr(type(connection.features), "can_return_rows_from_bulk_insert", False)
    the_lot = lot(start_price=Decimal("100000.00"))
    alice, bob = bidder(the_lot), bidder(the_lot)
    proxy_bid_set(user=alice, lot_id=the_lot.pk, max_amount=Decimal("120000"))

    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        outcome = bid_place(
            user=bob, lot_id=the_lot.pk, amount=Decimal("105000"), idempotency_key="rows-0006"
        )

    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 2 and not any("RETURNING" in sql for sql in inserts)
    stored = {b.seq: b.pk for b in Bid.objects.filter(lot=the_lot)}
    assert stored[outcome.bid.seq] == outcome.bid.pk and len(stored) == 3
    assert bid_chain_verify(Lot.objects.get(pk=the_lot.pk)).verified


def test_on_postgresql_the_bid_statements_are_prepared_once_per_connection():
    """Planned once per pooled connection, not per bid (Django's own cursors bind
    client-side and are never prepared)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no prepared statements to look at")
    the_lot = lot(start_price=Decimal("100000.00"))
    alice, bob = bidder(the_lot), bidder(the_lot)
    for k in range(8):  # psycopg prepares what a connection has run 5 times
        bid_place(
            user=(alice, bob)[k % 2],
            lot_id=the_lot.pk,
            amount=Decimal(100000 + 1000 * k),
            idempotency_key=f"prepared-{k:04d}",
        )

    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any("FOR UPDATE" in sql for sql in prepared)  # the lot's row lock
    assert any(sql.startswith("WITH new AS (INSERT") for sql in prepared)  # bid + lot
