"""The contract for a deal: transfer or licence by the listing's transaction type, filled
with the deal's data, unless the season supplied its own."""

from datetime import timedelta

import pytest
import time_machine

from auctions.models import Season
from deals.models import Deal
from deals.services import deal_contract_draft
from listings.models import Listing
from tests.api.test_deals import download, pdf_text, sold_lot
from tests.factories import UserFactory, _private_pdf

pytestmark = pytest.mark.django_db

URL = "query { myDeals { edges { node { id contractTemplateUrl } } } }"


def flat(text: str) -> str:
    return "".join(text.split())


def contract_url(client) -> str:
    return client(URL)["data"]["myDeals"]["edges"][0]["node"]["contractTemplateUrl"]


@pytest.mark.parametrize(
    ("transaction_type", "title", "absent"),
    [
        ("TRANSFER", "技术转让（专利权）合同", "□独占许可"),
        ("LICENSE", "专利实施许可合同", "转让标的"),
    ],
)
def test_a_party_downloads_the_contract_for_the_transaction_type_filled_with_the_deal(
    signed_in_as, transaction_type, title, absent
):
    the_lot, buyer_user = sold_lot(price="123000")
    Listing.objects.filter(pk=the_lot.listing_id).update(transaction_type=transaction_type)
    deal = Deal.objects.get()
    listing = Listing.objects.get(pk=the_lot.listing_id)

    for user in (buyer_user, deal.seller):
        text = flat(pdf_text(download(contract_url(signed_in_as(user)))))
        assert title in text and absent not in text
        assert deal.buyer.verification.name in text and deal.seller.verification.name in text
        assert listing.title in text and listing.patent_number in text
        assert "123,000.00" in text and "人民币壹拾贰万叁仟元整" in text
        assert f"{deal.serial}-TZ" in text  # the notice's serial
        assert f"{deal.serial}-HT" in text  # the contract number
        deadline = deal.contract_deadline
        assert f"{deadline.year}年{deadline.month}月{deadline.day}日前" in text


def test_the_licence_contract_offers_exclusive_sole_and_non_exclusive_terms_and_territory():
    the_lot, _ = sold_lot()
    Listing.objects.filter(pk=the_lot.listing_id).update(transaction_type="LICENSE")
    text = flat(pdf_text(deal_contract_draft(deal=Deal.objects.get())))
    for expected in ["□独占许可", "□排他许可", "□普通许可", "许可期限", "许可地域", "备案"]:
        assert expected in text, expected


def test_the_blank_licence_template_is_public_and_has_blanks():
    text = flat(pdf_text(download("/deals/license-contract-template.pdf")))
    assert "专利实施许可合同" in text and "示范文本" in text and "________" in text
    assert "许可方（乙方）" in text and "被许可方（甲方）" in text


def test_a_season_template_still_replaces_the_default(signed_in_as):
    the_lot, buyer_user = sold_lot()
    season = Season.objects.get(pk=the_lot.session.season_id)
    template = _private_pdf(season.created_by)
    template.kind = "CONTRACT_TEMPLATE"
    template.save()
    season.contract_template = template
    season.save()
    url = contract_url(signed_in_as(buyer_user))
    assert "/files/" in url and "/deals/contracts/" not in url


def test_the_filled_contract_link_is_for_the_parties_and_expires(signed_in_as, settings):
    sold_lot()
    deal = Deal.objects.get()
    url = contract_url(signed_in_as(deal.buyer))
    assert "/deals/contracts/" in url
    from deals.selectors import deal_contract_draft_path

    assert deal_contract_draft_path(user=UserFactory(), deal=deal) is None
    from django.test import Client

    with time_machine.travel(timedelta(seconds=settings.FILE_URL_MAX_AGE.total_seconds() + 5)):
        assert Client().get(url).status_code == 404
    assert Client().get(url[:-3] + "abc").status_code == 404
