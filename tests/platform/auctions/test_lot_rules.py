"""The lot's own rules the API shows (nextMinimumBid, timeLeftSeconds), on unsaved rows:
they read the row and the clock given, nothing else."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from auctions.models import Lot, LotResult

AT = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def _lot(**fields) -> Lot:
    values = {
        "start_price": Decimal("100000.00"),
        "increment": Decimal("1000.00"),
        "ends_at": AT + timedelta(minutes=10),
        "result": "",
    }
    return Lot(**{**values, **fields})


def test_next_minimum_bid_is_the_start_then_one_increment_above_the_price():
    assert _lot().next_minimum_bid_at(AT) == Decimal("100000.00")
    assert _lot(current_price=Decimal("120000.00")).next_minimum_bid_at(AT) == Decimal("121000.00")


def test_no_minimum_bid_once_ended_or_decided():
    assert _lot(ends_at=AT).next_minimum_bid_at(AT) is None
    assert _lot(ends_at=AT - timedelta(seconds=1)).next_minimum_bid_at(AT) is None
    assert _lot(result=LotResult.PULLED).next_minimum_bid_at(AT) is None


def test_seconds_left_count_down_to_zero_and_stop_at_a_result():
    assert _lot().seconds_left_at(AT) == 600.0
    assert _lot(ends_at=AT - timedelta(minutes=1)).seconds_left_at(AT) == 0.0
    assert _lot(result=LotResult.PULLED).seconds_left_at(AT) == 0.0
