"""List pages cost a fixed number of SQL queries, whatever their size."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from auctions.services.bidding import bid_place
from tests.factories import ListingFactory, UserFactory, auction_session, bidder, lot

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
