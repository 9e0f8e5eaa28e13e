"""Entry points a detail page and a countdown need: lot(id:), listing(id:), shop(id:),
serverTime, Lot.nextMinimumBid."""

from decimal import Decimal

import pytest

from auctions.services.bidding import bid_place
from tests.api.helpers import gid
from tests.factories import ListingFactory, bidder, lot

pytestmark = pytest.mark.django_db

LOT = "query($id: ID!) { lot(id: $id) { id currentPrice nextMinimumBid listing { title } } }"


def test_a_lot_is_read_by_id_with_its_next_minimum_bid(gql):
    the_lot = lot(start_price=Decimal("100000.00"))
    before = gql(LOT, {"id": gid("Lot", the_lot.pk)})["data"]["lot"]
    bid_place(
        user=bidder(the_lot),
        lot_id=the_lot.pk,
        amount=Decimal("100000"),
        idempotency_key="entry-01",
    )

    after = gql(LOT, {"id": gid("Lot", the_lot.pk)})["data"]["lot"]

    assert (before["currentPrice"], before["nextMinimumBid"]) == (None, "100000.00")
    assert (after["currentPrice"], after["nextMinimumBid"]) == ("100000.00", "101000.00")


def test_an_ended_lot_has_no_next_minimum_bid(gql):
    the_lot = lot(result="UNSOLD")

    assert gql(LOT, {"id": gid("Lot", the_lot.pk)})["data"]["lot"]["nextMinimumBid"] is None


def test_a_listing_and_its_shop_are_read_by_id_and_a_draft_is_not_shown_to_others(gql):
    listed = ListingFactory()
    draft = ListingFactory(status="DRAFT")

    shown = gql(
        "query($a: ID!, $b: ID!, $s: ID!) { a: listing(id: $a) { title } "
        "b: listing(id: $b) { title } shop(id: $s) { name } }",
        {
            "a": gid("Listing", listed.pk),
            "b": gid("Listing", draft.pk),
            "s": gid("Shop", listed.shop_id),
        },
    )["data"]

    assert shown == {"a": {"title": listed.title}, "b": None, "shop": {"name": listed.shop.name}}


def test_the_server_time_is_a_query_too(gql):
    assert gql("{ serverTime }")["data"]["serverTime"].endswith("+00:00")
