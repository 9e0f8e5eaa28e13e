"""The admin shows what staff review and run of packages and licences."""

import pytest
from django.test import Client
from django.urls import reverse

from auctions.models import LotItem
from listings.models import ListingLicence
from tests.factories import ListingFactory, UserFactory, lot

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client():
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True, name="管理员"))
    return client


def test_a_reviewer_sees_a_licence_listings_terms(admin_client):
    listing = ListingFactory(status="PENDING_REVIEW", transaction_type="LICENSE")
    ListingLicence.objects.create(listing=listing, kind="SOLE", term_years=3, territory="江苏省")

    page = admin_client.get(reverse("admin:listings_listing_change", args=[listing.pk]))

    assert page.status_code == 200
    assert "排他许可；期限：3年；地域：江苏省" in page.content.decode()


def test_a_lot_page_lists_every_listing_of_its_package(admin_client):
    package = lot()
    second = ListingFactory(shop=package.listing.shop, status="IN_AUCTION", title="第二项专利")
    LotItem.objects.create(lot=package, listing=second, position=1)

    page = admin_client.get(reverse("admin:auctions_lot_change", args=[package.pk]))

    assert page.status_code == 200
    content = page.content.decode()
    assert package.listing.title in content and "第二项专利" in content
