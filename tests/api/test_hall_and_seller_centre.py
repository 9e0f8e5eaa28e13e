"""Issue 10: the fields a trading hall and a seller centre need: nodes(ids:), myShop,
AuctionSession.lots, Listing.lot, Shop.listings and the shop filters, Lot.biddingStartsAt,
Lot.viewerStanding, Lot.approvedRegistrantCount, the hall's search, sort and price range,
Registration.applicant for staff, ids on File and Bid, File.expiresAt."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission

from accounts.models import User
from auctions.models import Registration
from auctions.services.bidding import bid_place
from kernel.clock import now
from tests.api.helpers import gid
from tests.factories import (
    ListingFactory,
    ShopFactory,
    UserFactory,
    auction_session,
    bidder,
    lot,
    open_shop,
    staff_user,
    valid_patent_number,
)

pytestmark = pytest.mark.django_db


def place(the_lot, user, amount, key):
    return bid_place(
        user=user, lot_id=the_lot.pk, amount=Decimal(amount), idempotency_key=f"hall-{key:04d}"
    )


def hall(client, **arguments):
    query = (
        "query($sort: LotSort!, $search: String, $min: Decimal, $max: Decimal, $shop: ID) {"
        " lots(first: 50, sort: $sort, search: $search, minPrice: $min, maxPrice: $max,"
        " shopId: $shop) { edges { node { id } } } }"
    )
    variables = {"sort": "ENDING_SOONEST", **arguments}
    result = client(query, variables)
    assert "errors" not in result, result
    return [edge["node"]["id"] for edge in result["data"]["lots"]["edges"]]


# -- nodes(ids:) -------------------------------------------------------------------------


def test_nodes_reads_many_ids_in_order_with_null_for_what_the_caller_may_not_see(gql):
    listed = ListingFactory()
    draft = ListingFactory(status="DRAFT")
    the_lot = lot()

    result = gql(
        "query($ids: [ID!]!) { nodes(ids: $ids) { id __typename } }",
        {"ids": [gid("Lot", the_lot.pk), gid("Listing", draft.pk), gid("Listing", listed.pk)]},
    )

    assert result["data"]["nodes"] == [
        {"id": gid("Lot", the_lot.pk), "__typename": "Lot"},
        None,
        {"id": gid("Listing", listed.pk), "__typename": "Listing"},
    ]


def test_nodes_refuses_more_than_100_ids_with_bad_user_input(gql):
    ids = [gid("Listing", n) for n in range(1, 102)]

    result = gql("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ids})

    assert [e["extensions"]["code"] for e in result["errors"]] == ["BAD_USER_INPUT"]
    assert result["data"] is None


def test_a_file_is_a_node_only_for_those_who_may_download_it(gql, signed_in_as):
    the_lot = lot()
    registrant = bidder(the_lot)
    letter = Registration.objects.get(user=registrant).commitment_letter
    query = "query($ids: [ID!]!) { nodes(ids: $ids) { ... on File { id name expiresAt } } }"
    ids = {"ids": [gid("File", letter.pk)]}

    one = "query($id: ID!) { node(id: $id) { id } }"

    mine = signed_in_as(registrant)(query, ids)["data"]["nodes"]
    stranger = signed_in_as(UserFactory())(query, ids)["data"]["nodes"]
    anonymous = gql(query, ids)["data"]["nodes"]
    one_stranger = signed_in_as(UserFactory())(one, {"id": ids["ids"][0]})["data"]["node"]
    one_mine = signed_in_as(registrant)(one, {"id": ids["ids"][0]})["data"]["node"]

    assert mine[0]["id"] == gid("File", letter.pk)
    assert stranger == anonymous == [None]
    assert (one_mine, one_stranger) == ({"id": gid("File", letter.pk)}, None)


# -- File.id / expiresAt, Bid.id ----------------------------------------------------------


def test_a_file_has_an_id_and_says_when_its_url_stops_working(signed_in_as):
    the_lot = lot()
    registrant = bidder(the_lot)
    letter = Registration.objects.get(user=registrant).commitment_letter
    before = now().replace(microsecond=0)

    file = signed_in_as(registrant)(
        "query($id: ID!) { lot(id: $id) { myRegistration { commitmentLetter "
        "{ id url expiresAt } } } }",
        {"id": gid("Lot", the_lot.pk)},
    )["data"]["lot"]["myRegistration"]["commitmentLetter"]

    expires = datetime.fromisoformat(file["expiresAt"])
    assert file["id"] == gid("File", letter.pk)
    assert file["url"] is not None
    assert before + settings.FILE_URL_MAX_AGE <= expires
    assert expires <= now() + settings.FILE_URL_MAX_AGE


def test_a_file_without_a_url_has_no_expiry(signed_in_as):
    the_lot = lot()
    registration = Registration.objects.get(user=bidder(the_lot))
    deals_staff = UserFactory(is_staff=True)  # sees registrations, may not read letters
    deals_staff.user_permissions.set(Permission.objects.filter(codename="manage_deals"))

    letter = signed_in_as(User.objects.get(pk=deals_staff.pk))(
        "query($id: ID!) { node(id: $id) { ... on Registration { commitmentLetter "
        "{ id url expiresAt } } } }",
        {"id": gid("Registration", registration.pk)},
    )["data"]["node"]["commitmentLetter"]

    assert letter == {
        "id": gid("File", registration.commitment_letter_id),
        "url": None,
        "expiresAt": None,
    }


def test_bids_have_global_ids_a_client_can_refetch(gql):
    the_lot = lot()
    outcome = place(the_lot, bidder(the_lot), "100000", 1)

    bids = gql(
        "query($id: ID!) { lot(id: $id) { bids(first: 5) { edges { node { id seq } } } } }",
        {"id": gid("Lot", the_lot.pk)},
    )["data"]["lot"]["bids"]["edges"]
    again = gql(
        "query($id: ID!) { node(id: $id) { ... on Bid { seq amount } } }",
        {"id": bids[0]["node"]["id"]},
    )["data"]["node"]

    assert bids[0]["node"]["id"] == gid("Bid", outcome.bid.pk)
    assert again == {"seq": 1, "amount": "100000.00"}


# -- myShop, Shop.listings, shop filters ---------------------------------------------------


def test_my_shop_is_the_sellers_open_shop_and_null_without_one(signed_in_as, gql):
    shop = open_shop()
    seller = shop.identity.user

    mine = signed_in_as(seller)("{ myShop { id name status } }")["data"]["myShop"]
    none = signed_in_as(UserFactory())("{ myShop { id } }")["data"]["myShop"]
    anonymous = gql("{ myShop { id } }")

    assert mine == {"id": gid("Shop", shop.pk), "name": shop.name, "status": "APPROVED"}
    assert none is None
    assert [e["extensions"]["code"] for e in anonymous["errors"]] == ["UNAUTHENTICATED"]


def test_a_shop_lists_its_listings_on_sale_and_the_halls_filter_by_shop(gql):
    shop = open_shop()
    older = ListingFactory(shop=shop, listed_at=now() - timedelta(days=1))
    newer = ListingFactory(shop=shop)
    ListingFactory(shop=shop, status="DRAFT")
    other = ListingFactory()
    shop_lot = lot(listing=ListingFactory(shop=shop, status="IN_AUCTION"))
    lot(listing=ListingFactory(status="IN_AUCTION"))

    page = gql(
        "query($id: ID!) { shop(id: $id) { listings(first: 10) { totalCount "
        "edges { node { id } } } } }",
        {"id": gid("Shop", shop.pk)},
    )["data"]["shop"]["listings"]
    hall_listings = gql(
        "query($shop: ID) { listings(first: 10, filter: {shopId: $shop}) "
        "{ edges { node { id } } } }",
        {"shop": gid("Shop", shop.pk)},
    )["data"]["listings"]["edges"]

    in_auction = gid("Listing", shop_lot.listing_id)
    expected = [in_auction, gid("Listing", newer.pk), gid("Listing", older.pk)]
    assert [e["node"]["id"] for e in page["edges"]] == expected
    assert page["totalCount"] == 3
    assert [e["node"]["id"] for e in hall_listings] == expected
    assert gid("Listing", other.pk) not in [e["node"]["id"] for e in hall_listings]
    assert hall(gql, shop=gid("Shop", shop.pk)) == [gid("Lot", shop_lot.pk)]


def test_a_shop_filter_with_a_foreign_id_finds_nothing(gql):
    lot()

    assert hall(gql, shop=gid("Lot", 1)) == []


# -- AuctionSession.lots, Listing.lot ------------------------------------------------------


def test_a_session_lists_its_lots_ending_soonest_first(gql):
    session = auction_session()
    later = lot(session_obj=session, ends_at=session.bidding_ends_at + timedelta(minutes=5))
    sooner = lot(session_obj=session)
    lot()  # another session's

    lots = gql(
        "query($id: ID!) { lot(id: $id) { session { lots(first: 10) { totalCount "
        "edges { node { id } } } } } }",
        {"id": gid("Lot", later.pk)},
    )["data"]["lot"]["session"]["lots"]

    assert [e["node"]["id"] for e in lots["edges"]] == [gid("Lot", sooner.pk), gid("Lot", later.pk)]
    assert lots["totalCount"] == 2


def test_a_listing_knows_the_lot_it_is_in_and_null_when_none(gql):
    the_lot = lot()
    unsold_before = lot(
        listing=the_lot.listing,
        phase="BIDDING",
        result="UNSOLD",
        session_obj=auction_session(
            bidding_starts_at=now() - timedelta(days=30),
            bidding_ends_at=now() - timedelta(days=30, hours=-1),
            notice_starts_at=now() - timedelta(days=35),
        ),
    )
    plain = ListingFactory()

    shown = gql(
        "query($a: ID!, $b: ID!) { a: listing(id: $a) { lot { id currentPrice } } "
        "b: listing(id: $b) { lot { id } } }",
        {"a": gid("Listing", the_lot.listing_id), "b": gid("Listing", plain.pk)},
    )["data"]

    assert unsold_before.pk != the_lot.pk
    assert shown == {
        "a": {"lot": {"id": gid("Lot", the_lot.pk), "currentPrice": None}},
        "b": {"lot": None},
    }


# -- biddingStartsAt, approvedRegistrantCount, viewerStanding -------------------------------

STANDING = (
    "query($id: ID!) { lot(id: $id) { biddingStartsAt approvedRegistrantCount viewerStanding } }"
)


def test_a_lot_shows_when_bidding_opens_and_how_many_registrants_were_approved(gql):
    the_lot = lot(phase="NOTICE")
    bidder(the_lot)
    bidder(the_lot)
    bidder(the_lot, approved=False)

    shown = gql(STANDING, {"id": gid("Lot", the_lot.pk)})["data"]["lot"]

    assert shown["approvedRegistrantCount"] == 2
    starts = datetime.fromisoformat(shown["biddingStartsAt"])
    assert starts == the_lot.session.bidding_starts_at
    assert shown["viewerStanding"] is None  # signed out


def standing_of(signed_in_as, user, the_lot) -> str:
    one = signed_in_as(user)(STANDING, {"id": gid("Lot", the_lot.pk)})["data"]["lot"]
    hall_page = signed_in_as(user)("{ lots(first: 50) { edges { node { id viewerStanding } } } }")[
        "data"
    ]["lots"]["edges"]
    listed = {e["node"]["id"]: e["node"]["viewerStanding"] for e in hall_page}
    assert listed[gid("Lot", the_lot.pk)] == one["viewerStanding"], "list and detail agree"
    return one["viewerStanding"]


def test_the_viewer_standing_follows_registration_and_bids(signed_in_as):
    the_lot = lot()
    leader, second = bidder(the_lot), bidder(the_lot)
    pending = bidder(the_lot, approved=False)
    rejected = bidder(the_lot, approved=False)
    Registration.objects.filter(user=rejected).update(status="REJECTED")
    stranger = UserFactory()

    assert standing_of(signed_in_as, leader, the_lot) == "NOT_BIDDING"
    place(the_lot, second, "100000", 1)
    place(the_lot, leader, "101000", 2)

    assert standing_of(signed_in_as, leader, the_lot) == "LEADING"
    assert standing_of(signed_in_as, second, the_lot) == "OUTBID"
    assert standing_of(signed_in_as, pending, the_lot) == "REGISTRATION_PENDING"
    assert standing_of(signed_in_as, rejected, the_lot) == "REGISTRATION_REJECTED"
    assert standing_of(signed_in_as, stranger, the_lot) == "NOT_REGISTERED"


def test_once_the_result_is_out_the_winner_won_and_the_other_bidders_lost(signed_in_as):
    the_lot = lot()
    winner, loser, idle = bidder(the_lot), bidder(the_lot), bidder(the_lot)
    place(the_lot, loser, "100000", 3)
    place(the_lot, winner, "101000", 4)
    the_lot.refresh_from_db()
    the_lot.result, the_lot.winner, the_lot.final_price = "SOLD", the_lot.leader, "101000"
    the_lot.save()

    assert standing_of(signed_in_as, winner, the_lot) == "WON"
    assert standing_of(signed_in_as, loser, the_lot) == "LOST"
    assert standing_of(signed_in_as, idle, the_lot) == "NOT_BIDDING"


# -- the hall's search, sort and price range -----------------------------------------------


def test_the_hall_searches_lots_by_title_or_patent_number(gql):
    number = valid_patent_number("202310765432")
    by_number = lot(listing=ListingFactory(status="IN_AUCTION", patent_number=number))
    by_title = lot(listing=ListingFactory(status="IN_AUCTION", title="一种石墨烯散热膜"))

    assert hall(gql, search="石墨烯") == [gid("Lot", by_title.pk)]
    assert hall(gql, search=number.removeprefix("ZL")) == [gid("Lot", by_number.pk)]
    assert hall(gql, search="2023107654") == [gid("Lot", by_number.pk)]


def test_the_hall_sorts_by_price_bids_and_end_and_filters_a_price_range(gql):
    session = auction_session()
    cheap = lot(session_obj=session, start_price="50000.00")
    dear = lot(
        session_obj=session,
        start_price="300000.00",
        ends_at=session.bidding_ends_at + timedelta(minutes=1),
    )
    bid_on = lot(
        session_obj=session,
        start_price="100000.00",
        ends_at=session.bidding_ends_at - timedelta(minutes=1),
    )
    place(bid_on, bidder(bid_on), "100000", 5)
    place(bid_on, bidder(bid_on), "120000", 6)  # now priced above its start, below dear's
    ids = {name: gid("Lot", one.pk) for name, one in [("c", cheap), ("d", dear), ("b", bid_on)]}

    assert hall(gql) == [ids["b"], ids["c"], ids["d"]]
    assert hall(gql, sort="PRICE_LOW_TO_HIGH") == [ids["c"], ids["b"], ids["d"]]
    assert hall(gql, sort="PRICE_HIGH_TO_LOW") == [ids["d"], ids["b"], ids["c"]]
    assert hall(gql, sort="MOST_BIDS") == [ids["b"], ids["c"], ids["d"]]
    assert hall(gql, min="110000", max="200000") == [ids["b"]]  # its price, not its start
    assert hall(gql, min="50000.00", max="50000.00") == [ids["c"]]


# -- Registration.applicant ---------------------------------------------------------------

APPLICANT = (
    "query($id: ID!) { node(id: $id) { ... on Registration { bidderNumber "
    "applicant { name phone } } } }"
)


def test_staff_see_who_applied_for_a_registration(signed_in_as):
    the_lot = lot()
    registrant = bidder(the_lot)
    registrant.name = "王五"
    registrant.save()
    registration = Registration.objects.get(user=registrant)

    shown = signed_in_as(staff_user())(APPLICANT, {"id": gid("Registration", registration.pk)})

    assert shown["data"]["node"]["applicant"] == {"name": "王五", "phone": registrant.phone}


def test_a_registrant_asking_for_the_applicant_gets_forbidden_and_null(signed_in_as):
    the_lot = lot()
    registrant = bidder(the_lot)
    registration = Registration.objects.get(user=registrant)

    shown = signed_in_as(registrant)(APPLICANT, {"id": gid("Registration", registration.pk)})

    assert shown["data"]["node"]["applicant"] is None
    assert shown["data"]["node"]["bidderNumber"] == registration.bidder_number
    assert [e["extensions"]["code"] for e in shown["errors"]] == ["FORBIDDEN"]
    assert shown["errors"][0]["path"] == ["node", "applicant"]


def test_a_pending_shop_application_is_the_applicants_shop_until_one_opens(signed_in_as):
    pending_shop = ShopFactory(status="PENDING")

    shown = signed_in_as(pending_shop.identity.user)("{ myShop { status } }")

    assert shown["data"]["myShop"] == {"status": "PENDING"}
