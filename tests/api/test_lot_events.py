"""Watching lots over graphql-transport-ws on the real ASGI application: the snapshot,
every bid exactly once and in order (also after lost events and on resume), phases, the
result, and typed errors."""

import random
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from asgiref.sync import sync_to_async
from django.core.management import call_command
from django.db import connection

from auctions.services.bidding import bid_place
from kernel.clock import now
from tests.api.helpers import gid
from tests.api.ws import Socket
from tests.concurrency import run_together
from tests.factories import auction_session, bidder, lot

pytestmark = pytest.mark.django_db(transaction=True)

SUBSCRIBE = """
subscription($lotId: ID!, $afterSeq: Int, $tick: Int! = 60) {
  lotEvents(lotId: $lotId, afterSeq: $afterSeq, tickSeconds: $tick) {
    __typename
    ... on LotSnapshot { lotId phase currentPrice bidCount lastSeq endsAt nextMinimumBid
                         serverTime }
    ... on BidPlaced { seq amount bidderNumber isProxy endsAt }
    ... on LotPhaseChanged { phase seq }
    ... on LotEnded { result finalPrice winnerBidderNumber seq }
    ... on Tick { serverTime lastSeq }
  }
}"""


async def watch(lot_id: int, *, after_seq: int | None = None, tick: int = 60, **socket):
    """A subscriber of the lot, past its snapshot (returned too)."""
    ws = await Socket.open(**socket)
    variables = {"lotId": gid("Lot", lot_id), "afterSeq": after_seq, "tick": tick}
    await ws.subscribe("lot", SUBSCRIBE, variables)
    snapshot = await ws.data("lotEvents")
    assert snapshot["__typename"] == "LotSnapshot"
    return ws, snapshot


async def next_events(ws, count: int, timeout: float = 10) -> list[dict]:
    events = []
    while len(events) < count:
        event = await ws.data("lotEvents", timeout=timeout)
        if event["__typename"] != "Tick":
            events.append(event)
    return events


def _setup(bidders: int):
    the_lot = lot(start_price=Decimal("100000.00"))
    return the_lot, [bidder(the_lot) for _ in range(bidders)]


def _bid(user, lot_id, amount, key):
    return bid_place(user=user, lot_id=lot_id, amount=Decimal(amount), idempotency_key=key)


async def test_the_first_message_is_a_snapshot_of_the_lot():
    the_lot, (alice,) = await sync_to_async(_setup)(1)
    await sync_to_async(_bid)(alice, the_lot.pk, "100000", "snap-0001")

    ws, snapshot = await watch(the_lot.pk)

    assert snapshot["lotId"] == gid("Lot", the_lot.pk)
    assert snapshot["phase"] == "BIDDING"
    assert snapshot["currentPrice"] == "100000.00"
    assert (snapshot["bidCount"], snapshot["lastSeq"]) == (1, 1)
    assert snapshot["nextMinimumBid"] == "101000.00"
    assert snapshot["serverTime"].endswith("+00:00")
    await ws.close()


async def test_a_watcher_sees_every_bid_of_a_burst_in_order():
    the_lot, users = await sync_to_async(_setup)(6)
    ws, _ = await watch(the_lot.pk)
    rng = random.Random(3)
    calls = [
        (lambda u=u, k=k, a=a: _bid(u, the_lot.pk, a, f"burst-{k:04d}"))
        for k, (u, a) in enumerate(
            (rng.choice(users), 100000 + 1000 * rng.randint(0, 8)) for _ in range(24)
        )
    ]
    if connection.vendor == "postgresql":
        results = await sync_to_async(run_together)(calls)
    else:  # SQLite serialises writers anyway; the burst runs back to back
        results = await sync_to_async(lambda: [_try(call) for call in calls])()
    accepted = {r.bid.seq for r in results if not isinstance(r, Exception)}

    events = await next_events(ws, len(accepted))

    assert [e["seq"] for e in events] == sorted(accepted) == list(range(1, len(accepted) + 1))
    amounts = [Decimal(e["amount"]) for e in events]
    assert amounts == sorted(amounts)
    assert await ws.nothing_for(1.5)  # ... and nothing twice
    await ws.close()


def _try(call):
    try:
        return call()
    except Exception as exc:  # refusals are part of a burst
        return exc


async def test_after_seq_replays_the_missed_bids_then_continues_live_once_each():
    the_lot, (alice, bob) = await sync_to_async(_setup)(2)
    for seq, (user, amount) in enumerate([(alice, 100000), (bob, 101000), (alice, 102000)]):
        await sync_to_async(_bid)(user, the_lot.pk, amount, f"replay-{seq:03d}")

    ws, snapshot = await watch(the_lot.pk, after_seq=1)
    assert snapshot["lastSeq"] == 3
    replayed = await next_events(ws, 2)
    await sync_to_async(_bid)(bob, the_lot.pk, 103000, "replay-live")
    live = await next_events(ws, 1)

    assert [(e["seq"], e["amount"]) for e in replayed + live] == [
        (2, "101000.00"),
        (3, "102000.00"),
        (4, "103000.00"),
    ]
    assert await ws.nothing_for(1.5)
    await ws.close()


async def test_a_bid_whose_live_event_was_lost_is_filled_from_the_database(monkeypatch):
    the_lot, (alice, bob) = await sync_to_async(_setup)(2)
    ws, _ = await watch(the_lot.pk)

    with monkeypatch.context() as lost:  # as if Redis dropped it
        lost.setattr("auctions.events.publish", lambda messages: None)
        await sync_to_async(_bid)(alice, the_lot.pk, 100000, "lost-0001")
    await sync_to_async(_bid)(bob, the_lot.pk, 101000, "lost-0002")

    events = await next_events(ws, 2)
    assert [(e["seq"], e["bidderNumber"]) for e in events] == [
        (1, events[0]["bidderNumber"]),
        (2, events[1]["bidderNumber"]),
    ]
    assert events[0]["amount"] == "100000.00"
    await ws.close()


