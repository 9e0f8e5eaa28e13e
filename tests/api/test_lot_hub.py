"""The lot hub: one receiver and one feed per watched lot and process, writing each frame to
every socket in step with it; watchers that resume, lag or cannot share a rendering go on
by themselves until they have caught up, and nothing is sent twice or out of order."""

import asyncio
import json
from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async
from channels.sessions import InstanceSessionWrapper

from auctions.events import BidPlaced, lot_group
from auctions.services.bidding import bid_place
from kernel.clock import now
from subscriptions import fanout, lot_hub
from subscriptions.lot_feed import LotFeed
from tests.api.helpers import gid
from tests.api.ws import Socket
from tests.factories import bidder, lot

WATCH = """
subscription($lotId: ID!, $afterSeq: Int) {
  lotEvents(lotId: $lotId, afterSeq: $afterSeq, tickSeconds: 60) {
    __typename
    ... on LotSnapshot { lastSeq }
    ... on BidPlaced { seq amount }
  }
}"""


def _setup(bidders: int = 2):
    the_lot = lot(start_price=Decimal("100000.00"))
    return the_lot, [bidder(the_lot) for _ in range(bidders)]


def _bid(user, lot_id, amount, key):
    return bid_place(user=user, lot_id=lot_id, amount=Decimal(amount), idempotency_key=key)


async def _events(ws, count: int) -> list[dict]:
    out = []
    while len(out) < count:
        event = await ws.data("lotEvents", timeout=10)
        if event["__typename"] == "BidPlaced":
            out.append(event)
    return out


async def _in_step(pk: int, count: int) -> lot_hub.LotHub:
    """The lot's hub once ``count`` watchers are in step with it."""
    for _ in range(100):
        hub = lot_hub.hubs._hubs.get(("lot", pk))
        if hub is not None and sum(len(m) for m in hub.in_step.values()) == count:
            return hub
        await asyncio.sleep(0.05)
    raise AssertionError("the watchers did not come in step")


@pytest.mark.django_db(transaction=True)
async def test_watchers_in_step_get_each_frame_from_the_hub_below_the_session_wrapper(
    monkeypatch,
):
    the_lot, (alice, bob) = await sync_to_async(_setup)()
    wrapped = []
    original = InstanceSessionWrapper.send

    async def counting(self, message):
        if "BidPlaced" in (message.get("text") or ""):
            wrapped.append(message)
        return await original(self, message)

    monkeypatch.setattr(InstanceSessionWrapper, "send", counting)
    sockets = [await Socket.open() for _ in range(3)]
    for ws in sockets:
        await ws.subscribe("w", WATCH, {"lotId": gid("Lot", the_lot.pk)})
        await ws.data("lotEvents")  # the snapshot
    await _in_step(the_lot.pk, 3)

    await sync_to_async(_bid)(alice, the_lot.pk, "100000", "hub-0001")
    await sync_to_async(_bid)(bob, the_lot.pk, "101000", "hub-0002")

    for ws in sockets:
        assert [e["seq"] for e in await _events(ws, 2)] == [1, 2]
        assert await ws.nothing_for(0.3)
    assert wrapped == []  # the session middleware's wrapper saw none of the live frames
    for ws in sockets:
        await ws.close()


@pytest.mark.django_db(transaction=True)
async def test_a_watcher_resuming_beside_live_ones_gets_what_it_missed_once_then_steps_in():
    the_lot, (alice, bob) = await sync_to_async(_setup)()
    live = await Socket.open()
    await live.subscribe("w", WATCH, {"lotId": gid("Lot", the_lot.pk)})
    await live.data("lotEvents")
    for k, (user, amount) in enumerate([(alice, 100000), (bob, 101000), (alice, 102000)]):
        await sync_to_async(_bid)(user, the_lot.pk, amount, f"resume-{k}")
    assert [e["seq"] for e in await _events(live, 3)] == [1, 2, 3]

    resumed = await Socket.open()
    await resumed.subscribe("r", WATCH, {"lotId": gid("Lot", the_lot.pk), "afterSeq": 1})
    assert (await resumed.data("lotEvents"))["lastSeq"] == 3
    assert [e["seq"] for e in await _events(resumed, 2)] == [2, 3]
    await _in_step(the_lot.pk, 2)
    await sync_to_async(_bid)(bob, the_lot.pk, 103000, "resume-live")

    assert [e["seq"] for e in await _events(live, 1)] == [4]
    assert [(e["seq"], e["amount"]) for e in await _events(resumed, 1)] == [(4, "103000.00")]
    assert await resumed.nothing_for(1.2) and await live.nothing_for(0.1)
    await live.close()
    await resumed.close()


