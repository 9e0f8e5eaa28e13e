"""List pages cost a fixed number of SQL queries, whatever their size."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from auctions.models import Registration
from auctions.services.bidding import bid_place
from tests.api.helpers import gid
from tests.factories import ListingFactory, UserFactory, auction_session, bidder, lot, staff_user

pytestmark = pytest.mark.django_db

LOTS = """
{ lots(first: 50) { edges { node {
    id phase rules registrationDeadline winnerBidderNumber reserveMet currentPrice
    listing { title seasonEligible shop { name identityKind } }
    myRegistration { status bidderNumber commitmentLetter { name } proxyMaxAmount }
    bids(first: 5) { totalCount edges { node { seq bidderNumber } } }
    bidChain { verified length }
} } } }"""
LISTINGS = """
{ listings(first: 50) { edges { node {
    id title seasonEligible decisionReason reviewHistory { action }
    shop { name identityKind }
} } } }"""


def queries(client, query) -> int:
    client(query)  # warm the per-process caches (content types) first
    with CaptureQueriesContext(connection) as captured:
        response = client(query)
    assert "errors" not in response, response
    return len(captured)


def make_lot(session, user):
    the_lot = lot(session_obj=session, start_price=Decimal("100000.00"))
    bid_place(
        user=bidder(the_lot),
        lot_id=the_lot.pk,
        amount=Decimal("100000.00"),
        idempotency_key=f"count-{the_lot.pk:06d}",
    )
    return the_lot


def test_the_lot_hall_does_not_grow_with_the_page(signed_in_as):
    user = UserFactory()
    client = signed_in_as(user)
    session = auction_session()
    make_lot(session, user)
    small = queries(client, LOTS)
    for _ in range(4):
        make_lot(session, user)
    assert queries(client, LOTS) == small


def test_the_listing_hall_does_not_grow_with_the_page(gql):
    ListingFactory()
    small = queries(gql, LISTINGS)
    for _ in range(4):
        ListingFactory()
    assert queries(gql, LISTINGS) == small


MY_LISTINGS = """
{ myListings(first: 50) { edges { node {
    id title status decisionReason reviewHistory { action reason actorName }
} } } }"""


def test_the_seller_centre_does_not_grow_with_the_page_with_reasons_and_history(signed_in_as):
    first = ListingFactory(status="REJECTED", decision_reason="证书不清晰")
    client = signed_in_as(first.shop.identity.user)
    small = queries(client, MY_LISTINGS)
    for _ in range(9):
        ListingFactory(shop=first.shop, status="REJECTED", decision_reason="材料不全")
    assert queries(client, MY_LISTINGS) == small


# -- issue 10: the hall's and seller centre's new fields, sorted, searched, keyset-paged --

HALL = """
query($shop: ID) { lots(first: 50, sort: PRICE_HIGH_TO_LOW, search: "储能", minPrice: "1",
                        shopId: $shop) {
  totalCount edges { node {
    id biddingStartsAt approvedRegistrantCount viewerStanding nextMinimumBid
    listing { title lot { id currentPrice session { name } } }
    bids(first: 5) { totalCount edges { node { id seq } } }
} } } }"""


def test_the_sorted_searched_hall_with_standing_and_counts_does_not_grow(signed_in_as):
    session = auction_session()
    first = make_lot(session, None)
    viewer = Registration.objects.filter(lot=first).first().user
    client = signed_in_as(viewer)
    small = queries(client, HALL)
    for _ in range(9):
        make_lot(session, None)
    assert queries(client, HALL) == small


SESSION_LOTS = """
{ seasons(first: 5) { edges { node { sessions { lots(first: 50) { totalCount edges { node {
    id approvedRegistrantCount viewerStanding biddingStartsAt
} } } } } } } }"""


def test_a_sessions_lots_do_not_grow_with_the_page(signed_in_as):
    session = auction_session()
    make_lot(session, None)
    client = signed_in_as(UserFactory())
    small = queries(client, SESSION_LOTS)
    for _ in range(9):
        make_lot(session, None)
    assert queries(client, SESSION_LOTS) == small


LISTINGS_WITH_LOTS = """
query($shop: ID) { listings(first: 50, filter: {shopId: $shop}) { edges { node {
    id title lot { id currentPrice approvedRegistrantCount session { name } }
} } } }"""


def test_listings_with_their_lots_do_not_grow_with_the_page(gql):
    session = auction_session()
    shop = make_lot(session, None).listing.shop
    variables = {"shop": gid("Shop", shop.pk)}

    def count():
        gql(LISTINGS_WITH_LOTS, variables)
        with CaptureQueriesContext(connection) as captured:
            result = gql(LISTINGS_WITH_LOTS, variables)
        assert len(result["data"]["listings"]["edges"]) == shop.listings.count()
        return len(captured)

    small = count()
    for _ in range(9):
        lot(session_obj=session, listing=ListingFactory(shop=shop, status="IN_AUCTION"))
    assert count() == small


NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Lot { currentPrice bidCount } } }"


def test_nodes_costs_the_same_for_1_and_10_ids(gql):
    session = auction_session()
    lots = [lot(session_obj=session) for _ in range(10)]

    def count(ids):
        with CaptureQueriesContext(connection) as captured:
            result = gql(NODES, {"ids": ids})
        assert "errors" not in result and None not in result["data"]["nodes"]
        return len(captured)

    count([gid("Lot", lots[0].pk)])  # warm
    assert count([gid("Lot", one.pk) for one in lots]) == count([gid("Lot", lots[0].pk)])


SHOP_PAGE = """
query($id: ID!) { shop(id: $id) { name listings(first: 50) { totalCount edges { node {
    id title shop { name } lot { id }
} } } } }"""


def test_a_shop_page_does_not_grow_with_its_listings(gql):
    first = ListingFactory()
    variables = {"id": gid("Shop", first.shop_id)}

    def count():
        gql(SHOP_PAGE, variables)
        with CaptureQueriesContext(connection) as captured:
            result = gql(SHOP_PAGE, variables)
        assert "errors" not in result, result
        return len(captured)

    small = count()
    for _ in range(9):
        ListingFactory(shop=first.shop)
    assert count() == small


REGISTRATION_QUEUE = """
{ registrationQueue(first: 50) { totalCount edges { node {
    id bidderNumber applicant { name phone } commitmentLetter { id url expiresAt }
    lot { id approvedRegistrantCount }
} } } }"""


def test_the_registration_queue_with_applicants_does_not_grow(signed_in_as):
    the_lot = lot(phase="NOTICE")
    bidder(the_lot, approved=False)
    client = signed_in_as(staff_user())
    small = queries(client, REGISTRATION_QUEUE)
    for _ in range(9):
        bidder(the_lot, approved=False)
    assert queries(client, REGISTRATION_QUEUE) == small


def _reviewed(listing, staff):
    """A submission by its seller and a rejection by staff, as review records."""
    from django.contrib.contenttypes.models import ContentType

    from kernel.clock import now
    from reviews.models import ReviewRecord

    kind = ContentType.objects.get_for_model(listing)
    for action, actor, reason in (
        ("SUBMITTED", listing.shop.identity.user, ""),
        ("REJECTED", staff, "材料不全"),
    ):
        ReviewRecord.objects.create(
            subject_type=kind,
            subject_id=listing.pk,
            action=action,
            actor=actor,
            at=now(),
            reason=reason,
        )
    return listing


def test_the_seller_centre_with_review_records_on_every_row_does_not_grow(signed_in_as):
    from tests.factories import staff_user

    staff = staff_user()
    first = _reviewed(ListingFactory(status="REJECTED", decision_reason="材料不全"), staff)
    client = signed_in_as(first.shop.identity.user)
    small = queries(client, MY_LISTINGS)
    for _ in range(9):
        _reviewed(
            ListingFactory(shop=first.shop, status="REJECTED", decision_reason="材料不全"), staff
        )
    response = client(MY_LISTINGS)
    rows = [edge["node"] for edge in response["data"]["myListings"]["edges"]]
    assert len(rows) == 10
    assert all(row["decisionReason"] == "材料不全" for row in rows)
    assert all(
        [r["action"] for r in row["reviewHistory"]] == ["SUBMITTED", "REJECTED"] for row in rows
    )
    assert queries(client, MY_LISTINGS) == small


def test_the_listing_hall_of_a_signed_in_seller_does_not_grow_with_the_page(signed_in_as):
    from tests.factories import staff_user

    staff = staff_user()
    first = _reviewed(ListingFactory(), staff)
    client = signed_in_as(first.shop.identity.user)  # sees the history of their own rows
    small = queries(client, LISTINGS)
    for _ in range(4):
        _reviewed(ListingFactory(shop=first.shop), staff)
        ListingFactory()  # and someone else's
    response = client(LISTINGS)
    histories = [len(e["node"]["reviewHistory"]) for e in response["data"]["listings"]["edges"]]
    assert sorted(histories) == [0] * 4 + [2] * 5
    assert queries(client, LISTINGS) == small


def test_node_ids_of_a_hall_page_are_encoded_without_evaluating_type_annotations(gql, monkeypatch):
    """Strawberry decided a Django node's id attribute anew for every node (an annotation
    scan with eval_type per base): 40% of a hall page's CPU. It is decided once."""
    import strawberry.relay.types

    evaluated = []
    real = strawberry.relay.types.eval_type

    def counting(*args, **kwargs):
        evaluated.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(strawberry.relay.types, "eval_type", counting)
    for _ in range(3):
        ListingFactory()

    ids = [e["node"]["id"] for e in gql(LISTINGS)["data"]["listings"]["edges"]]

    assert len(ids) == 3 and len(set(ids)) == 3
    assert evaluated == []
