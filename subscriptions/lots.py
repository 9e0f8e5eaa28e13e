"""Live lots: every bid, phase change and result, and the server's clock between them."""

import asyncio
from collections.abc import AsyncGenerator
from datetime import datetime
from decimal import Decimal
from typing import Annotated

import strawberry
from channels.db import database_sync_to_async
from strawberry import relay

from auctions.events import lot_group, session_group
from auctions.models import AuctionSession, Lot
from kernel.clock import now
from resolvers.ids import decode_id
from schema.auctions import LotPhaseEnum, LotResultEnum
from schema.context import Info

from .events import EVENT_TYPE
from .ordering import InOrder


@strawberry.type(description="A bid was accepted.")
class BidPlaced:
    lot_id: relay.GlobalID
    seq: int = strawberry.field(description="Per lot, gapless: a gap means re-read lot(id).")
    amount: Decimal
    bidder_number: str
    is_proxy: bool
    at: datetime
    ends_at: datetime = strawberry.field(description="The lot's end after this bid.")


@strawberry.type(description="A lot entered a new phase.")
class LotPhaseChanged:
    lot_id: relay.GlobalID
    seq: int = strawberry.field(description="The lot's last bid sequence number.")
    phase: LotPhaseEnum
    at: datetime
    ends_at: datetime


@strawberry.type(description="A lot ended: sold (with the price) or unsold.")
class LotEnded:
    lot_id: relay.GlobalID
    seq: int
    result: LotResultEnum
    final_price: Decimal | None
    winner_bidder_number: str | None
    at: datetime


@strawberry.type(description="The server's clock, between events.")
class Tick:
    server_time: datetime


LotEvent = Annotated[
    BidPlaced | LotPhaseChanged | LotEnded | Tick,
    strawberry.union("LotEvent", description="Live lot events."),
]


def _gid(lot_id: int) -> relay.GlobalID:
    return relay.GlobalID("Lot", str(lot_id))


def event_to_type(event: dict):
    """Build the GraphQL object straight from the published event (no database query)."""
    kind = event["type"]
    if kind == "lot.bid":
        return BidPlaced(
            lot_id=_gid(event["lot_id"]),
            seq=event["seq"],
            amount=Decimal(event["amount"]),
            bidder_number=event["bidder_number"],
            is_proxy=event["is_proxy"],
            at=datetime.fromisoformat(event["at"]),
            ends_at=datetime.fromisoformat(event["ends_at"]),
        )
    if kind == "lot.phase":
        return LotPhaseChanged(
            lot_id=_gid(event["lot_id"]),
            seq=event["seq"],
            phase=LotPhaseEnum(event["phase"]),
            at=datetime.fromisoformat(event["at"]),
            ends_at=datetime.fromisoformat(event["ends_at"]),
        )
    if kind == "lot.ended":
        return LotEnded(
            lot_id=_gid(event["lot_id"]),
            seq=event["seq"],
            result=LotResultEnum(event["result"]),
            final_price=Decimal(event["final_price"]) if event["final_price"] else None,
            winner_bidder_number=event["winner_bidder_number"],
            at=datetime.fromisoformat(event["at"]),
        )
    return None


async def _watch(info: Info, group: str, accept, tick_seconds: int, snapshot):
    """Events of ``group`` that ``accept`` keeps, in order, with a Tick whenever none came
    for ``tick_seconds``. ``snapshot`` reads each lot's last seq, after the group is joined
    (so no bid falls between the two)."""
    interval = min(max(tick_seconds, 1), 60)
    consumer = info.context.request
    loop = asyncio.get_running_loop()
    async with consumer.listen_to_channel(EVENT_TYPE, groups=[group]) as messages:
        order = InOrder(await snapshot())
        iterator = messages.__aiter__()
        pending = asyncio.ensure_future(iterator.__anext__())
        last_sent = loop.time()
        try:
            yield Tick(server_time=now())
            while True:
                wake = last_sent + interval
                held_until = order.next_deadline()
                if held_until is not None:
                    wake = min(wake, held_until)
                done, _ = await asyncio.wait({pending}, timeout=max(0.0, wake - loop.time()))
                ready: list[dict] = []
                if done:
                    event = pending.result()["event"]
                    pending = asyncio.ensure_future(iterator.__anext__())
                    if accept(event):
                        ready = order.push(event, now=loop.time())
                if order.held:
                    ready += order.release(now=loop.time())
                for item in ready:
                    converted = event_to_type(item)
                    if converted is not None:
                        last_sent = loop.time()
                        yield converted
                if loop.time() - last_sent >= interval:
                    last_sent = loop.time()
                    yield Tick(server_time=now())
        finally:
            pending.cancel()


def _last_seqs(**filters):
    @database_sync_to_async
    def read() -> dict[int, int]:
        return dict(Lot.objects.filter(**filters).values_list("pk", "last_seq"))

    return read


@strawberry.type
class LotSubscription:
    @strawberry.subscription(
        description="One lot live: bids, phase changes, the result, and a Tick with the "
        "server time every tickSeconds without events. On a seq gap, re-read lot(id)."
    )
    async def lot_events(
        self, info: Info, lot_id: relay.GlobalID, tick_seconds: int = 5
    ) -> AsyncGenerator[LotEvent, None]:
        pk = decode_id(lot_id, Lot, field="lotId")
        watch = _watch(
            info, lot_group(pk), lambda e: e.get("lot_id") == pk, tick_seconds, _last_seqs(pk=pk)
        )
        async for item in watch:
            yield item

    @strawberry.subscription(
        description="Every lot of a session live (the trading hall of one auction day)."
    )
    async def session_events(
        self, info: Info, session_id: relay.GlobalID, tick_seconds: int = 5
    ) -> AsyncGenerator[LotEvent, None]:
        pk = decode_id(session_id, AuctionSession, field="sessionId")
        watch = _watch(
            info,
            session_group(pk),
            lambda e: e.get("session_id") == pk,
            tick_seconds,
            _last_seqs(session_id=pk),
        )
        async for item in watch:
            yield item
