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


class InOrder:
    """Hands events on in each lot's sequence order.

    Events are published after commit by whichever process committed, so two bids that
    commit a moment apart can reach the channel layer in the opposite order. A bid waits
    here until the one before it has gone; a phase or end event waits for the bids before
    it. What still has a gap after ``HOLD_SECONDS`` goes out anyway, and the client, seeing
    the gap, re-reads the lot.
    """

    HOLD_SECONDS = 1.0

    def __init__(self, delivered: dict[int, int]) -> None:
        self.delivered = delivered  # lot id -> last bid seq handed on
        self.held: list[dict] = []

    def push(self, event: dict) -> list[dict]:
        self.held.append(event)
        return self._release()

    def _ready(self, event: dict) -> bool | None:
        """True: hand on; False: keep waiting; None: an old duplicate, drop."""
        done = self.delivered.setdefault(event["lot_id"], event["seq"] - 1)
        if event["type"] != "lot.bid":
            return event["seq"] <= done
        if event["seq"] <= done:
            return None
        return event["seq"] == done + 1

    def _release(self) -> list[dict]:
        out: list[dict] = []
        progress = True
        while progress and self.held:
            progress = False
            for event in sorted(self.held, key=lambda e: (e["seq"], e["type"] != "lot.bid")):
                ready = self._ready(event)
                if ready is False:
                    continue
                self.held.remove(event)
                progress = True
                if ready:
                    out.append(event)
                    if event["type"] == "lot.bid":
                        self.delivered[event["lot_id"]] = event["seq"]
        return out

    def flush(self) -> list[dict]:
        out = sorted(self.held, key=lambda e: (e["seq"], e["type"] != "lot.bid"))
        self.held = []
        for event in out:
            if event["type"] == "lot.bid":
                self.delivered[event["lot_id"]] = max(
                    self.delivered.get(event["lot_id"], 0), event["seq"]
                )
        return out


async def _watch(info: Info, group: str, accept, tick_seconds: int, delivered: dict[int, int]):
    """Events of ``group`` that ``accept`` keeps, in order, with a Tick whenever none came
    for ``tick_seconds``."""
    interval = min(max(tick_seconds, 1), 60)
    consumer = info.context.request
    loop = asyncio.get_running_loop()
    order = InOrder(delivered)
    async with consumer.listen_to_channel(EVENT_TYPE, groups=[group]) as messages:
        iterator = messages.__aiter__()
        pending = asyncio.ensure_future(iterator.__anext__())
        last_sent = loop.time()
        try:
            yield Tick(server_time=now())
            while True:
                wait = InOrder.HOLD_SECONDS if order.held else interval
                done, _ = await asyncio.wait({pending}, timeout=wait)
                if done:
                    event = pending.result()["event"]
                    pending = asyncio.ensure_future(iterator.__anext__())
                    ready = order.push(event) if accept(event) else []
                elif order.held:
                    ready = order.flush()
                else:
                    ready = []
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


@database_sync_to_async
def _last_seqs(**filters) -> dict[int, int]:
    return dict(Lot.objects.filter(**filters).values_list("pk", "last_seq"))


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
        delivered = await _last_seqs(pk=pk)
        watch = _watch(
            info, lot_group(pk), lambda e: e.get("lot_id") == pk, tick_seconds, delivered
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
        delivered = await _last_seqs(session_id=pk)
        watch = _watch(
            info, session_group(pk), lambda e: e.get("session_id") == pk, tick_seconds, delivered
        )
        async for item in watch:
            yield item
