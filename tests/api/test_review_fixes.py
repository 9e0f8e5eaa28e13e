"""Regressions found in review: each names the rule it keeps."""

from datetime import datetime
from decimal import Decimal
from unittest import mock

import pytest
from strawberry import relay

from auctions.services.bidding import bid_place
from auctions.services.setup import lot_create, session_create
from kernel.clock import SHANGHAI
from kernel.errors import DomainError
from listings.models import Listing, OwnershipChange
from reviews.services import review_decide
from tests.factories import ListingFactory, auction_session, bidder, lot, season, staff_user

pytestmark = pytest.mark.django_db


def test_strangers_see_no_review_reasons_or_history_of_a_listing(gql, signed_in_as):
    listing = ListingFactory(decision_reason="早先的驳回理由", decided_at=datetime.now(SHANGHAI))
    query = """query($id: ID!) { node(id: $id) { ... on Listing {
                 decisionReason reviewHistory { reason } } } }"""
    variables = {"id": str(relay.GlobalID("Listing", str(listing.pk)))}

    public = gql(query, variables)["data"]["node"]
    assert public == {"decisionReason": None, "reviewHistory": []}
    seller = signed_in_as(listing.shop.identity.user)
    assert seller(query, variables)["data"]["node"]["decisionReason"] == "早先的驳回理由"


def test_an_approved_change_to_agent_takes_the_listing_out_of_the_season():
    listing = ListingFactory(status="DRAFT", season_opt_in=True)
    change = OwnershipChange.objects.create(
        listing=listing,
        requested="AGENT",
        reason="委托代理",
        applicant=listing.shop.identity.user,
        submitted_at=datetime.now(SHANGHAI),
    )
    review_decide(model=OwnershipChange, pk=change.pk, actor=staff_user(), approve=True)
    listing.refresh_from_db()
    assert (listing.ownership, listing.season_opt_in) == ("AGENT", False)


def test_an_agent_listing_cannot_be_put_up_in_the_season():
    from django.contrib.auth.models import Permission

    manager = staff_user()
    manager.user_permissions.add(Permission.objects.get(codename="manage_auctions"))
    manager = type(manager).objects.get(pk=manager.pk)
    agent = ListingFactory(ownership="AGENT", season_opt_in=True)
    session = auction_session(phase="NOTICE")
    with pytest.raises(DomainError) as refused:
        lot_create(actor=manager, session_id=session.pk, listing_id=agent.pk)
    assert refused.value.codes == ["LISTING_NOT_AVAILABLE"]
    assert Listing.objects.get(pk=agent.pk).status == "LISTED"


def test_an_idempotency_key_with_a_trailing_newline_is_refused():
    the_lot = lot()
    with pytest.raises(DomainError) as refused:
        bid_place(
            user=bidder(the_lot),
            lot_id=the_lot.pk,
            amount=the_lot.start_price,
            idempotency_key="abcdefgh\n",
        )
    assert refused.value.codes == ["IDEMPOTENCY_KEY_INVALID"]


def test_session_times_without_an_offset_are_the_exchanges_own():
    from django.contrib.auth.models import Permission

    manager = staff_user()
    manager.user_permissions.add(Permission.objects.get(codename="manage_auctions"))
    manager = type(manager).objects.get(pk=manager.pk)
    session = session_create(
        actor=manager,
        season_id=season().pk,
        name="第二场",
        auction_day=datetime(2030, 5, 20).date(),
        notice_starts_at=datetime(2030, 5, 1, 9, 0),
        bidding_starts_at=datetime(2030, 5, 20, 10, 0),
        bidding_ends_at=datetime(2030, 5, 20, 12, 0),
    )
    assert session.bidding_starts_at == datetime(2030, 5, 20, 10, 0, tzinfo=SHANGHAI)


@pytest.mark.django_db(transaction=True)
def test_a_channel_layer_outage_does_not_turn_a_saved_bid_into_an_error():
    the_lot = lot(start_price=Decimal("100000.00"))
    alice = bidder(the_lot)
    with (
        mock.patch(
            "channels.layers.InMemoryChannelLayer.group_send", side_effect=ConnectionError("down")
        ),
        mock.patch(
            "channels_redis.pubsub.RedisPubSubLoopLayer.group_send",
            side_effect=ConnectionError("down"),
        ),
    ):
        outcome = bid_place(
            user=alice, lot_id=the_lot.pk, amount=the_lot.start_price, idempotency_key="outage-01"
        )
    assert outcome.bid.seq == 1
