"""Fan-out: a live event is executed and serialized once per (event, document, the variables
it depends on) in a process, the same text goes to every socket that asked for it, and
nothing rendered for one viewer reaches another."""

import json
from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async
from graphql import GraphQLList, GraphQLNonNull, GraphQLObjectType, GraphQLUnionType

from accounts.services.tokens import api_token_issue
from auctions.services.bidding import bid_place
from schema import schema
from subscriptions import fanout
from tests.api.helpers import gid
from tests.api.ws import Socket
from tests.factories import bidder, lot

pytestmark = pytest.mark.django_db(transaction=True)

WATCH = """
subscription($lotId: ID!, $afterSeq: Int) {
  lotEvents(lotId: $lotId, afterSeq: $afterSeq, tickSeconds: 60) {
    __typename
    ... on BidPlaced { lotId seq amount bidderNumber isProxy at endsAt }
  }
}"""


def _setup():
    the_lot = lot(start_price=Decimal("100000.00"))
    alice, bob = bidder(the_lot), bidder(the_lot)
    return the_lot, alice, bob, api_token_issue(user=alice)[1]


def _bid(user, lot_id, amount, key):
    return bid_place(user=user, lot_id=lot_id, amount=Decimal(amount), idempotency_key=key)


async def _frames(ws, count: int) -> list[str]:
    """The next ``count`` ``next`` frames as the socket received them (text)."""
    out = []
    while len(out) < count:
        output = await ws.communicator.receive_output(timeout=10)
        assert output["type"] == "websocket.send", output
        if json.loads(output["text"])["type"] == "next":
            out.append(output["text"])
    return out


async def test_two_viewers_of_a_lot_get_the_same_text_from_one_execution_per_bid():
    the_lot, alice, bob, token = await sync_to_async(_setup)()
    await sync_to_async(_bid)(alice, the_lot.pk, "100000", "fan-0001")
    anonymous = await Socket.open()
    signed_in = await Socket.open({"authorization": f"Bearer {token}", "language": "en"})
    await anonymous.subscribe("a", WATCH, {"lotId": gid("Lot", the_lot.pk)})
    await signed_in.subscribe("b", WATCH, {"lotId": gid("Lot", the_lot.pk), "afterSeq": 0})
    assert len(await _frames(anonymous, 1)) == 1  # the snapshot
    replayed = await _frames(signed_in, 2)  # the snapshot, then seq 1 from the database
    before = fanout.renderings.executions

    await sync_to_async(_bid)(bob, the_lot.pk, "101000", "fan-0002")
    await sync_to_async(_bid)(alice, the_lot.pk, "102000", "fan-0003")
    seen_a, seen_b = await _frames(anonymous, 2), await _frames(signed_in, 2)

    assert fanout.renderings.executions - before == 2  # one per bid, not one per socket
    payloads_a = [json.loads(frame) for frame in seen_a]
    payloads_b = [json.loads(frame) for frame in seen_b]
    assert [p["id"] for p in payloads_a] == ["a", "a"]
    assert [p["id"] for p in payloads_b] == ["b", "b"]
    assert [p["payload"] for p in payloads_a] == [p["payload"] for p in payloads_b]
    bids = [p["payload"]["data"]["lotEvents"] for p in payloads_a]
    assert [(b["__typename"], b["seq"], b["amount"]) for b in bids] == [
        ("BidPlaced", 2, "101000.00"),
        ("BidPlaced", 3, "102000.00"),
    ]
    assert bids[0]["lotId"] == gid("Lot", the_lot.pk)
    # the replayed bid was rendered through the same path, once
    assert json.loads(replayed[1])["payload"]["data"]["lotEvents"]["seq"] == 1
    assert await anonymous.nothing_for(0.5) and await signed_in.nothing_for(0.1)
    await anonymous.close()
    await signed_in.close()


def _plan(query: str, name=None):
    found = fanout.plan(query, name)
    assert found is not None
    return found


