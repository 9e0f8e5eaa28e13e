"""Watching lots over graphql-transport-ws on the real ASGI application."""

import asyncio
import random
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.core.management import call_command
from django.db import connection
from strawberry import relay

from auctions.services.bidding import bid_place
from config.asgi import application
from kernel.clock import now
from tests.concurrency import run_together
from tests.factories import bidder, lot

pytestmark = pytest.mark.django_db(transaction=True)

SUBSCRIBE = """
subscription($lotId: ID!) {
  lotEvents(lotId: $lotId, tickSeconds: 60) {
    __typename
    ... on BidPlaced { seq amount bidderNumber isProxy endsAt }
    ... on LotPhaseChanged { phase seq }
    ... on LotEnded { result finalPrice winnerBidderNumber seq }
    ... on Tick { serverTime }
  }
}"""


async def watch(lot_id: int):
    socket = WebsocketCommunicator(application, "/graphql", subprotocols=["graphql-transport-ws"])
    connected, _ = await socket.connect()
    assert connected
    await socket.send_json_to({"type": "connection_init", "payload": {}})
    assert (await socket.receive_json_from(timeout=5))["type"] == "connection_ack"
    await socket.send_json_to(
        {
            "id": "lot",
            "type": "subscribe",
            "payload": {
                "query": SUBSCRIBE,
                "variables": {"lotId": str(relay.GlobalID("Lot", str(lot_id)))},
            },
        }
    )
    first = await socket.receive_json_from(timeout=5)
    assert first["payload"]["data"]["lotEvents"]["__typename"] == "Tick"
    await asyncio.sleep(0.3)  # joined the lot's group
    return socket


async def next_events(socket, count: int, timeout: float = 10) -> list[dict]:
    events = []
    while len(events) < count:
        message = await socket.receive_json_from(timeout=timeout)
        event = message["payload"]["data"]["lotEvents"]
        if event["__typename"] != "Tick":
            events.append(event)
    return events


def _setup(bidders: int):
    the_lot = lot(start_price=Decimal("100000.00"))
    return the_lot, [bidder(the_lot) for _ in range(bidders)]


async def test_a_watcher_sees_every_bid_of_a_burst_in_order():
    the_lot, users = await sync_to_async(_setup)(6)
    socket = await watch(the_lot.pk)
    rng = random.Random(3)
    calls = [
        (
            lambda u=u, k=k, a=a: bid_place(
                user=u, lot_id=the_lot.pk, amount=Decimal(a), idempotency_key=f"burst-{k:04d}"
            )
        )
        for k, (u, a) in enumerate(
            (rng.choice(users), 100000 + 1000 * rng.randint(0, 8)) for _ in range(24)
        )
    ]
    if connection.vendor == "postgresql":
        results = await sync_to_async(run_together)(calls)
    else:  # SQLite serialises writers anyway; the burst runs back to back
        results = await sync_to_async(lambda: [_try(call) for call in calls])()
    accepted = {r.bid.seq for r in results if not isinstance(r, Exception)}

    events = await next_events(socket, len(accepted))

    assert [e["seq"] for e in events] == sorted(accepted) == list(range(1, len(accepted) + 1))
    amounts = [Decimal(e["amount"]) for e in events]
    assert amounts == sorted(amounts)
    await socket.disconnect()


def _try(call):
    try:
        return call()
    except Exception as exc:  # refusals are part of a burst
        return exc


async def test_a_watcher_sees_the_phase_changes_and_the_result():
    def setup():
        from tests.factories import auction_session

        # Bidding starts in seconds, so the clock moves only a little: the in-memory channel
        # layer of the embedded setup expires group members by wall-clock time too.
        start = now() + timedelta(seconds=10)
        session = auction_session(
            phase="NOTICE",
            notice_starts_at=now() - timedelta(hours=1),
            bidding_starts_at=start,
            bidding_ends_at=start + timedelta(seconds=10),
        )
        return lot(session_obj=session)

    the_lot = await sync_to_async(setup)()
    socket = await watch(the_lot.pk)

    def run_clock_at(moment):
        with time_machine.travel(moment, tick=False):
            call_command("auctions_clock")

    await sync_to_async(run_clock_at)(the_lot.session.bidding_starts_at + timedelta(seconds=1))
    opened = await next_events(socket, 1)
    assert opened == [{"__typename": "LotPhaseChanged", "phase": "BIDDING", "seq": 0}]

    await sync_to_async(run_clock_at)(the_lot.ends_at + timedelta(seconds=1))
    ended = await next_events(socket, 2)
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
    await socket.disconnect()