async def test_a_lost_last_bid_arrives_without_waiting_for_another(monkeypatch):
    the_lot, (alice,) = await sync_to_async(_setup)(1)
    ws, _ = await watch(the_lot.pk, tick=1)

    monkeypatch.setattr("auctions.events.publish", lambda messages: None)
    await sync_to_async(_bid)(alice, the_lot.pk, 100000, "last-0001")

    (event,) = await next_events(ws, 1, timeout=5)
    assert (event["seq"], event["amount"]) == (1, "100000.00")
    tick = await ws.data("lotEvents", timeout=3)
    assert tick == {"__typename": "Tick", "serverTime": tick["serverTime"], "lastSeq": 1}
    await ws.close()


async def test_a_watcher_sees_the_phase_changes_and_the_result_then_the_feed_completes():
    def setup():
        # Bidding starts in seconds, so the clock moves only a little.
        start = now() + timedelta(seconds=10)
        session = auction_session(
            phase="NOTICE",
            notice_starts_at=now() - timedelta(hours=1),
            bidding_starts_at=start,
            bidding_ends_at=start + timedelta(seconds=10),
        )
        return lot(session_obj=session)

    the_lot = await sync_to_async(setup)()
    ws, snapshot = await watch(the_lot.pk)
    assert snapshot["phase"] == "NOTICE"

    def run_clock_at(moment):
        with time_machine.travel(moment, tick=False):
            call_command("auctions_clock")

    await sync_to_async(run_clock_at)(the_lot.session.bidding_starts_at + timedelta(seconds=1))
    opened = await next_events(ws, 1)
    assert opened == [{"__typename": "LotPhaseChanged", "phase": "BIDDING", "seq": 0}]

    await sync_to_async(run_clock_at)(the_lot.ends_at + timedelta(seconds=1))
    ended = await next_events(ws, 2)
    assert ended == [
        {"__typename": "LotPhaseChanged", "phase": "ENDED", "seq": 0},
        {
            "__typename": "LotEnded",
            "result": "UNSOLD",
            "finalPrice": None,
            "winnerBidderNumber": None,
            "seq": 0,
        },
    ]
    assert (await ws.receive()) == {"id": "lot", "type": "complete"}
    await ws.close()


async def test_an_unknown_lot_is_a_typed_error_and_the_stream_completes():
    ws = await Socket.open()
    await ws.subscribe("lot", SUBSCRIBE, {"lotId": gid("Lot", 999999)})

    message = await ws.receive()
    assert message["type"] == "next"
    (error,) = message["payload"]["errors"]
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert error["extensions"]["field"] == "lotId"
    assert error["message"] == "该项不存在，或您无权查看。"
    assert (await ws.receive()) == {"id": "lot", "type": "complete"}
    await ws.close()


@pytest.mark.parametrize(
    "socket",
    [{"payload": {"language": "en"}}, {"headers": [(b"accept-language", b"en-US,en;q=0.9")]}],
)
async def test_a_wrong_type_of_id_is_a_typed_error_in_the_sockets_language(socket):
    ws = await Socket.open(**socket)
    await ws.subscribe("lot", SUBSCRIBE, {"lotId": gid("Listing", 1)})

    message = await ws.receive()
    (error,) = message["payload"]["errors"]
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert error["message"] == "The item does not exist or is not visible to you."
    assert (await ws.receive()) == {"id": "lot", "type": "complete"}
    await ws.close()


SESSION_EVENTS = """
subscription($sessionId: ID!, $after: [LotSeqInput!]) {
  sessionEvents(sessionId: $sessionId, after: $after, tickSeconds: 60) {
    __typename
    ... on LotSnapshot { lotId lastSeq }
    ... on BidPlaced { lotId seq amount }
  }
}"""


async def test_a_session_watcher_gets_a_snapshot_per_lot_and_resumes_each_lot():
    def setup():
        first = lot(start_price=Decimal("100000.00"))
        second = lot(session_obj=first.session, start_price=Decimal("100000.00"))
        buyers = [bidder(first), bidder(second), bidder(second)]
        _bid(buyers[0], first.pk, 100000, "session-01")
        _bid(buyers[1], second.pk, 100000, "session-02")
        return first, second, buyers

    first, second, buyers = await sync_to_async(setup)()
    ws = await Socket.open()
    await ws.subscribe(
        "s",
        SESSION_EVENTS,
        {
            "sessionId": gid("AuctionSession", first.session_id),
            "after": [{"lotId": gid("Lot", first.pk), "seq": 0}],
        },
    )
    snapshots = [await ws.data("sessionEvents") for _ in range(2)]
    assert [(s["lotId"], s["lastSeq"]) for s in snapshots] == [
        (gid("Lot", first.pk), 1),
        (gid("Lot", second.pk), 1),
    ]
    replayed = await ws.data("sessionEvents")
    assert (replayed["lotId"], replayed["seq"]) == (gid("Lot", first.pk), 1)
    await sync_to_async(_bid)(buyers[2], second.pk, 101000, "session-03")
    live = await ws.data("sessionEvents")
    assert (live["lotId"], live["seq"], live["amount"]) == (gid("Lot", second.pk), 2, "101000.00")
    await ws.close()