def test_a_viewer_independent_document_has_one_key_for_every_viewer_and_resume_point():
    watch = _plan(WATCH)
    event = object()
    anonymous = type("Context", (), {"user": None, "language": "zh-hans"})()
    signed_in = type("Context", (), {"user": type("U", (), {"pk": 7})(), "language": "en"})()

    assert watch.shared and watch.key_variables == ()
    assert fanout.key_for(watch, event, {"lotId": "x", "afterSeq": 3}, anonymous) == (
        fanout.key_for(watch, event, {"lotId": "x", "afterSeq": None}, signed_in)
    )


def test_variables_below_the_root_field_are_part_of_the_key():
    query = """subscription($lot: ID!, $withAt: Boolean!) { lotEvents(lotId: $lot) {
      ... on BidPlaced { seq at @include(if: $withAt) } } }"""
    plan = _plan(query)
    event, context = object(), None

    assert plan.key_variables == ("withAt",)
    assert fanout.key_for(plan, event, {"lot": "x", "withAt": True}, context) != (
        fanout.key_for(plan, event, {"lot": "x", "withAt": False}, context)
    )


def test_any_other_subscription_is_keyed_by_its_viewer_and_language_too():
    plan = _plan("subscription { myReviewDecisions { kind reason } }")
    event = object()

    def context(pk, language):
        return type("Context", (), {"user": type("U", (), {"pk": pk})(), "language": language})()

    assert not plan.shared
    keys = {
        fanout.key_for(plan, event, None, context(1, "en")),
        fanout.key_for(plan, event, None, context(2, "en")),
        fanout.key_for(plan, event, None, context(1, "zh-hans")),
    }
    assert len(keys) == 3


def _named(type_):
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        type_ = type_.of_type
    return type_


def test_every_field_under_a_shared_subscription_reads_the_event_alone():
    """What makes sharing across viewers safe: no field below lotEvents or sessionEvents
    reads the context (no info argument, no permission class) or loads anything else (no
    field returns a model's type; plain parts of the event are walked in turn). A new such
    field must not be added silently."""
    subscription = schema._schema.subscription_type
    seen, todo = (
        set(),
        [_named(subscription.fields[name].type) for name in fanout.VIEWER_INDEPENDENT],
    )
    while todo:
        type_ = todo.pop()
        if type_.name in seen:
            continue
        seen.add(type_.name)
        if isinstance(type_, GraphQLUnionType):
            todo.extend(type_.types)
            continue
        if not isinstance(type_, GraphQLObjectType):
            continue  # scalars and enums are rendered from the value
        for field in type_.extensions["strawberry-definition"].fields:
            resolver = field.base_resolver
            assert not field.permission_classes, (type_.name, field.name)
            assert resolver is None or resolver.info_parameter is None, (type_.name, field.name)
            graphql_field = type_.fields[schema.config.name_converter.get_graphql_name(field)]
            named = _named(graphql_field.type)
            if isinstance(named, GraphQLObjectType):
                # a plain part of the event (LotEnded.winners), walked in turn; never a
                # model's type, which would load from the database
                origin = named.extensions["strawberry-definition"].origin
                assert not hasattr(origin, "__strawberry_django_definition__"), (
                    type_.name,
                    field.name,
                )
                todo.append(named)
    assert {"BidPlaced", "LotPhaseChanged", "LotEnded", "LotSnapshot", "Tick"} <= seen


async def test_frames_and_live_events_reach_the_socket_without_a_thread_hop(monkeypatch):
    import channels.consumer

    hops = []

    async def counting_hop():
        hops.append(1)

    monkeypatch.setattr(channels.consumer, "aclose_old_connections", counting_hop)
    the_lot, _alice, bob, token = await sync_to_async(_setup)()
    ws = await Socket.open({"authorization": f"Bearer {token}"})
    await ws.subscribe("a", WATCH, {"lotId": gid("Lot", the_lot.pk)})
    await _frames(ws, 1)
    await sync_to_async(_bid)(bob, the_lot.pk, "100000", "hop-0001")

    (frame,) = await _frames(ws, 1)

    assert json.loads(frame)["payload"]["data"]["lotEvents"]["seq"] == 1
    assert hops == []  # Channels' per-message close_old_connections in a worker thread
    await ws.close()
