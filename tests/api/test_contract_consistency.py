"""Issue 10, consistency: the same question answered the same way everywhere."""

import re

import pytest
from graphql import GraphQLObjectType, get_named_type

from kernel.clock import now
from schema import schema
from schema.descriptions import LAST
from tests.factories import ListingFactory, staff_user, valid_patent_number

pytestmark = pytest.mark.django_db

LISTING_QUEUE = """
query($search: String) { listingQueue(search: $search) { totalCount edges { node { title } } } }"""


def test_the_listing_queue_search_matches_patent_numbers_as_the_hall_does(signed_in_as):
    staff = signed_in_as(staff_user())
    ListingFactory(
        status="PENDING_REVIEW",
        submitted_at=now(),
        title="一种储能电池",
        patent_number=valid_patent_number("202110123456"),
    )
    ListingFactory(
        status="PENDING_REVIEW",
        submitted_at=now(),
        title="一种光伏组件",
        patent_number=valid_patent_number("202220654321"),
    )

    def titles(search):
        queue = staff(LISTING_QUEUE, {"search": search})["data"]["listingQueue"]
        return sorted(edge["node"]["title"] for edge in queue["edges"])

    assert titles("储能") == ["一种储能电池"]
    assert titles("2022206543") == ["一种光伏组件"]  # part of the number
    assert titles(valid_patent_number("202110123456").lower()) == ["一种储能电池"]
    assert titles(None) == ["一种储能电池", "一种光伏组件"]


SUBJECTS = """
mutation($listing: ID!, $shop: ID!) {
  listing: reviewApprove(input: {id: $listing}) { subject { ...Subject } errors { code } }
  shop: reviewApprove(input: {id: $shop}) { subject { ...Subject } errors { code } }
}
fragment Subject on Reviewable {
  __typename id reviewStatus
  ... on Listing { listingStatus: status }
  ... on Shop { status }
}"""


def test_a_reviewed_subject_has_its_id_and_one_review_status_through_the_interface(
    signed_in_as,
):
    from tests.api.helpers import gid
    from tests.factories import ShopFactory

    staff = signed_in_as(staff_user())
    listing = ListingFactory(status="PENDING_REVIEW", submitted_at=now())
    shop = ShopFactory(status="PENDING")
    ids = {"listing": gid("Listing", listing.pk), "shop": gid("Shop", shop.pk)}

    response = staff(SUBJECTS, ids)

    assert "errors" not in response
    assert response["data"] == {
        "listing": {
            "subject": {
                "__typename": "Listing",
                "id": ids["listing"],
                "reviewStatus": "APPROVED",
                "listingStatus": "LISTED",
            },
            "errors": [],
        },
        "shop": {
            "subject": {
                "__typename": "Shop",
                "id": ids["shop"],
                "reviewStatus": "APPROVED",
                "status": "APPROVED",
            },
            "errors": [],
        },
    }


def test_each_type_s_own_status_under_one_name_is_refused_as_the_interface_says(signed_in_as):
    staff = signed_in_as(staff_user())
    response = staff.raw(
        'mutation { reviewApprove(input: {id: "x"}) { subject { '
        "... on Listing { status } ... on Shop { status } } } }"
    ).json()

    assert [e["extensions"]["code"] for e in response["errors"]] == ["GRAPHQL_VALIDATION_FAILED"]
    description = schema._schema.type_map["Reviewable"].description
    assert "reviewStatus" in description and "listingStatus: status" in description


def _connections():
    return {
        name: type_
        for name, type_ in schema._schema.type_map.items()
        if isinstance(type_, GraphQLObjectType) and {"edges", "pageInfo"} <= set(type_.fields)
    }


def test_every_connection_has_a_non_null_total_count():
    connections = _connections()

    assert len(connections) > 10
    assert {
        name: str(type_.fields["totalCount"].type)
        for name, type_ in connections.items()
        if str(type_.fields.get("totalCount") and type_.fields["totalCount"].type) != "Int!"
    } == {}


def test_every_list_argument_last_says_what_it_does():
    texts = {
        f"{type_name}.{field_name}": field.args["last"].description
        for type_name, type_ in schema._schema.type_map.items()
        if isinstance(type_, GraphQLObjectType)
        for field_name, field in type_.fields.items()
        if "last" in field.args
    }

    assert "Query.lots" in texts
    assert set(texts.values()) == {LAST}


ISO_DATETIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?(Z|[+-]\d\d:\d\d)?")
LOT_TIMES = """
query($id: ID!) {
  serverTime
  lot(id: $id) {
    endsAt serverTime registrationDeadline
    session { noticeStartsAt biddingStartsAt biddingEndsAt }
    bids(first: 5) { edges { node { placedAt endsAtAfter } } }
    listing { submittedAt decidedAt }
  }
}"""


def _datetimes(value):
    """Every ISO datetime string anywhere in a response."""
    if isinstance(value, dict):
        for item in value.values():
            yield from _datetimes(item)
    elif isinstance(value, list):
        for item in value:
            yield from _datetimes(item)
    elif isinstance(value, str) and ISO_DATETIME.fullmatch(value):
        yield value


def test_every_time_the_api_returns_is_in_utc_the_registration_deadline_too(signed_in_as):
    from auctions.services.bidding import bid_place
    from tests.api.helpers import gid
    from tests.factories import bidder, lot

    lot_obj = lot(phase="BIDDING")
    buyer = bidder(lot_obj)
    bid_place(
        user=buyer, lot_id=lot_obj.pk, amount=lot_obj.start_price, idempotency_key="utc-00001"
    )

    response = signed_in_as(buyer)(LOT_TIMES, {"id": gid("Lot", lot_obj.pk)})

    assert "errors" not in response, response
    times = list(_datetimes(response["data"]))
    assert len(times) >= 9
    assert {ISO_DATETIME.fullmatch(t).group(1) for t in times} == {"+00:00"}
    deadline = response["data"]["lot"]["registrationDeadline"]
    assert deadline.endswith("T08:00:00+00:00")  # 16:00 in Shanghai, the day before


def test_every_field_named_as_a_time_is_a_datetime_so_the_one_scalar_writes_it():
    strings = sorted(
        f"{type_name}.{field_name}"
        for type_name, type_ in schema._schema.type_map.items()
        if isinstance(type_, GraphQLObjectType) and not type_name.startswith("__")
        for field_name, field in type_.fields.items()
        if field_name.endswith(("At", "Time", "Deadline"))
        and get_named_type(field.type).name not in {"DateTime", "Date", "Int"}
    )

    assert strings == []
    # and the scalar writes any zone's instant in UTC
    from datetime import datetime

    from kernel.clock import SHANGHAI
    from schema.scalars import serialize_datetime

    assert serialize_datetime(datetime(2026, 12, 1, 16, 0, tzinfo=SHANGHAI)) == (
        "2026-12-01T08:00:00+00:00"
    )


def test_every_mutation_takes_one_input_and_any_other_argument_is_deprecated():
    mutation = schema._schema.mutation_type
    without_input = sorted(
        name for name, field in mutation.fields.items() if "input" not in field.args
    )
    live_extras = sorted(
        f"{name}({arg_name})"
        for name, field in mutation.fields.items()
        for arg_name, arg in field.args.items()
        if arg_name != "input" and not arg.deprecation_reason
    )

    assert (without_input, live_extras) == ([], [])
