"""Live lots: a snapshot, then every bid, phase change and result, and the server's clock
between them; resumable with ``afterSeq`` and healed from the database, so a watcher sees
every bid exactly once, in order."""

import asyncio
from collections import OrderedDict
from collections.abc import AsyncGenerator
from contextlib import aclosing
from datetime import datetime
from decimal import Decimal
from typing import Annotated

import strawberry
from channels.db import database_sync_to_async
from strawberry import relay

from auctions import events
from auctions.events import lot_group, session_group
from auctions.models import AuctionSession, Lot
from auctions.selectors import LotLiveState, bids_placed_between, lot_live_states
from kernel.clock import now
from kernel.errors import CommonErrorCode, DomainError
from resolvers.ids import decode_id
from schema.auctions import LotPhaseEnum, LotResultEnum, LotWinnerType
from schema.context import Info
from schema.errors import client_error

from . import fanout
from .inbox import Inbox, decoded
from .lot_feed import LotFeed

# The message type the feeds' listen_to_channel waits for: none (see _watch).
GROUPS_ONLY = "lot_feed.groups_only"
# How often a watcher compares its feed with the database (one query per lot or session
# per process and period, shared by every watcher of it in the process).
HEAL_EVERY_SECONDS = 1.0


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


class _SharedReads:
    """Per process: one database read per key, shared by every socket that asks for it
    while it runs and, for ``max_age`` seconds after (None: for good, for what never
    changes), at most ``size`` keys (the least recently asked for go first).

    Used for each watched lot's (or session's) live state, read at most once per
    HEAL_EVERY_SECONDS however many sockets watch it, and for the bids of a lot between
    two seqs (accepted bids never change). When a bid commits, every watcher whose live
    event is still in its queue at the next comparison finds itself behind by that bid: a
    thousand watchers asked the database the same question, one query each on the one
    thread Channels runs database calls on, and every request of the process waited
    behind them."""

    def __init__(self, read, *, size: int, max_age: float | None) -> None:
        self._read = read
        self.size = size
        self.max_age = max_age
        self._entries: OrderedDict[tuple, tuple[float, asyncio.Future]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    async def get(self, key: tuple):
        loop = asyncio.get_running_loop()
        entry = self._entries.get(key)
        future = None
        if entry is not None:
            read_at, found = entry
            if found.get_loop() is loop and (
                not found.done() or self.max_age is None or loop.time() - read_at < self.max_age
            ):
                future = found
                self._entries.move_to_end(key)
        if future is None:
            future = loop.create_task(self._read(*key))
            self._entries[key] = (loop.time(), future)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        try:
            return await asyncio.shield(future)
        except Exception:
            if self._entries.get(key, (0, None))[1] is future:
                del self._entries[key]  # a failed read is not kept
            raise


async def _read_states(kind: str, pk: int) -> dict[int, LotLiveState]:
    filters = {"lot_id": pk} if kind == "lot" else {"session_id": pk}
    return await database_sync_to_async(lot_live_states)(at=now(), **filters)


async def _read_bids(lot_id: int, session_id: int, after_seq: int, upto_seq: int) -> list:
    return await _bids_between(
        lot_id=lot_id, session_id=session_id, after_seq=after_seq, upto_seq=upto_seq
    )


_bids_between = database_sync_to_async(bids_placed_between)
_states = _SharedReads(_read_states, size=1024, max_age=HEAL_EVERY_SECONDS)
_fills = _SharedReads(_read_bids, size=256, max_age=None)


async def _fill(feed: LotFeed, state: LotLiveState) -> list:
    """Everything the database has that the feed has not handed on, in order."""
    out: list = []
    while True:
        missing = await _fills.get(
            (state.lot_id, state.session_id, feed.last_seq(state.lot_id), state.last_seq)
        )
        out += feed.heal(state, missing)
        if not missing or feed.last_seq(state.lot_id) >= state.last_seq:
            return out


async def _watch(
    info: Info,
    *,
    group: str,
    key: tuple,
    after: dict[int, int] | None,
    tick_seconds: int,
    single_lot: bool,
):
    interval = min(max(tick_seconds, 1), 60)
    consumer = info.context.request
    loop = asyncio.get_running_loop()
    inbox = Inbox()
    consumer.lot_inboxes.add(inbox)  # lot events reach it from here on (see inbox.py)
    try:
        # Join the group first, then read the state: nothing committed in between is
        # missed (what arrives twice is handed on once). listen_to_channel only joins and
        # leaves the group here (counting the socket's other subscriptions of it): it
        # listens for a message type nobody sends, so no queue fills up unread.
        async with (
            consumer.listen_to_channel(GROUPS_ONLY, groups=[group]),
            aclosing(_feed(inbox, key, after, interval, single_lot, loop)) as feed,
        ):
            async for item in feed:
                yield item
    finally:
        consumer.lot_inboxes.discard(inbox)


async def _feed(inbox: Inbox, key: tuple, after, interval: float, single_lot: bool, loop):
    states = await _read_states(*key)
    if single_lot and not states:
        raise client_error(DomainError(CommonErrorCode.NOT_FOUND, field="lotId"))
    feed = LotFeed(states, after)
    for state in states.values():
        yield _Snapshot(state)
    for state in states.values():
        for item in await _fill(feed, state):
            yield item
    if single_lot and feed.all_ended():
        return
    last_sent = last_healed = loop.time()
    # lot -> the state that showed this feed behind, and when: what the live path has not
    # delivered a period later is filled from the database. Filling at once would read
    # from the database what is merely still queued for this socket: right after every
    # commit, for every watcher of the lot.
    behind: dict[int, tuple[LotLiveState, float]] = {}
    while True:
        wake = min(last_sent + interval, last_healed + HEAL_EVERY_SECONDS)
        await inbox.wait(max(0.0, wake - loop.time()))
        ready: list = []
        messages = inbox.messages
        while messages:
            event = decoded.event(messages.popleft())
            # A lot added to the session later joins at the next comparison below (it
            # has no bids yet: lots are added before bidding opens).
            if isinstance(event, events.LotEvent) and feed.watches(event.lot_id):
                ready += feed.push(event, now=loop.time())
        due = feed.gaps_due(now=loop.time())
        if due or loop.time() - last_healed >= HEAL_EVERY_SECONDS:
            last_healed = loop.time()
            for lot_id, (state, seen) in list(behind.items()):
                if lot_id in due or loop.time() - seen >= HEAL_EVERY_SECONDS:
                    del behind[lot_id]
                    if feed.behind(state):
                        ready += await _fill(feed, state)
            current = await _states.get(key)
            for lot_id, state in current.items():
                if not feed.watches(lot_id):
                    feed.add_lot(state)
                elif lot_id in due:
                    behind.pop(lot_id, None)
                    ready += await _fill(feed, state)
                elif lot_id not in behind and feed.behind(state):
                    behind[lot_id] = (state, loop.time())
        for item in ready:
            last_sent = loop.time()
            yield item
        if single_lot and feed.all_ended():
            return
        if loop.time() - last_sent >= interval:
            last_sent = loop.time()
            if single_lot:
                yield Tick(server_time=now(), last_seq=feed.last_seq(next(iter(feed.lots))))
            else:
                yield SessionTick(server_time=now())


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
