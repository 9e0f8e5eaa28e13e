"""One dispatcher per watched lot (or session) and process: it receives the group's events
once, keeps the feed's order, de-duplication and healing once for every watcher that is in
step with it, and writes each rendered frame to all of their sockets in one pass.

Why: with every socket a member of the lot's group, each event was queued for each socket,
woke its consumer's receive loop (``asyncio.wait`` over two tasks), was handed to the
subscription's own task, which ran the feed's order and de-duplication and a timer per
wait, and was sent through the session middleware's ``send`` wrapper: most of a delivered
message's CPU besides the socket write itself. Here a socket's subscription wakes only for
its ticks (once per ``tickSeconds`` when quiet) and when it must take over (below).

A watcher is *in step* when its feed has handed on exactly what the hub's has (every lot's
last seq, phase and end) and holds nothing back; then the hub writes to its socket.
Otherwise it has a feed of its own (``FeedKeeper``: order, de-duplication, healing, as
before) that its own task sends from, fed with what the hub hands on (a watcher that has
just replayed ``afterSeq`` gets the hub's recent history first): a watcher that resumed from
further back, one ahead of the hub (its snapshot saw a bid whose event is still on its way),
a watcher whose frames cannot be shared (a result with errors goes the usual way), or one
not run by our socket handler. Such a watcher joins the hub's pass as soon as it has caught
up, and leaves it (with its own copy of where it was) when an event cannot be rendered for
it. Ticks, snapshots, replays and errors are still sent by the subscription's own task.

Live frames go to the server's ``send`` below Channels' session middleware: its wrapper
saves the session and sets cookies on ``http.response.start`` only, never on a WebSocket
frame, and it cost a call per frame.

The hub joins the group with a channel of its own and leaves it when its last watcher goes,
so a process holds one Redis subscription per watched group, none once nobody watches.
"""

import asyncio
import logging
from collections import OrderedDict, deque

from channels.db import database_sync_to_async
from channels.sessions import InstanceSessionWrapper

from auctions import events
from auctions.selectors import LotLiveState, bids_placed_between, lot_live_states
from kernel.clock import now
from live.events import LiveEvent

from . import fanout
from .inbox import Inbox
from .lot_feed import GAP_GRACE_SECONDS, LotFeed

logger = logging.getLogger(__name__)

# How often a feed is compared with the database (one query per lot or session per process
# and period, shared by every feed of it in the process).
HEAL_EVERY_SECONDS = 1.0
# Events the hub keeps after handing them on, for watchers that attach behind it.
HISTORY = 256


class _SharedReads:
    """Per process: one database read per key, shared by every socket that asks for it
    while it runs and, for ``max_age`` seconds after (None: for good, for what never
    changes), at most ``size`` keys (the least recently asked for go first).

    Used for each watched lot's (or session's) live state, read at most once per
    HEAL_EVERY_SECONDS however many feeds watch it, and for the bids of a lot between two
    seqs (accepted bids never change). When a bid commits, every watcher whose live event
    is still in its queue at the next comparison finds itself behind by that bid: a
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


async def read_states(kind: str, pk: int) -> dict[int, LotLiveState]:
    """The live state of a lot (``("lot", pk)``) or of every lot of a session, now."""
    filters = {"lot_id": pk} if kind == "lot" else {"session_id": pk}
    return await database_sync_to_async(lot_live_states)(at=now(), **filters)


_bids_between = database_sync_to_async(bids_placed_between)


async def _read_bids(lot_id: int, session_id: int, after_seq: int, upto_seq: int) -> list:
    return await _bids_between(
        lot_id=lot_id, session_id=session_id, after_seq=after_seq, upto_seq=upto_seq
    )


states = _SharedReads(read_states, size=1024, max_age=HEAL_EVERY_SECONDS)
fills = _SharedReads(_read_bids, size=256, max_age=None)


async def fill(feed: LotFeed, state: LotLiveState, out: list | None = None) -> list:
    """Everything the database has that the feed has not handed on, in order, appended to
    ``out`` as it comes: the feed counts what it returns as handed on, so if a later read
    fails, what came before is still in the caller's list."""
    out = [] if out is None else out
    while True:
        missing = await fills.get(
            (state.lot_id, state.session_id, feed.last_seq(state.lot_id), state.last_seq)
        )
        out += feed.heal(state, missing)
        if not missing or feed.last_seq(state.lot_id) >= state.last_seq:
            return out


