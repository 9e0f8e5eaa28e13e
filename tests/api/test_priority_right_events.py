"""A lot's live feed over graphql-transport-ws shows a priority holder's match: the bid (live
and replayed from the database), the snapshot of a lot whose price a holder holds, and the
holder winning at that price."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from asgiref.sync import sync_to_async

from auctions.models import Registration
from auctions.services.bidding import bid_place
from auctions.services.clock import lots_finalize_due
from tests.api.helpers import gid
from tests.api.ws import Socket
from tests.factories import bidder, lot

pytestmark = pytest.mark.django_db(transaction=True)

SUBSCRIBE = """
subscription($lotId: ID!, $afterSeq: Int) {
  lotEvents(lotId: $lotId, afterSeq: $afterSeq, tickSeconds: 60) {
    __typename
    ... on LotSnapshot { currentPrice lastSeq nextMinimumBid underPriorityRight }
    ... on BidPlaced { seq amount bidderNumber isProxy underPriorityRight }
    ... on LotEnded { result finalPrice winnerBidderNumber }
  }
}"""


async def watch(lot_id: int, after_seq: int | None = None):
    ws = await Socket.open()
    await ws.subscribe("lot", SUBSCRIBE, {"lotId": gid("Lot", lot_id), "afterSeq": after_seq})
    snapshot = await ws.data("lotEvents")
    assert snapshot["__typename"] == "LotSnapshot"
    return ws, snapshot


async def next_events(ws, count: int) -> list[dict]:
    events = []
    while len(events) < count:
        event = await ws.data("lotEvents", timeout=10)
        if event["__typename"] not in ("Tick", "LotPhaseChanged"):
            events.append(event)
    return events


def _setup():
    the_lot = lot(start_price=Decimal("100000.00"))
    ordinary, first, second = bidder(the_lot), bidder(the_lot), bidder(the_lot)
    for user, order in ((first, 1), (second, 2)):
        Registration.objects.filter(lot=the_lot, user=user).update(
            priority_order=order, priority_basis="CO_OWNER", priority_reason="共有人"
        )
    return the_lot, ordinary, first, second


def _bid(user, the_lot, amount, key):
    return bid_place(user=user, lot_id=the_lot.pk, amount=Decimal(amount), idempotency_key=key)


def _finalize(the_lot):
    the_lot.refresh_from_db()
    with time_machine.travel(the_lot.ends_at + timedelta(seconds=1), tick=False):
        return lots_finalize_due()


async def test_a_watcher_sees_the_matches_under_the_right_and_the_holder_win():
    the_lot, ordinary, first, second = await sync_to_async(_setup)()
    await sync_to_async(_bid)(ordinary, the_lot, "105000", "live-prio-01")
    ws, snapshot = await watch(the_lot.pk)
    assert snapshot["underPriorityRight"] is False
    assert snapshot["nextMinimumBid"] == "106000.00"

    await sync_to_async(_bid)(second, the_lot, "105000", "live-prio-02")
    winning = await sync_to_async(_bid)(first, the_lot, "105000", "live-prio-03")
    live = await next_events(ws, 2)

    assert [(e["seq"], e["amount"], e["underPriorityRight"]) for e in live] == [
        (2, "105000.00", True),
        (3, "105000.00", True),
    ]
    assert live[1]["bidderNumber"] == winning.bid.bidder_number

    # a watcher who joins now: the price is held under the right; the replay shows each
    later, held = await watch(the_lot.pk, after_seq=0)
    assert (held["currentPrice"], held["lastSeq"], held["underPriorityRight"]) == (
        "105000.00",
        3,
        True,
    )
    replayed = await next_events(later, 3)
    assert [e["underPriorityRight"] for e in replayed] == [False, True, True]

    assert await sync_to_async(_finalize)(the_lot) == 1
    (ended,) = await next_events(ws, 1)
    assert ended["__typename"] == "LotEnded"
    assert (ended["result"], ended["finalPrice"]) == ("SOLD", "105000.00")
    assert ended["winnerBidderNumber"] == winning.bid.bidder_number
    await ws.close()
    await later.close()
