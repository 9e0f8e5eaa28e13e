from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine

from auctions.models import Lot
from auctions.services.bidding import bid_place
from auctions.services.clock import lots_finalize_due
from kernel.clock import db_now, now
from notifications.models import SmsMessage
from tests.concurrency import postgres_only, run_together
from tests.factories import auction_session, bidder, lot


@pytest.mark.django_db(transaction=True)
@postgres_only
def test_two_clocks_running_at_once_finalize_each_lot_exactly_once():
    session = auction_session()
    lots = [lot(session_obj=session, start_price=Decimal("100000.00")) for _ in range(6)]
    for the_lot in lots:
        bid_place(
            user=bidder(the_lot),
            lot_id=the_lot.pk,
            amount=the_lot.start_price,
            idempotency_key=f"clock-{the_lot.pk:05d}",
        )
    sent_before = SmsMessage.objects.count()

    with time_machine.travel(now() + timedelta(hours=2), tick=False):
        results = run_together([lots_finalize_due, lots_finalize_due, lots_finalize_due])

    assert sum(results) == len(lots)
    assert Lot.objects.filter(result="SOLD").count() == len(lots)
    # one SMS to each winner and one to each seller, never twice
    assert SmsMessage.objects.count() - sent_before == 2 * len(lots)


@pytest.mark.django_db
def test_the_database_clock_is_the_databases(settings):
    settings.CLOCK_FROM_DATABASE = True
    with time_machine.travel(now() + timedelta(days=400), tick=False):
        assert abs((db_now() - now()).total_seconds()) > 300 * 86400
    assert abs((db_now() - now()).total_seconds()) < 5