class FeedKeeper:
    """A feed and its healing: live events in, what to hand on out; once a period the feed
    is compared with the lot's row (shared per process) and what the row shows and the live
    path has still not delivered a period later is filled from the database. (Filling at
    once would read from the database what is merely still queued: right after every
    commit, for every feed of the lot.)"""

    def __init__(self, feed: LotFeed, key: tuple, *, healed_at: float) -> None:
        self.feed = feed
        self.key = key
        self.healed_at = healed_at
        # lot -> the state that showed this feed behind, and when
        self._behind: dict[int, tuple[LotLiveState, float]] = {}

    def take(self, event, at: float) -> list:
        # A lot added to the session later joins at the next comparison (it has no bids
        # yet: lots are added before bidding opens).
        if isinstance(event, events.LotEvent) and self.feed.watches(event.lot_id):
            return self.feed.push(event, now=at)
        return []

    def wake_at(self) -> float:
        """When the next comparison or a gap's fill is due."""
        wake = self.healed_at + HEAL_EVERY_SECONDS
        gap = self.feed.first_gap_since()
        return wake if gap is None else min(wake, gap + GAP_GRACE_SECONDS)

    async def heal(self, loop, ready: list | None = None) -> list:
        """What the database has for this feed if a comparison or a fill is due, in order,
        appended to ``ready`` as it comes (see :func:`fill`: if a read fails, what the feed
        has already counted as handed on is in the caller's list)."""
        ready = [] if ready is None else ready
        feed, behind = self.feed, self._behind
        due = feed.gaps_due(now=loop.time())
        if not due and loop.time() - self.healed_at < HEAL_EVERY_SECONDS:
            return ready
        self.healed_at = loop.time()
        for lot_id, (state, seen) in list(behind.items()):
            if lot_id in due or loop.time() - seen >= HEAL_EVERY_SECONDS:
                del behind[lot_id]
                if feed.behind(state):
                    await fill(feed, state, ready)
        current = await states.get(self.key)
        for lot_id, state in current.items():
            if not feed.watches(lot_id):
                feed.add_lot(state)
            elif lot_id in due:
                behind.pop(lot_id, None)
                await fill(feed, state, ready)
            elif lot_id not in behind and feed.behind(state):
                behind[lot_id] = (state, loop.time())
        return ready


def server_send(consumer):
    """The consumer's ``send`` below Channels' session middleware (see the module)."""
    send = consumer.base_send
    while isinstance(getattr(send, "__self__", None), InstanceSessionWrapper):
        send = send.__self__.real_send
    return send


class Watcher:
    """One subscription's place at its hub."""

    def __init__(self, hub: "LotHub", keeper: FeedKeeper, sender, *, sent_at: float) -> None:
        self.hub = hub
        self.keeper: FeedKeeper | None = keeper  # None while in step
        self.sender = sender  # fanout.Sender, or None: the hub never writes to it
        self.inbox = Inbox()  # what the hub handed on while this watcher was not in step
        self.last_sent = sent_at
        self.joined_at = 0.0  # when it last came in step
        self.broken = False  # a frame to its socket failed: the subscription ends

    @property
    def in_step(self) -> bool:
        return self.keeper is None

    def last_sent_at(self) -> float:
        """When anything last went to this socket (the hub's frames included)."""
        if self.in_step and self.hub.sent_at >= self.joined_at:
            return max(self.last_sent, self.hub.sent_at)
        return self.last_sent

    def last_seq(self, lot_id: int) -> int:
        feed = self.hub.sent_feed if self.in_step else self.keeper.feed
        return feed.last_seq(lot_id)

    def all_ended(self) -> bool:
        feed = self.hub.sent_feed if self.in_step else self.keeper.feed
        return feed.all_ended()


