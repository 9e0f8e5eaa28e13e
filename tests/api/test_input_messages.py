"""Each input refuses a bad value in its own words, once: no message borrowed from another
field (a bid is not a start price, minutes are not characters)."""

import pytest

from tests.api.helpers import gid
from tests.factories import ListingFactory, auction_session, bidder, lot, staff_user

pytestmark = pytest.mark.django_db

AMOUNT = "须大于0且不超过999,999,999.99元，精确到分。"
AMOUNT_EN = "must be more than 0 and at most 999,999,999.99 yuan, in fen."


@pytest.fixture
def manager(db, signed_in_as):
    from django.contrib.auth.models import Permission

    user = staff_user()
    user.user_permissions.add(Permission.objects.get(codename="manage_auctions"))
    return signed_in_as(user)


def _errors(client, query, variables, name):
    chinese = client(query, variables)["data"][name]["errors"]
    english = client(query, variables, headers={"Accept-Language": "en"})["data"][name]["errors"]
    return [
        (zh["code"], zh["field"], zh["message"], en["message"])
        for zh, en in zip(chinese, english, strict=True)
    ]


SEASON_CREATE = """
mutation($input: SeasonCreateInput!) {
  seasonCreate(input: $input) { season { id } errors { code field message } }
}"""
LOT_CREATE = """
mutation($input: LotCreateInput!) {
  lotCreate(input: $input) { lot { id } errors { code field message } }
}"""
BID = """
mutation($input: BidPlaceInput!) {
  bidPlace(input: $input) { bid { seq } errors { code field message } }
}"""
PROXY = """
mutation($input: ProxyBidSetInput!) {
  proxyBidSet(input: $input) { maxAmount errors { code field message } }
}"""


def test_a_bid_of_a_tenth_of_a_fen_is_refused_as_a_bid_not_as_a_start_price(signed_in_as):
    lot_obj = lot(phase="BIDDING")
    client = signed_in_as(bidder(lot_obj))
    variables = {
        "input": {
            "lotId": gid("Lot", lot_obj.pk),
            "amount": "100000.001",
            "idempotencyKey": "bid-key-0001",
        }
    }

    assert _errors(client, BID, variables, "bidPlace") == [
        ("BID_AMOUNT_INVALID", "amount", "出价" + AMOUNT, "The bid " + AMOUNT_EN)
    ]


def test_a_proxy_maximum_of_zero_is_refused_as_a_maximum(signed_in_as):
    lot_obj = lot(phase="BIDDING")
    client = signed_in_as(bidder(lot_obj))
    variables = {"input": {"lotId": gid("Lot", lot_obj.pk), "maxAmount": "0"}}

    assert _errors(client, PROXY, variables, "proxyBidSet") == [
        ("PROXY_MAX_INVALID", "maxAmount", "代理出价上限" + AMOUNT, "The maximum " + AMOUNT_EN)
    ]


def test_a_negative_increment_gives_one_error_about_the_increment(manager):
    session = auction_session(phase="NOTICE")
    listing = ListingFactory(season_opt_in=True)
    variables = {
        "input": {
            "sessionId": gid("AuctionSession", session.pk),
            "listingId": gid("Listing", listing.pk),
            "increment": "-5",
        }
    }

    assert _errors(manager, LOT_CREATE, variables, "lotCreate") == [
        (
            "INCREMENT_INVALID",
            "increment",
            "加价幅度须大于0，最多精确到分。",
            "The increment must be more than 0, in fen.",
        )
    ]


def test_a_bad_reserve_price_is_refused_as_a_reserve_price(manager):
    session = auction_session(phase="NOTICE")
    listing = ListingFactory(season_opt_in=True)
    variables = {
        "input": {
            "sessionId": gid("AuctionSession", session.pk),
            "listingId": gid("Listing", listing.pk),
            "reservePrice": "0.001",
        }
    }

    assert _errors(manager, LOT_CREATE, variables, "lotCreate") == [
        (
            "RESERVE_PRICE_INVALID",
            "reservePrice",
            "保留价" + AMOUNT,
            "The reserve price " + AMOUNT_EN,
        )
    ]


def test_an_anti_sniping_window_of_90_minutes_is_refused_in_minutes_not_characters(manager):
    variables = {"input": {"name": "拍卖季", "rules": "规则", "antiSnipingMinutes": 90}}

    assert _errors(manager, SEASON_CREATE, variables, "seasonCreate") == [
        (
            "ANTI_SNIPING_MINUTES_INVALID",
            "antiSnipingMinutes",
            "延时竞价时长须为0至60分钟。",
            "The anti-sniping window must be 0 to 60 minutes.",
        )
    ]


def test_a_season_with_a_bad_increment_and_deposit_gets_one_error_per_field(manager):
    variables = {
        "input": {
            "name": "拍卖季",
            "rules": "规则",
            "defaultIncrement": "-1",
            "depositRequired": True,
            "depositAmount": "12.345",
        }
    }

    assert _errors(manager, SEASON_CREATE, variables, "seasonCreate") == [
        (
            "INCREMENT_INVALID",
            "defaultIncrement",
            "加价幅度须大于0，最多精确到分。",
            "The increment must be more than 0, in fen.",
        ),
        ("DEPOSIT_AMOUNT_INVALID", "depositAmount", "保证金" + AMOUNT, "The deposit " + AMOUNT_EN),
    ]


def test_a_season_that_requires_a_deposit_without_an_amount_is_told_it_is_required(manager):
    variables = {"input": {"name": "拍卖季", "rules": "规则", "depositRequired": True}}

    assert [e[:2] for e in _errors(manager, SEASON_CREATE, variables, "seasonCreate")] == [
        ("REQUIRED", "depositAmount")
    ]


def test_an_overlong_shop_name_and_contacts_get_one_error_each(signed_in_as):
    from tests.api import operations as op
    from tests.api.test_identity_and_shop import shop_input
    from tests.factories import IdentityFactory, verified_institution

    user = verified_institution(name="南京示范大学")
    client = signed_in_as(user)
    variables = shop_input(
        gid("Identity", IdentityFactory(user=user).pk),
        name="大" * 101,
        contactPhone="1" * 21,
        contactEmail="a" * 250 + "@x.cn",
    )

    assert _errors(client, op.SHOP_APPLY, variables, "shopApply") == [
        ("TOO_LONG", "name", "最多 100 个字符。", "At most 100 characters."),
        ("TOO_LONG", "contactPhone", "最多 20 个字符。", "At most 20 characters."),
        ("TOO_LONG", "contactEmail", "最多 254 个字符。", "At most 254 characters."),
    ]


LISTING_CREATE = """
mutation($input: ListingCreateInput!) {
  listingCreate(input: $input) { listing { id } errors { code field message } }
}"""


def test_several_overlong_rights_holders_get_one_error_for_the_field(signed_in_as):
    from agreements.models import AgreementKind
    from tests.factories import current_agreement, open_shop

    shop = open_shop()
    client = signed_in_as(shop.identity.user)
    variables = {
        "input": {
            "shopId": gid("Shop", shop.pk),
            "type": "ACHIEVEMENT",
            "agreementVersion": current_agreement(AgreementKind.LISTING_AGREEMENT).version,
            "form": {"rightsHolders": [f"{n}" + "权" * 100 for n in range(30)]},
        }
    }

    assert _errors(client, LISTING_CREATE, variables, "listingCreate") == [
        ("TOO_LONG", "rightsHolders", "最多 100 个字符。", "At most 100 characters.")
    ]