@pytest.mark.django_db(transaction=True)
async def test_an_operation_the_client_completed_gets_no_more_frames():
    the_lot, (alice, _bob) = await sync_to_async(_setup)()
    ws = await Socket.open()
    await ws.subscribe("a", WATCH, {"lotId": gid("Lot", the_lot.pk)})
    await ws.subscribe("b", WATCH, {"lotId": gid("Lot", the_lot.pk)})
    await ws.receive()
    await ws.receive()  # both snapshots
    await _in_step(the_lot.pk, 2)
    await ws.communicator.send_json_to({"id": "a", "type": "complete"})

    await sync_to_async(_bid)(alice, the_lot.pk, "100000", "done-0001")

    message = await ws.receive()
    assert (message["id"], message["payload"]["data"]["lotEvents"]["seq"]) == ("b", 1)
    assert await ws.nothing_for(0.5)
    await ws.close()


@pytest.mark.django_db(transaction=True)
async def test_the_hub_leaves_the_lots_group_when_its_last_watcher_goes():
    the_lot, _ = await sync_to_async(_setup)()
    sockets = [await Socket.open() for _ in range(3)]
    for ws in sockets:
        await ws.subscribe("w", WATCH, {"lotId": gid("Lot", the_lot.pk)})
        await ws.data("lotEvents")
    hub = await _in_step(the_lot.pk, 3)
    layer = hub.layer

    for ws in sockets:
        await ws.close()

    assert ("lot", the_lot.pk) not in lot_hub.hubs._hubs
    group = lot_group(the_lot.pk)
    if hasattr(layer, "_get_group_channel_name"):  # Redis pub/sub: by its channel's name
        group = layer._get_group_channel_name(group)
    assert not layer.groups.get(group)


# -- the hub's pass, on its own -----------------------------------------------------------


class _Operation:
    def __init__(self, handler, id):
        self.handler, self.id = handler, id
        handler.operations[id] = self


class _Handler:
    def __init__(self):
        self.operations = {}


def _sender(frames: list, cohort: tuple, id: str = "1"):
    async def send(message):
        frames.append(json.loads(message["text"]))

    return fanout.Sender(
        operation=_Operation(_Handler(), id),
        plan=fanout.plan(WATCH, None),
        cohort=cohort,
        head=fanout._frame_head(id),
        send=send,
        schema=None,
        context=None,
    )


class _State:
    def __init__(self, last_seq):
        self.lot_id, self.session_id, self.last_seq, self.phase = 1, 1, last_seq, "BIDDING"


def _bidplaced(seq: int) -> BidPlaced:
    return BidPlaced(
        lot_id=1,
        session_id=1,
        seq=seq,
        amount=Decimal(seq),
        bidder_number="B001",
        is_proxy=False,
        at=now(),
        ends_at=now(),
    )


@pytest.fixture
def rendered(monkeypatch):
    """Renderings by seq; a cohort named "broken" cannot be rendered."""

    def rendering(sender, event):
        if sender.cohort == ("broken",):
            return None
        return json.dumps({"data": {"seq": event.seq}})

    monkeypatch.setattr(fanout, "rendering", rendering)
    monkeypatch.setattr(fanout, "delivered_counter", lambda field: _Counter())


class _Counter:
    def inc(self, n=1):
        pass


def _hub(at_seq: int) -> lot_hub.LotHub:
    hub = lot_hub.LotHub(("lot", 1), "lot.1", layer=None, loop=asyncio.get_running_loop())
    hub.feed = LotFeed({1: _State(at_seq)})
    hub.sent_feed = hub.feed.copy()
    return hub


def _pushed(hub, *seqs) -> list:
    ready = []
    for seq in seqs:
        ready += hub.feed.push(_bidplaced(seq), now=0.0)
    return ready


def _seqs(frames):
    return [frame["payload"]["data"]["seq"] for frame in frames]


async def test_one_pass_writes_each_frame_to_every_watcher_in_step(rendered):
    hub = _hub(0)
    frames = [[], [], []]
    watchers = [
        hub.attach(LotFeed({1: _State(0)}), _sender(frames[k], ("c", k % 2))) for k in range(3)
    ]
    assert all(w.in_step for w in watchers)

    await hub._hand_on(_pushed(hub, 1, 2))

    assert [_seqs(f) for f in frames] == [[1, 2], [1, 2], [1, 2]]
    assert all(w.last_seq(1) == 2 for w in watchers)
    assert all(not w.inbox.messages for w in watchers)  # their own tasks had nothing to do


