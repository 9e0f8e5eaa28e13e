"""Live lots: a snapshot, then every bid, phase change and result, and the server's clock
between them; resumable with ``afterSeq`` and healed from the database, so a watcher sees
every bid exactly once, in order."""

import asyncio
from collections.abc import AsyncGenerator
from datetime import datetime
from decimal import Decimal
from typing import Annotated

import strawberry
from channels.db import database_sync_to_async
from strawberry import relay

from auctions import events
from auctions.events import lot_group, session_group
from auctions.models import AuctionSession, Lot
from auctions.selectors import LotLiveState
from kernel.clock import now
from kernel.errors import CommonErrorCode, DomainError
from resolvers.ids import decode_id
from schema.auctions import LotPhaseEnum, LotResultEnum, LotWinnerType
from schema.context import Info
from schema.errors import client_error

from . import fanout, lot_hub
from .lot_feed import LotFeed


def _lot_gid(root) -> relay.GlobalID:
    return relay.GlobalID("Lot", str(root.lot_id))


@strawberry.type(description="A bid was accepted.")
class BidPlaced:
    seq: int = strawberry.field(description="Per lot, gapless, from 1.")
    amount: Decimal = strawberry.field(description="The bid, CNY.")
    bidder_number: str = strawberry.field(description="竞买号 (never a name).")
    is_proxy: bool = strawberry.field(description="Placed by a maximum (代理出价).")
    under_priority_right: bool = strawberry.field(
        description="A priority purchase right holder's match (优先购买权): the same amount "
        "as the highest bid, and it now leads."
    )
    at: datetime = strawberry.field(description="When it was placed (the database clock).")
    ends_at: datetime = strawberry.field(description="The lot's end after this bid.")

    @strawberry.field(description="The lot.")
    def lot_id(self) -> relay.GlobalID:
        return _lot_gid(self)

    @classmethod
    def is_type_of(cls, obj, info) -> bool:
        return isinstance(obj, events.BidPlaced)


@strawberry.type(description="A lot entered a new phase.")
class LotPhaseChanged:
    seq: int = strawberry.field(description="The lot's last bid sequence number.")
    phase: LotPhaseEnum = strawberry.field(description="The phase it entered.")
    at: datetime = strawberry.field(description="When it entered it.")
    ends_at: datetime = strawberry.field(description="The lot's bidding end, with extensions.")

    @strawberry.field(description="The lot.")
    def lot_id(self) -> relay.GlobalID:
        return _lot_gid(self)

    @classmethod
    def is_type_of(cls, obj, info) -> bool:
        return isinstance(obj, events.LotPhaseChanged)


@strawberry.type(description="A lot ended: sold (with the price) or unsold.")
class LotEnded:
    seq: int = strawberry.field(description="The lot's last bid sequence number.")
    result: LotResultEnum = strawberry.field(description="成交 (SOLD) or 流拍 (UNSOLD).")
    final_price: Decimal | None = strawberry.field(description="Null when unsold.")
    winner_bidder_number: str | None = strawberry.field(
        description="Null when unsold; the highest bidder's when several licences were sold."
    )
    at: datetime = strawberry.field(description="When the lot was closed.")

    @strawberry.field(
        description="Every winner, best first (several for a lot sold as several licences)."
    )
    def winners(self) -> list[LotWinnerType]:
        return [LotWinnerType.of(winner) for winner in self.winners]

    @strawberry.field(description="The lot.")
    def lot_id(self) -> relay.GlobalID:
        return _lot_gid(self)

    @classmethod
    def is_type_of(cls, obj, info) -> bool:
        return isinstance(obj, events.LotEnded)


