"""A lot's listing and a listing's shop are joined, not prefetched, with the same
visibility rule (schema/visibility.py): every viewer gets the very response the prefetch
gave, hidden relations included, in fewer queries."""

import json

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

import schema.resolution
from listings.models import Listing
from schema.plans import PLANS
from shops.models import Shop
from tests.api.helpers import gid
from tests.factories import ListingFactory, UserFactory, auction_session, lot, open_shop, staff_user

pytestmark = pytest.mark.django_db

LOTS = """{ lots(first: 20) { edges { node { id currentPrice
    listing { title status shop { name status } } } } } }"""
LISTINGS = """{ listings(first: 20) { edges { node { id title shop { name status } } } } }"""
NODES = """query($ids: [ID!]!) { nodes(ids: $ids) {
    ... on Lot { id listing { title shop { name } } }
    ... on Listing { id title shop { name } } } }"""
MINE = """{ myListings(first: 20) { edges { node { id status shop { name status } } } } }"""
PACKAGE = """query($id: ID!) { node(id: $id) { ... on Lot { id
    listing { title shop { name } }
    listings { title shop { name } } } } }"""


@pytest.fixture
def market():
    """Lots and listings whose relations each viewer sees differently: an open shop's lot;
    a lot whose shop was closed to the public after it was put up (its listing still
    public); a lot whose listing was delisted; a listing of a shop under review."""
    session = auction_session()
    seller = open_shop(name="南京示范大学")
    other = open_shop(name="东南示范学院", phone="13712340001")
    plain = lot(session_obj=session, listing=ListingFactory(shop=seller, status="IN_AUCTION"))
    closed = lot(session_obj=session, listing=ListingFactory(shop=other, status="IN_AUCTION"))
    Shop.objects.filter(pk=other.pk).update(status="REJECTED")
    delisted = lot(session_obj=session, listing=ListingFactory(shop=seller, status="IN_AUCTION"))
    Listing.objects.filter(pk=delisted.listing_id).update(status="DELISTED")
    ListingFactory(shop=other, status="LISTED")
    ListingFactory(shop=seller, status="PENDING_REVIEW")
    return {
        "lots": [plain, closed, delisted],
        "listings": list(Listing.objects.all()),
        "users": {
            "seller": seller.identity.user,
            "other": other.identity.user,
            "stranger": UserFactory(phone="13712340002"),
            "staff": staff_user(),
            "listing reviewer": _staff_with("review_listing", "13712340003"),
        },
    }


def _staff_with(codename: str, phone: str):
    user = UserFactory(phone=phone, is_staff=True, name="审核员乙")
    user.user_permissions.set(Permission.objects.filter(codename=codename))
    return type(user).objects.get(pk=user.pk)


def _clients(gql, signed_in_as, users):
    yield "anonymous", gql
    for name, user in users.items():
        yield name, signed_in_as(user)


def _requests(market):
    lot_ids = [gid("Lot", x.pk) for x in market["lots"]]
    listing_ids = [gid("Listing", x.pk) for x in market["listings"]]
    yield LOTS, None
    yield LISTINGS, None
    yield NODES, {"ids": lot_ids + listing_ids}
    yield MINE, None
    for lot_id in lot_ids:
        yield PACKAGE, {"id": lot_id}


def _answer(client, query, variables):
    with CaptureQueriesContext(connection) as captured:
        response = client(query, variables)
    return response, len(captured)


def test_every_viewer_gets_what_the_prefetch_gave(gql, signed_in_as, market, monkeypatch):
    clients = list(_clients(gql, signed_in_as, market["users"]))
    joined = {}
    for name, client in clients:
        for query, variables in _requests(market):
            client(query, variables)  # warm the per-process caches first
            joined[name, query, str(variables)] = _answer(client, query, variables)
    monkeypatch.setattr(schema.resolution, "join_visible", lambda queryset: queryset)
    monkeypatch.setattr(PLANS, "key", lambda queryset, info: None)  # no plan joins either
    hidden = fewer = 0
    for name, client in clients:
        for query, variables in _requests(market):
            response, count = _answer(client, query, variables)
            with_join, joined_count = joined[name, query, str(variables)]
            assert with_join == response, (name, query, variables)
            assert joined_count <= count, (name, query, variables)
            fewer += joined_count < count
            hidden += "errors" in response or "null" in str(response)
    assert fewer and hidden  # the joins saved queries; some relations were hidden


def test_a_hidden_shop_reads_as_missing_on_a_joined_listing(gql, market):
    response = gql(LISTINGS)
    assert response["errors"][0]["path"][-1] == "shop"  # Listing.shop is non-null
    assert "东南示范学院" not in json.dumps(response, ensure_ascii=False)


def test_the_lot_hall_reads_listing_and_shop_in_its_own_query(gql, market):
    gql(LOTS)
    with CaptureQueriesContext(connection) as captured:
        gql(LOTS)
    reads = [query["sql"].split(".", 1)[0] for query in captured]  # SELECT "<table>".
    assert reads == ['SELECT "auctions_lot"'], reads


def test_a_row_without_its_check_reads_its_relation_as_missing(market):
    """A check whose answer is not on the row (a future annotation mask, values()...)
    hides the relation rather than showing it."""
    from auctions.models import Lot
    from listings.selectors import listings_visible_to
    from schema.visibility import check_joins

    rows = check_joins(
        Lot.objects.select_related("listing").order_by("pk"),
        [("_no_such_answer", ("listing",), listings_visible_to)],
    )
    assert [row._state.fields_cache["listing"] for row in rows] == [None] * len(market["lots"])