async def test_a_watcher_behind_gets_the_hubs_history_and_steps_in_once_caught_up(rendered):
    hub = _hub(0)
    ahead_frames, behind_frames = [], []
    hub.attach(LotFeed({1: _State(0)}), _sender(ahead_frames, ("c",)))
    await hub._hand_on(_pushed(hub, 1, 2, 3))
    behind = hub.attach(LotFeed({1: _State(1)}), _sender(behind_frames, ("c",)))

    assert not behind.in_step
    own = []
    while behind.inbox.messages:  # what its own task does
        own += behind.keeper.take(behind.inbox.messages.popleft(), 0.0)
    assert [e.seq for e in own] == [2, 3]  # seq 1 it had: dropped
    assert hub.try_step_in(behind)
    await hub._hand_on(_pushed(hub, 4))

    assert _seqs(ahead_frames) == [1, 2, 3, 4]
    assert _seqs(behind_frames) == [4]  # 2 and 3 went from its own task; nothing twice


async def test_a_watcher_ahead_of_the_hub_waits_for_it_and_skips_what_it_has(rendered):
    hub = _hub(0)
    frames = []
    ahead = hub.attach(LotFeed({1: _State(2)}), _sender(frames, ("c",)))  # its snapshot saw 2
    assert not ahead.in_step

    await hub._hand_on(_pushed(hub, 1, 2))
    own = []
    while ahead.inbox.messages:
        own += ahead.keeper.take(ahead.inbox.messages.popleft(), 0.0)
    assert own == [] and hub.try_step_in(ahead)
    await hub._hand_on(_pushed(hub, 3))

    assert _seqs(frames) == [3]


async def test_a_cohort_that_cannot_be_rendered_goes_on_by_itself_from_where_it_was(rendered):
    hub = _hub(0)
    good, bad = [], []
    hub.attach(LotFeed({1: _State(0)}), _sender(good, ("c",)))
    broken = hub.attach(LotFeed({1: _State(0)}), _sender(bad, ("broken",)))
    await hub._hand_on(_pushed(hub, 1) + _pushed(hub, 2))

    assert _seqs(good) == [1, 2] and bad == []
    assert not broken.in_step and broken.last_seq(1) == 0
    own = []
    while broken.inbox.messages:
        own += broken.keeper.take(broken.inbox.messages.popleft(), 0.0)
    assert [e.seq for e in own] == [1, 2]  # its own task sends them the usual way, in order


async def test_events_taken_before_a_failed_comparison_still_go_out(rendered, monkeypatch):
    hub = _hub(0)
    hub.keeper = lot_hub.FeedKeeper(hub.feed, hub.key, healed_at=-10.0)  # a comparison is due
    frames = []
    hub.attach(LotFeed({1: _State(0)}), _sender(frames, ("c",)))

    async def unreachable(key):
        raise RuntimeError("database away")

    monkeypatch.setattr(lot_hub.states, "get", unreachable)
    hub._inbox.put(_bidplaced(1))

    with pytest.raises(RuntimeError):
        await hub._step()

    assert _seqs(frames) == [1]
    assert hub.sent_feed.last_seq(1) == 1


class _RowState(_State):
    """A lot's row as a comparison reads it: two bids the live path never delivered."""

    def __init__(self, last_seq):
        super().__init__(last_seq)
        self.phase = self.published_phase = "BIDDING"
        self.result = ""


async def test_bids_filled_before_a_failed_read_still_go_out(rendered, monkeypatch):
    hub = _hub(0)
    hub.keeper = lot_hub.FeedKeeper(hub.feed, hub.key, healed_at=-10.0)  # a comparison is due
    hub.keeper._behind[1] = (_RowState(2), -10.0)  # seen behind a period ago: filled now
    frames = []
    hub.attach(LotFeed({1: _State(0)}), _sender(frames, ("c",)))

    async def bids(key):
        return [_bidplaced(1), _bidplaced(2)]

    async def unreachable(key):
        raise RuntimeError("database away")

    monkeypatch.setattr(lot_hub.fills, "get", bids)
    monkeypatch.setattr(lot_hub.states, "get", unreachable)

    with pytest.raises(RuntimeError):
        await hub._step()

    assert _seqs(frames) == [1, 2]  # the feed counted them as handed on: they went out
    assert hub.sent_feed.last_seq(1) == 2


async def test_a_cohort_whose_rendering_raises_goes_on_by_itself(rendered, monkeypatch):
    hub = _hub(0)
    frames = []
    watcher = hub.attach(LotFeed({1: _State(0)}), _sender(frames, ("c",)))

    def failing(sender, event):
        raise ValueError("a resolver broke")

    monkeypatch.setattr(fanout, "rendering", failing)
    await hub._hand_on(_pushed(hub, 1))

    assert frames == [] and not watcher.in_step and watcher.last_seq(1) == 0
    own = []
    while watcher.inbox.messages:
        own += watcher.keeper.take(watcher.inbox.messages.popleft(), 0.0)
    assert [e.seq for e in own] == [1]  # its own task sends it the usual way