@strawberry.type(
    description="The first message of a lot feed (one per lot for a session): the lot as "
    "it stands. Bids after lastSeq follow; with afterSeq, the bids after it come first; "
    "for a lot that has ended, LotEnded comes next."
)
class LotSnapshot:
    phase: LotPhaseEnum = strawberry.field(description="The phase by the server's clock now.")
    current_price: Decimal | None = strawberry.field(description="Null before the first bid.")
    bid_count: int = strawberry.field(description="Accepted bids so far.")
    last_seq: int = strawberry.field(description="The last bid's sequence number (0: none).")
    ends_at: datetime = strawberry.field(description="Bidding end, with extensions.")
    next_minimum_bid: Decimal | None = strawberry.field(
        description="The lowest valid bid now; null once the lot has ended (a priority "
        "purchase right holder may also match currentPrice)."
    )
    under_priority_right: bool = strawberry.field(
        description="The current price is held by a priority right holder's match."
    )
    server_time: datetime = strawberry.field(description="Count down from this.")

    @strawberry.field(description="The lot.")
    def lot_id(self) -> relay.GlobalID:
        return _lot_gid(self)

    @classmethod
    def is_type_of(cls, obj, info) -> bool:
        return isinstance(obj, _Snapshot)


class _Snapshot:
    """A lot's live state as the snapshot message shows it."""

    def __init__(self, state: LotLiveState) -> None:
        self.lot_id = state.lot_id
        self.phase = LotPhaseEnum(state.phase)
        self.current_price = state.current_price
        self.bid_count = state.bid_count
        self.last_seq = state.last_seq
        self.ends_at = state.ends_at
        self.next_minimum_bid = state.next_minimum_bid
        self.under_priority_right = state.under_priority_right
        self.server_time = now()


@strawberry.type(description="The server's clock, between events of a lot.")
class Tick:
    server_time: datetime = strawberry.field(description="The server's time now.")
    last_seq: int = strawberry.field(
        description="The lot's last bid sequence number: every bid up to it has been sent."
    )


@strawberry.type(description="The server's clock, between events of a session's lots.")
class SessionTick:
    server_time: datetime = strawberry.field(description="The server's time now.")


LotEvent = Annotated[
    LotSnapshot | BidPlaced | LotPhaseChanged | LotEnded | Tick,
    strawberry.union("LotEvent", description="Live events of one lot."),
]
SessionEvent = Annotated[
    LotSnapshot | BidPlaced | LotPhaseChanged | LotEnded | SessionTick,
    strawberry.union("SessionEvent", description="Live events of a session's lots."),
]


@strawberry.input(description="Where a lot's feed was left: resume after this bid.")
class LotSeqInput:
    lot_id: relay.GlobalID = strawberry.field(description="A lot of the session.")
    seq: int = strawberry.field(description="The last bid seq you have of it (0: none).")


async def _watch(
    info: Info,
    *,
    group: str,
    key: tuple,
    after: dict[int, int] | None,
    tick_seconds: int,
    single_lot: bool,
):
    """A watcher's own task: its snapshot and replay, then what its hub does not send for
    it (subscriptions/lot_hub.py): its ticks, and everything while it is not in step."""
    interval = min(max(tick_seconds, 1), 60)
    consumer = info.context.request
    loop = asyncio.get_running_loop()
    # The hub has joined the group and read the state: this watcher's own read below
    # comes after, so nothing committed in between is missed (what arrives twice is
    # handed on once).
    hub = await lot_hub.hubs.join(key, group, consumer.channel_layer)
    watcher = None
    try:
        states = await lot_hub.read_states(*key)
        if single_lot and not states:
            raise client_error(DomainError(CommonErrorCode.NOT_FOUND, field="lotId"))
        feed = LotFeed(states, after)
        for state in states.values():
            yield _Snapshot(state)
        for state in states.values():
            for item in await lot_hub.fill(feed, state):
                yield item
        if single_lot and feed.all_ended():
            return
        sender = fanout.sender(info, lot_hub.server_send(consumer))
        watcher = hub.attach(feed, sender)
        first_lot = next(iter(states))
        while True:
            if watcher.broken:
                return
            if single_lot and watcher.all_ended():
                return
            if watcher.in_step:  # the hub sends its events; it wakes for its ticks
                last = watcher.last_sent_at()
                if loop.time() - last < interval:
                    await watcher.inbox.wait(last + interval - loop.time())
                    continue
            else:
                keeper = watcher.keeper
                wake = min(watcher.last_sent + interval, keeper.wake_at())
                await watcher.inbox.wait(max(0.0, wake - loop.time()))
                if watcher.in_step or watcher.broken:
                    continue
                ready: list = []
                messages = watcher.inbox.messages
                while messages:
                    ready += keeper.take(messages.popleft(), loop.time())
                ready += await keeper.heal(loop)
                for item in ready:
                    watcher.last_sent = loop.time()
                    yield item
                if single_lot and keeper.feed.all_ended():
                    return
                if hub.try_step_in(watcher):
                    continue
                if loop.time() - watcher.last_sent < interval:
                    continue
            watcher.last_sent = loop.time()
            if single_lot:
                yield Tick(server_time=now(), last_seq=watcher.last_seq(first_lot))
            else:
                yield SessionTick(server_time=now())
    finally:
        if watcher is not None:
            hub.detach(watcher)
        await lot_hub.hubs.leave(hub)