class LotHub:
    def __init__(self, key: tuple, group: str, layer, loop) -> None:
        self.key = key
        self.group = group
        self.layer = layer
        self.loop = loop
        self.members = 0  # subscriptions joined (attached or still replaying)
        self.closing = False
        self.feed: LotFeed | None = None  # the hub's working feed
        # What the watchers in step have been handed (a copy of the feed, taken as a batch
        # starts out): a catching watcher steps in when its feed is here.
        self.sent_feed: LotFeed | None = None
        self.keeper: FeedKeeper | None = None
        self.sent_at = 0.0  # the last frame written to the watchers in step
        self.history: deque = deque(maxlen=HISTORY)
        self.in_step: dict[tuple, dict[Watcher, None]] = {}  # by fanout cohort
        self.catching: dict[Watcher, None] = {}
        self.ready: asyncio.Future = loop.create_future()
        self._inbox = Inbox()
        self._channel: str | None = None
        self._tasks: list[asyncio.Task] = []

    # -- life ------------------------------------------------------------------------------

    def start(self) -> None:
        self._tasks.append(self.loop.create_task(self._run()))

    async def close(self) -> None:
        # Leave the group first: after a mass disconnect the layer's connection has an
        # unsubscribe to send for every socket's channel, and this one should not wait
        # behind them (nor behind this hub's own channel's).
        await self._leave_group()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            try:
                await task
            except asyncio.CancelledError:
                pass
            except Exception:  # already logged by the task
                pass
        await self._leave_group()  # in case it was joining meanwhile (a no-op otherwise)

    async def _leave_group(self) -> None:
        if self._channel is not None:
            try:
                await self.layer.group_discard(self.group, self._channel)
            except Exception:
                logger.exception("leaving %s failed", self.group)

    async def _run(self) -> None:
        try:
            self._channel = await self.layer.new_channel()
            # Join the group first, then read the state: nothing committed in between is
            # missed (what arrives twice is handed on once).
            await self.layer.group_add(self.group, self._channel)
            self._tasks.append(self.loop.create_task(self._receive()))
            current = await read_states(*self.key)
            feed = LotFeed(current)
            for state in current.values():
                await fill(feed, state)  # where a new watcher stands after its replay
        except BaseException as error:
            if isinstance(error, Exception):
                self.ready.set_exception(error)
            else:  # closed while starting
                self.ready.cancel()
            raise
        self.feed = feed
        self.sent_feed = feed.copy()
        self.keeper = FeedKeeper(feed, self.key, healed_at=self.loop.time())
        self.ready.set_result(None)
        while True:
            try:
                await self._step()
            except asyncio.CancelledError:
                raise
            except Exception:  # a database hiccup: the next period tries again
                logger.exception("lot hub %s: a step failed", self.group)
                await asyncio.sleep(HEAL_EVERY_SECONDS)

    async def _receive(self) -> None:
        """The group's messages, each once for the process (decoded once)."""
        while True:
            message = await self.layer.receive(self._channel)
            event = LiveEvent.from_message(message)
            if event is not None:
                self._inbox.put(event)

    async def _step(self) -> None:
        loop, keeper, inbox = self.loop, self.keeper, self._inbox
        await inbox.wait(max(0.0, keeper.wake_at() - loop.time()))
        ready: list = []
        messages = inbox.messages
        while messages:
            ready += keeper.take(messages.popleft(), loop.time())
        if ready:  # before healing reads from the database (which may fail)
            await self._hand_on(ready)
        healed: list = []
        try:
            await keeper.heal(loop, healed)
        except Exception:
            if healed:  # what the database gave before the read that failed
                await self._hand_on(healed)
            raise
        if healed:
            await self._hand_on(healed)
        else:  # nothing more handed on; a lot may have joined the session
            self.sent_feed = self.feed.copy()

    # -- watchers --------------------------------------------------------------------------

    def attach(self, feed: LotFeed, sender) -> Watcher:
        """A watcher past its snapshot and replay, not in step yet: it is handed the hub's
        recent history (what it has already is dropped by its feed) and what comes next."""
        watcher = Watcher(
            self,
            FeedKeeper(feed, self.key, healed_at=self.loop.time()),
            sender,
            sent_at=self.loop.time(),
        )
        self.catching[watcher] = None
        watcher.inbox.messages.extend(self.history)
        watcher.inbox.wake()
        self.try_step_in(watcher)
        return watcher

    def detach(self, watcher: Watcher) -> None:
        self.catching.pop(watcher, None)
        if watcher.sender is not None:
            cohort = self.in_step.get(watcher.sender.cohort)
            if cohort is not None:
                cohort.pop(watcher, None)
                if not cohort:
                    del self.in_step[watcher.sender.cohort]

    def try_step_in(self, watcher: Watcher) -> bool:
        """Join the hub's pass if the watcher has caught up with it (nothing left for its
        own task to send, the same position)."""
        if (
            watcher.sender is None
            or watcher.in_step
            or watcher.inbox.messages
            or not watcher.keeper.feed.same_position(self.sent_feed)
        ):
            return False
        del self.catching[watcher]
        watcher.keeper = None
        watcher.joined_at = self.loop.time()
        self.in_step.setdefault(watcher.sender.cohort, {})[watcher] = None
        return True

    def _step_out(self, watcher: Watcher, before: LotFeed, ready: list) -> None:
        """The watcher goes on with a feed of its own from where it was (``before`` this
        batch), and is handed the batch."""
        self.detach(watcher)
        watcher.last_sent = watcher.last_sent_at()
        watcher.keeper = FeedKeeper(before.copy(), self.key, healed_at=self.loop.time())
        self.catching[watcher] = None
        watcher.inbox.messages.extend(ready)
        watcher.inbox.wake()

    async def _hand_on(self, ready: list) -> None:
        # Everything up to the first await is decided at once: the position the batch
        # leads to, who gets it from its own task and who from this pass (a watcher that
        # steps in while the frames go out has had the batch from its own task).
        before, self.sent_feed = self.sent_feed, self.feed.copy()
        self.history.extend(ready)
        for watcher in self.catching:
            watcher.inbox.messages.extend(ready)
            watcher.inbox.wake()
        if not self.in_step:
            return
        self.sent_at = self.loop.time()
        passes = [list(members) for members in self.in_step.values()]
        for members in passes:
            sender = members[0].sender
            try:
                texts = [fanout.rendering(sender, event) for event in ready]
            except Exception:  # the position has moved on: they must not lose the batch
                logger.exception("lot hub %s: a rendering failed", self.group)
                texts = [None]
            if None in texts:  # errors: the usual way, per socket, in order
                for watcher in members:
                    self._step_out(watcher, before, ready)
                continue
            delivered = fanout.delivered_counter(sender.plan.field)
            for text in texts:
                frames: dict[str, dict] = {}
                sent = 0
                for watcher in members:
                    if watcher.broken:
                        continue
                    to = watcher.sender
                    operation = to.operation
                    if operation.handler.operations.get(operation.id) is not operation:
                        continue  # completed or stopped: its task is ending
                    frame = frames.get(to.head)
                    if frame is None:
                        frame = frames[to.head] = {
                            "type": "websocket.send",
                            "text": to.head + text + "}",
                        }
                    try:
                        await to.send(frame)
                    except Exception:
                        logger.exception("a live frame could not be sent")
                        watcher.broken = True
                        self.detach(watcher)
                        watcher.inbox.wake()
                        continue
                    sent += 1
                delivered.inc(sent)
        if self.key[0] == "lot" and self.sent_feed.all_ended():
            for members in list(self.in_step.values()):
                for watcher in members:
                    watcher.inbox.wake()  # its task completes the subscription


class _Hubs:
    """The process's hubs, by (kind, pk)."""

    def __init__(self) -> None:
        self._hubs: dict[tuple, LotHub] = {}

    def __len__(self) -> int:
        return len(self._hubs)

    async def join(self, key: tuple, group: str, layer) -> LotHub:
        """The hub of ``key``, once it has joined the group and knows where the feed is."""
        loop = asyncio.get_running_loop()
        hub = self._hubs.get(key)
        if (
            hub is None
            or hub.loop is not loop
            or hub.closing
            or hub.layer is not layer
            or (hub.ready.done() and (hub.ready.cancelled() or hub.ready.exception()))
        ):
            hub = self._hubs[key] = LotHub(key, group, layer, loop)
            hub.start()
        hub.members += 1
        try:
            await asyncio.shield(hub.ready)
        except BaseException:
            await self.leave(hub)
            raise
        return hub

    async def leave(self, hub: LotHub) -> None:
        hub.members -= 1
        if hub.members > 0 or hub.closing:
            return
        hub.closing = True
        if self._hubs.get(hub.key) is hub:
            del self._hubs[hub.key]
        await hub.close()


hubs = _Hubs()
