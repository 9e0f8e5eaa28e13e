"""Every live event survives the channel layers' own serialization unchanged."""

import dataclasses
import json
import typing
from datetime import UTC, datetime
from decimal import Decimal
from types import UnionType

import pytest
from channels_redis.serializers import registry

import accounts.events  # noqa: F401  (each module registers its events)
import auctions.events  # noqa: F401
import listings.imports.services  # noqa: F401
import notifications.services  # noqa: F401
import reviews.services  # noqa: F401
from live.events import LiveEvent, _registry

SAMPLES = {
    int: 7,
    str: "竞买号001",
    bool: True,
    Decimal: Decimal("12000.50"),
    datetime: datetime(2026, 12, 1, 2, 3, 4, 567000, tzinfo=UTC),
    list: ["token.1", "session.abc"],
    dict: {"limit": 10},
}


def sample(event_class):
    values = {}
    for field in dataclasses.fields(event_class):
        hint = typing.get_type_hints(event_class)[field.name]
        if isinstance(hint, UnionType):
            hint = next(arg for arg in typing.get_args(hint) if arg is not type(None))
        values[field.name] = SAMPLES[hint]
    return event_class(**values)


EVENT_TYPES = sorted(_registry.items())


def test_every_app_defines_its_live_events_once():
    assert [name for name, _ in EVENT_TYPES] == [
        "auth.revoked",
        "listing_import.progress",
        "lot.bid",
        "lot.ended",
        "lot.phase",
        "notification.created",
        "review.decided",
    ]


@pytest.mark.parametrize(("name", "event_class"), EVENT_TYPES)
def test_an_event_round_trips_through_redis_msgpack(name, event_class):
    event = sample(event_class)
    serializer = registry.get_serializer("msgpack")

    wire = serializer.deserialize(serializer.serialize(event.to_message()))

    assert LiveEvent.from_message(wire) == event


@pytest.mark.parametrize(("name", "event_class"), EVENT_TYPES)
def test_an_event_round_trips_through_the_embedded_relay_json(name, event_class):
    event = sample(event_class)

    wire = json.loads(json.dumps(event.to_message(), ensure_ascii=False))

    assert LiveEvent.from_message(wire) == event


def test_an_unknown_or_malformed_event_is_dropped_not_raised():
    assert LiveEvent.from_message({"type": "platform.event", "event": {"type": "x.new"}}) is None
    assert (
        LiveEvent.from_message({"type": "platform.event", "event": {"type": "lot.bid", "seq": 1}})
        is None
    )