@strawberry.type
class LotSubscription:
    @strawberry.subscription(
        description="One lot live. First a LotSnapshot; with afterSeq (the last seq you "
        "have), every bid after it, from the database; then each bid, phase change and the "
        "result as they happen, each bid exactly once and in seq order (what the live path "
        "misses is filled from the database), and a Tick with the server time and lastSeq "
        "every tickSeconds (1-60) without events. Completes after LotEnded. An unknown lot "
        "is an error (NOT_FOUND)."
    )
    async def lot_events(
        self,
        info: Info,
        lot_id: Annotated[relay.GlobalID, strawberry.argument(description="The lot.")],
        after_seq: Annotated[
            int | None,
            strawberry.argument(description="The last bid seq you have: the bids after it first."),
        ] = None,
        tick_seconds: Annotated[
            int, strawberry.argument(description="A Tick after this many quiet seconds (1-60).")
        ] = 5,
    ) -> AsyncGenerator[LotEvent, None]:
        try:
            pk = decode_id(lot_id, Lot, field="lotId")
        except DomainError as exc:
            raise client_error(exc) from None
        watch = _watch(
            info,
            group=lot_group(pk),
            key=("lot", pk),
            after={pk: after_seq} if after_seq is not None else None,
            tick_seconds=tick_seconds,
            single_lot=True,
        )
        async for item in watch:
            if not await fanout.send(info, item):  # rendered once per process, sent
                yield item

    @strawberry.subscription(
        description="Every lot of a session live (the trading hall of one auction day): a "
        "LotSnapshot per lot, then as lotEvents for each; after resumes lots where you left "
        "them. An unknown session is an error (NOT_FOUND)."
    )
    async def session_events(
        self,
        info: Info,
        session_id: Annotated[relay.GlobalID, strawberry.argument(description="The session.")],
        after: Annotated[
            list[LotSeqInput] | None,
            strawberry.argument(description="Where you left each lot: its later bids first."),
        ] = None,
        tick_seconds: Annotated[
            int,
            strawberry.argument(description="A SessionTick after this many quiet seconds (1-60)."),
        ] = 5,
    ) -> AsyncGenerator[SessionEvent, None]:
        try:
            pk = decode_id(session_id, AuctionSession, field="sessionId")
            resume = {decode_id(i.lot_id, Lot, field="after"): i.seq for i in after or []}
            exists = await database_sync_to_async(AuctionSession.objects.filter(pk=pk).exists)()
            if not exists:
                raise DomainError(CommonErrorCode.NOT_FOUND, field="sessionId")
        except DomainError as exc:
            raise client_error(exc) from None
        watch = _watch(
            info,
            group=session_group(pk),
            key=("session", pk),
            after=resume,
            tick_seconds=tick_seconds,
            single_lot=False,
        )
        async for item in watch:
            if not await fanout.send(info, item):  # rendered once per process, sent
                yield item
