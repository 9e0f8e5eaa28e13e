from decimal import Decimal

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from auctions.models import AuctionSession, Bid, Lot, ProxyBid, Registration, Season
from auctions.services.bidding import bid_place, proxy_bid_set
from listings.models import Listing, OwnershipChange, PatentRecord
from tests.factories import UserFactory, bidder, lot

pytestmark = pytest.mark.django_db


def test_every_auction_and_listing_page_renders_for_staff():
    the_lot = lot(start_price=Decimal("100000.00"))
    alice, bob = bidder(the_lot), bidder(the_lot)
    proxy_bid_set(user=alice, lot_id=the_lot.pk, max_amount=Decimal("110000"))
    bid_place(user=bob, lot_id=the_lot.pk, amount=Decimal("101000"), idempotency_key="admin-0001")
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    for model in (Season, AuctionSession, Lot, Registration, Bid, ProxyBid, Listing):
        assert model in admin.site._registry, model
        assert client.get(admin_url(model, "changelist")).status_code == 200, model
        obj = model.objects.first()
        assert client.get(admin_url(model, "change", obj.pk)).status_code == 200, model
    for model in (OwnershipChange, PatentRecord):
        assert client.get(admin_url(model, "changelist")).status_code == 200, model


def admin_url(model, page: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{page}", args=args)
