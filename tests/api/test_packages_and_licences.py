"""Patent packages (专利包) and licence lots through GraphQL alone (issue 14 item 1): the
seller lists, staff review and put up, buyers register and bid, the clock ends the lot, the
deals run to their certificates; every document names every patent of the package."""

import io
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
import time_machine
from asgiref.sync import sync_to_async
from django.contrib.auth.models import Permission
from django.core.management import call_command
from pdfminer.high_level import extract_text

from auctions.services.bidding import bid_place
from deals.services import deals_issue_documents
from kernel.clock import SHANGHAI, now
from listings.models import Listing, ListingLicence
from tests.api.helpers import download, error_codes, gid
from tests.api.ws import Socket
from tests.factories import (
    ListingFactory,
    UserFactory,
    VerificationFactory,
    bidder,
    lot,
    open_shop,
    pdf,
    png,
    staff_user,
    valid_patent_number,
)

pytestmark = pytest.mark.django_db

LISTING_CREATE = """mutation($input: ListingCreateInput!) { listingCreate(input: $input) {
  listing { id status licence { kind termYears startsOn endsOn territory } }
  errors { code field message } } }"""
LISTING_SUBMIT = """mutation($id: ID!) { listingSubmit(input: {id: $id}) {
  listing { status } errors { code field } } }"""
APPROVE = """mutation($id: ID!) { reviewApprove(input: {id: $id}) { errors { code } } }"""
SEASON_CREATE = """mutation($input: SeasonCreateInput!) { seasonCreate(input: $input) {
  season { id maxLicencesPerLot } errors { code field message } } }"""
SESSION_CREATE = """mutation($input: SessionCreateInput!) { sessionCreate(input: $input) {
  session { id } errors { code field } } }"""
LOT_CREATE = """mutation($input: LotCreateInput!) { lotCreate(input: $input) {
  lot { id startPrice licenceCount isPackage listing { title status }
        listings { title status patent { number } } }
  errors { code field message } } }"""
REGISTER = """mutation($input: RegistrationSubmitInput!) { registrationSubmit(input: $input) {
  registration { id } errors { code } } }"""
BID = """mutation($input: BidPlaceInput!) { bidPlace(input: $input) {
  bid { seq amount } errors { code } } }"""
HALL = """{ lots(first: 10) { edges { node { id isPackage licenceCount
  listing { title } listings { title patent { number }
    transactionType licence { kind termYears startsOn endsOn territory } } } } } }"""
LOT = """query($id: ID!) { lot(id: $id) { result finalPrice winnerBidderNumber
  winners { rank bidderNumber price } listings { status } } }"""
MY_DEALS = """{ myDeals(first: 10) { edges { node { id serial price licenceRank status
  contractDeadline contractTemplateUrl notice { url } certificate { url }
  lot { listings { title } } } } } }"""
CONTRACT = """mutation($input: DealContractUploadInput!) { dealContractUpload(input: $input) {
  deal { status } errors { code } } }"""
PROOF = """mutation($input: DealPaymentProofUploadInput!) {
  dealPaymentProofUpload(input: $input) { deal { status } errors { code } } }"""
LISTING_LOT = """query($id: ID!) { listing(id: $id) { lot { id } } }"""
DEAL = """query($id: ID!) { node(id: $id) { ... on Deal { status certificate { url } } } }"""
DELIVER = """mutation($id: ID!) { dealDeliveryConfirm(input: {dealId: $id}) {
  deal { status certificate { url } } errors { code } } }"""


def pdf_text(url: str) -> str:
    """The PDF's text, without the line breaks a table cell puts into long values."""
    return extract_text(io.BytesIO(download(url))).replace("\n", "")


@pytest.fixture
def staff(signed_in_as):
    user = staff_user()
    user.user_permissions.add(Permission.objects.get(codename="manage_auctions"))
    return signed_in_as(user)


@pytest.fixture
def shop():
    return open_shop(name="江苏示范大学")


def listing_form(n: int, *, shop, **overrides) -> dict:
    form = {
        "title": f"一种固态电解质的制备方法{n}",
        "field": "NEW_ENERGY",
        "description": "本发明公开了一种固态电解质。",
        "rightsHolders": [shop.name],
        "transactionType": "TRANSFER",
        "startPrice": "50000",
        "seasonOptIn": True,
        "patent": {
            "number": valid_patent_number(f"2022108{n:05d}"),
            "patentType": "INVENTION",
            "applicationDate": "2022-03-01",
            "grantDate": "2024-05-06",
            "inventors": ["张三"],
            "legalStatus": "GRANTED",
        },
    }
    return {**form, **overrides}


def list_through_the_api(seller, staff, shop, form: dict) -> str:
    """A listing created, submitted and approved through GraphQL; its id."""
    created = seller(
        LISTING_CREATE,
        {
            "input": {
                "shopId": gid("Shop", shop.pk),
                "type": "PATENT",
                "agreementVersion": "2026.1",
                "form": form,
            }
        },
    )["data"]["listingCreate"]
    assert created["errors"] == []
    listing_id = created["listing"]["id"]
    assert seller(LISTING_SUBMIT, {"id": listing_id})["data"]["listingSubmit"]["errors"] == []
    assert staff(APPROVE, {"id": listing_id})["data"]["reviewApprove"]["errors"] == []
    return listing_id


class Schedule:
    """A session whose notice phase is open now; bidding the day after tomorrow."""

    def __init__(self):
        day = now().astimezone(SHANGHAI).date() + timedelta(days=2)
        self.day = day
        self.starts = datetime.combine(day, time(10, 0), tzinfo=SHANGHAI)
        self.ends = self.starts + timedelta(hours=2)


def season_and_session(staff, *, max_licences: int = 1) -> tuple[str, Schedule]:
    season = staff(
        SEASON_CREATE,
        {
            "input": {
                "name": "2026年冬季专利拍卖季",
                "rules": "每次加价为加价幅度的整数倍。",
                "maxLicencesPerLot": max_licences,
            }
        },
    )["data"]["seasonCreate"]
    assert season["errors"] == []
    assert season["season"]["maxLicencesPerLot"] == max_licences
    schedule = Schedule()
    session = staff(
        SESSION_CREATE,
        {
            "input": {
                "seasonId": season["season"]["id"],
                "name": "第一场",
                "auctionDay": schedule.day.isoformat(),
                "noticeStartsAt": (now() - timedelta(hours=1)).isoformat(),
                "biddingStartsAt": schedule.starts.isoformat(),
                "biddingEndsAt": schedule.ends.isoformat(),
            }
        },
    )["data"]["sessionCreate"]
    assert session["errors"] == []
    return session["session"]["id"], schedule


def approved_bidder(signed_in_as, staff, lot_id: str, phone: str, name: str):
    user = UserFactory(phone=phone)
    VerificationFactory(user=user, kind="PERSONAL", name=name, credit_code="")
    client = signed_in_as(user)
    submitted = client.upload(
        REGISTER,
        {"input": {"lotId": lot_id, "commitmentLetter": None}},
        {"input.commitmentLetter": pdf("承诺函.pdf")},
    ).json()["data"]["registrationSubmit"]
    assert submitted["errors"] == []
    assert staff(APPROVE, {"id": submitted["registration"]["id"]})["data"]["reviewApprove"] == {
        "errors": []
    }
    return client


def bid(client, lot_id: str, amount: str, key: str) -> dict:
    return client(BID, {"input": {"lotId": lot_id, "amount": amount, "idempotencyKey": key}})[
        "data"
    ]["bidPlace"]


def end_the_lot(schedule: Schedule) -> None:
    """The worker's clock after the session's end: lots finalized, deal notices issued."""
    with time_machine.travel(schedule.ends + timedelta(minutes=10), tick=False):
        call_command("auctions_clock")


def settle(buyer, seller, deal_id: str) -> dict:
    """Contract, payment proof and delivery through the API; the certified deal."""
    contract = seller.upload(
        CONTRACT, {"input": {"dealId": deal_id, "contract": None}}, {"input.contract": pdf()}
    ).json()["data"]["dealContractUpload"]
    assert contract["errors"] == []
    proof = buyer.upload(
        PROOF,
        {"input": {"dealId": deal_id, "paymentProof": None}},
        {"input.paymentProof": png("付款凭证.png")},
    ).json()["data"]["dealPaymentProofUpload"]
    assert proof["errors"] == []
    delivered = buyer(DELIVER, {"id": deal_id})["data"]["dealDeliveryConfirm"]
    assert delivered["errors"] == []
    assert delivered["deal"]["status"] == "DELIVERED"
    assert deals_issue_documents() == 1  # the worker's documents loop, after the commit
    certified = buyer(DEAL, {"id": deal_id})["data"]["node"]
    assert certified["status"] == "CERTIFIED"
    return certified


def test_a_patent_package_runs_from_listing_to_certificate_with_every_patent_named(
    signed_in_as, staff, shop
):
    # given: three patents of one shop, listed through the API
    seller = signed_in_as(shop.identity.user)
    forms = [listing_form(n, shop=shop) for n in range(3)]
    ids = [list_through_the_api(seller, staff, shop, form) for form in forms]
    numbers = [form["patent"]["number"] for form in forms]
    titles = [form["title"] for form in forms]
    session_id, schedule = season_and_session(staff)

    # when: staff put them up as one package
    created = staff(
        LOT_CREATE,
        {"input": {"sessionId": session_id, "listingId": ids[0], "packageListingIds": ids[1:]}},
    )["data"]["lotCreate"]

    # then: one lot starting at the sum of their start prices, each listing in it
    assert created["errors"] == []
    hall_lot = created["lot"]
    assert (hall_lot["startPrice"], hall_lot["isPackage"], hall_lot["licenceCount"]) == (
        "150000.00",
        True,
        1,
    )
    assert hall_lot["listing"]["title"] == titles[0]
    assert [item["patent"]["number"] for item in hall_lot["listings"]] == numbers
    assert {item["status"] for item in hall_lot["listings"]} == {"IN_AUCTION"}
    hall = signed_in_as(UserFactory())(HALL)["data"]["lots"]["edges"][0]["node"]
    assert [item["title"] for item in hall["listings"]] == titles
    # every listing of the package knows its lot, alone and on a seller-centre page
    for listing_id in ids:
        one = seller(LISTING_LOT, {"id": listing_id})["data"]["listing"]["lot"]
        assert one == {"id": hall_lot["id"]}
    page = seller("{ myListings(first: 10) { edges { node { id lot { id } } } } }")
    assert {
        edge["node"]["id"]: edge["node"]["lot"] for edge in page["data"]["myListings"]["edges"]
    } == {listing_id: {"id": hall_lot["id"]} for listing_id in ids}

    # a listing of the package cannot go into another lot while this one is open
    again = staff(LOT_CREATE, {"input": {"sessionId": session_id, "listingId": ids[2]}})
    assert error_codes(again["data"]["lotCreate"]) == ["LISTING_ALREADY_IN_LOT"]

    # registration and bidding
    alice = approved_bidder(signed_in_as, staff, hall_lot["id"], "13700000011", "王五")
    bob = approved_bidder(signed_in_as, staff, hall_lot["id"], "13700000012", "赵六")
    with time_machine.travel(schedule.starts + timedelta(minutes=5), tick=False):
        assert bid(alice, hall_lot["id"], "150000", "pkg-a-0001")["errors"] == []
        assert bid(bob, hall_lot["id"], "152000", "pkg-b-0001")["errors"] == []
    end_the_lot(schedule)

    # the package is sold as one
    ended = signed_in_as(UserFactory())(LOT, {"id": hall_lot["id"]})["data"]["lot"]
    assert (ended["result"], ended["finalPrice"]) == ("SOLD", "152000.00")
    assert [w["price"] for w in ended["winners"]] == ["152000.00"]
    assert {item["status"] for item in ended["listings"]} == {"SOLD"}

    deals = bob(MY_DEALS)["data"]["myDeals"]["edges"]
    assert len(deals) == 1 and alice(MY_DEALS)["data"]["myDeals"]["edges"] == []
    deal = deals[0]["node"]
    assert [item["title"] for item in deal["lot"]["listings"]] == titles
    notice = pdf_text(deal["notice"]["url"])
    contract = pdf_text(deal["contractTemplateUrl"])
    assert "专利包（共3项，整体成交）" in notice
    assert "本合同标的为专利包，共3项专利" in contract
    certified = settle(bob, seller, deal["id"])
    certificate = pdf_text(certified["certificate"]["url"])
    for document in (notice, contract, certificate):
        for number, title in zip(numbers, titles, strict=True):
            assert number in document and title in document


def test_a_licence_lot_carries_its_terms_from_the_listing_to_the_certificate(
    signed_in_as, staff, shop
):
    seller = signed_in_as(shop.identity.user)
    licence = {"kind": "EXCLUSIVE", "termYears": 5, "territory": "中国大陆"}
    form = listing_form(7, shop=shop, transactionType="LICENSE", licence=licence)
    listing_id = list_through_the_api(seller, staff, shop, form)
    session_id, schedule = season_and_session(staff)
    hall_lot = staff(LOT_CREATE, {"input": {"sessionId": session_id, "listingId": listing_id}})[
        "data"
    ]["lotCreate"]["lot"]

    hall = signed_in_as(UserFactory())(HALL)["data"]["lots"]["edges"][0]["node"]
    assert hall["listings"][0]["transactionType"] == "LICENSE"
    assert hall["listings"][0]["licence"] == {
        "kind": "EXCLUSIVE",
        "termYears": 5,
        "startsOn": None,
        "endsOn": None,
        "territory": "中国大陆",
    }

    buyer = approved_bidder(signed_in_as, staff, hall_lot["id"], "13700000021", "钱七")
    with time_machine.travel(schedule.starts + timedelta(minutes=5), tick=False):
        assert bid(buyer, hall_lot["id"], "52000", "lic-a-0001")["errors"] == []
    end_the_lot(schedule)

    deal = buyer(MY_DEALS)["data"]["myDeals"]["edges"][0]["node"]
    assert (deal["price"], deal["licenceRank"]) == ("52000.00", 1)
    notice = pdf_text(deal["notice"]["url"])
    contract = pdf_text(deal["contractTemplateUrl"])
    assert "专利实施许可（独占许可）" in notice and "中国大陆" in notice and "5年" in notice
    assert "专利实施许可合同" in contract
    assert "■独占许可" in contract and "□普通许可" in contract
    assert "5年" in contract and "中国大陆" in contract
    certificate = pdf_text(settle(buyer, seller, deal["id"])["certificate"]["url"])
    assert "专利实施许可（独占许可）" in certificate and form["patent"]["number"] in certificate


def test_a_season_allowing_two_licences_gives_the_two_highest_bidders_a_deal_at_their_own_price(
    signed_in_as, staff, shop
):
    seller = signed_in_as(shop.identity.user)
    licence = {
        "kind": "NON_EXCLUSIVE",
        "startsOn": "2027-01-01",
        "endsOn": "2029-12-31",
        "territory": "江苏省",
    }
    form = listing_form(9, shop=shop, transactionType="LICENSE", licence=licence)
    listing_id = list_through_the_api(seller, staff, shop, form)
    session_id, schedule = season_and_session(staff, max_licences=2)
    created = staff(
        LOT_CREATE,
        {"input": {"sessionId": session_id, "listingId": listing_id, "licenceCount": 2}},
    )["data"]["lotCreate"]
    assert created["errors"] == []
    lot_id = created["lot"]["id"]

    alice = approved_bidder(signed_in_as, staff, lot_id, "13700000031", "孙一")
    bob = approved_bidder(signed_in_as, staff, lot_id, "13700000032", "周二")
    carol = approved_bidder(signed_in_as, staff, lot_id, "13700000033", "吴三")
    with time_machine.travel(schedule.starts + timedelta(minutes=5), tick=False):
        assert bid(alice, lot_id, "50000", "nx-a-00001")["errors"] == []
        assert bid(bob, lot_id, "53000", "nx-b-00001")["errors"] == []
        assert bid(carol, lot_id, "55000", "nx-c-00001")["errors"] == []
        assert bid(bob, lot_id, "58000", "nx-b-00002")["errors"] == []
    end_the_lot(schedule)

    # bob (58000) first, carol (55000) second; alice has no licence
    ended = signed_in_as(UserFactory())(LOT, {"id": lot_id})["data"]["lot"]
    assert ended["result"] == "SOLD" and ended["finalPrice"] == "58000.00"
    assert [(w["rank"], w["price"]) for w in ended["winners"]] == [
        (1, "58000.00"),
        (2, "55000.00"),
    ]
    assert ended["winnerBidderNumber"] == ended["winners"][0]["bidderNumber"]
    assert alice(MY_DEALS)["data"]["myDeals"]["edges"] == []
    bob_deal = bob(MY_DEALS)["data"]["myDeals"]["edges"][0]["node"]
    carol_deal = carol(MY_DEALS)["data"]["myDeals"]["edges"][0]["node"]
    assert (bob_deal["price"], bob_deal["licenceRank"]) == ("58000.00", 1)
    assert (carol_deal["price"], carol_deal["licenceRank"]) == ("55000.00", 2)
    assert bob_deal["serial"] != carol_deal["serial"]
    # both licensees won; alice lost (alone and on a hall page)
    standing = "query($id: ID!) { lot(id: $id) { viewerStanding } }"
    hall = "{ lots(first: 10) { edges { node { viewerStanding } } } }"
    for who, expected in ((bob, "WON"), (carol, "WON"), (alice, "LOST")):
        assert who(standing, {"id": lot_id})["data"]["lot"]["viewerStanding"] == expected
        edges = who(hall)["data"]["lots"]["edges"]
        assert [edge["node"]["viewerStanding"] for edge in edges] == [expected]
    assert bob_deal["contractDeadline"] == carol_deal["contractDeadline"]
    seller_deals = seller(MY_DEALS)["data"]["myDeals"]["edges"]
    assert sorted(edge["node"]["price"] for edge in seller_deals) == ["55000.00", "58000.00"]

    carol_notice = pdf_text(carol_deal["notice"]["url"])
    assert "第2高的有效报价" in carol_notice and "伍万伍仟元整" in carol_notice
    assert "共2份普通许可，本成交为出价第2名" in carol_notice
    assert "2027年1月1日至2029年12月31日" in carol_notice
    # each winner has their own certificate
    for buyer, deal in ((bob, bob_deal), (carol, carol_deal)):
        certificate = pdf_text(settle(buyer, seller, deal["id"])["certificate"]["url"])
        assert deal["serial"] in certificate and "江苏省" in certificate


@pytest.mark.parametrize(
    ("licence", "errors"),
    [
        ({"kind": "SOLE", "territory": "中国"}, [("LICENCE_TERM_REQUIRED", "licence.termYears")]),
        ({"termYears": 3, "territory": "中国"}, [("REQUIRED", "licence.kind")]),
        ({"kind": "SOLE", "termYears": 3}, [("REQUIRED", "licence.territory")]),
    ],
)
def test_a_licence_missing_a_term_is_refused_at_submission(signed_in_as, shop, licence, errors):
    seller = signed_in_as(shop.identity.user)
    form = listing_form(11, shop=shop, transactionType="LICENSE", licence=licence)
    created = seller(
        LISTING_CREATE,
        {
            "input": {
                "shopId": gid("Shop", shop.pk),
                "type": "PATENT",
                "agreementVersion": "2026.1",
                "form": form,
            }
        },
    )["data"]["listingCreate"]
    assert created["errors"] == []  # a draft may be incomplete
    submitted = seller(LISTING_SUBMIT, {"id": created["listing"]["id"]})["data"]["listingSubmit"]
    assert [(e["code"], e["field"]) for e in submitted["errors"]] == errors


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        (
            {"licence": {"kind": "SOLE", "termYears": 3, "territory": "中国"}},
            [("LICENCE_TERMS_NOT_FOR_TRANSFER", "licence")],
        ),
        (
            {
                "transactionType": "LICENSE",
                "licence": {"kind": "SOLE", "termYears": 3, "startsOn": "2027-01-01"},
            },
            [("LICENCE_TERM_AMBIGUOUS", "licence.termYears")],
        ),
        (
            {"transactionType": "LICENSE", "licence": {"termYears": 80}},
            [("LICENCE_TERM_INVALID", "licence.termYears")],
        ),
        (
            {
                "transactionType": "LICENSE",
                "licence": {"startsOn": "2027-01-01", "endsOn": "2026-01-01"},
            },
            [("LICENCE_TERM_INVALID", "licence.endsOn")],
        ),
    ],
)
def test_invalid_licence_terms_are_refused_in_chinese_and_english(
    signed_in_as, shop, overrides, errors
):
    seller = signed_in_as(shop.identity.user)
    variables = {
        "input": {
            "shopId": gid("Shop", shop.pk),
            "type": "PATENT",
            "agreementVersion": "2026.1",
            "form": listing_form(12, shop=shop, **overrides),
        }
    }
    chinese = seller(LISTING_CREATE, variables)["data"]["listingCreate"]
    english = seller(LISTING_CREATE, variables, headers={"Accept-Language": "en"})["data"][
        "listingCreate"
    ]
    assert [(e["code"], e["field"]) for e in chinese["errors"]] == errors
    assert chinese["errors"][0]["message"] != english["errors"][0]["message"]
    assert any("\u4e00" <= char <= "\u9fff" for char in chinese["errors"][0]["message"])


def licensed(kind: str, **listing) -> Listing:
    """A listed licence listing with its terms (3 years, 中国)."""
    made = ListingFactory(season_opt_in=True, transaction_type="LICENSE", **listing)
    ListingLicence.objects.create(listing=made, kind=kind, term_years=3, territory="中国")
    return made


def put_up(staff, session_id, listing, *others, licence_count=1):
    return staff(
        LOT_CREATE,
        {
            "input": {
                "sessionId": session_id,
                "listingId": gid("Listing", listing.pk),
                "packageListingIds": [gid("Listing", other.pk) for other in others],
                "licenceCount": licence_count,
            }
        },
    )["data"]["lotCreate"]


def test_a_package_mixing_shops_repeating_a_listing_or_terms_is_refused(staff, shop):
    session_id, _ = season_and_session(staff)
    lead = ListingFactory(shop=shop, season_opt_in=True)
    foreign = ListingFactory(season_opt_in=True, shop=open_shop(name="东南示范大学"))
    licence = licensed("SOLE", shop=shop)
    agent = ListingFactory(shop=shop, season_opt_in=True, ownership="AGENT")

    mixed = put_up(staff, session_id, lead, foreign, licence, agent)
    assert [(e["code"], e["field"]) for e in mixed["errors"]] == [
        ("PACKAGE_MIXES_SHOPS", "packageListingIds.0"),
        ("PACKAGE_TERMS_DIFFER", "packageListingIds.1"),
        ("LISTING_NOT_AVAILABLE", "packageListingIds.2"),
    ]
    assert error_codes(put_up(staff, session_id, lead, lead)) == ["PACKAGE_LISTING_REPEATED"]
    lead.refresh_from_db()
    assert lead.status == "LISTED"  # nothing changed


def test_several_licences_need_a_season_that_allows_them_and_a_non_exclusive_licence(staff, shop):
    non_exclusive = licensed("NON_EXCLUSIVE", shop=shop)
    sole = licensed("SOLE", shop=shop)
    strict_session, _ = season_and_session(staff)
    open_session, _ = season_and_session(staff, max_licences=3)

    not_allowed = put_up(staff, strict_session, non_exclusive, licence_count=2)
    assert [(e["code"], e["field"], e["message"]) for e in not_allowed["errors"]] == [
        ("MULTIPLE_LICENCES_NOT_ALLOWED", "licenceCount", "本拍卖季每个拍品最多许可1份。")
    ]
    assert error_codes(put_up(staff, open_session, sole, licence_count=2)) == [
        "MULTIPLE_LICENCES_NEED_NON_EXCLUSIVE"
    ]
    assert error_codes(put_up(staff, open_session, non_exclusive, licence_count=4)) == [
        "MULTIPLE_LICENCES_NOT_ALLOWED"
    ]
    assert error_codes(put_up(staff, open_session, non_exclusive, licence_count=0)) == [
        "LICENCE_COUNT_INVALID"
    ]
    assert put_up(staff, open_session, non_exclusive, licence_count=3)["errors"] == []
    too_many = staff(
        SEASON_CREATE, {"input": {"name": "x", "rules": "y", "maxLicencesPerLot": 21}}
    )["data"]["seasonCreate"]
    assert [(e["code"], e["field"]) for e in too_many["errors"]] == [
        ("LICENCE_COUNT_INVALID", "maxLicencesPerLot")
    ]


WATCH = """subscription($lotId: ID!) { lotEvents(lotId: $lotId, tickSeconds: 60) {
  __typename ... on LotEnded { result finalPrice winnerBidderNumber
  winners { rank bidderNumber price } } } }"""


async def _lot_ended(lot_id: int) -> dict:
    ws = await Socket.open()
    await ws.subscribe("lot", WATCH, {"lotId": gid("Lot", lot_id)})
    assert (await ws.data("lotEvents"))["__typename"] == "LotSnapshot"
    while (event := await ws.data("lotEvents", timeout=10))["__typename"] != "LotEnded":
        pass
    await ws.close()
    return event


@pytest.mark.django_db(transaction=True)
async def test_lot_ended_carries_every_licence_winner_live_and_from_the_database():
    def setup():
        listing = licensed("NON_EXCLUSIVE", status="IN_AUCTION")
        the_lot = lot(listing=listing, licence_count=2, start_price=Decimal("100000.00"))
        first, second, third = (bidder(the_lot) for _ in range(3))
        for user, amount, key in (
            (first, "100000", "ws-1-00001"),
            (second, "101000", "ws-2-00001"),
            (third, "102000", "ws-3-00001"),
        ):
            bid_place(user=user, lot_id=the_lot.pk, amount=Decimal(amount), idempotency_key=key)
        return the_lot

    def run_clock(the_lot):
        with time_machine.travel(the_lot.ends_at + timedelta(minutes=6), tick=False):
            call_command("auctions_clock")

    the_lot = await sync_to_async(setup)()
    number = f"{the_lot.pk:03d}"
    expected = {
        "__typename": "LotEnded",
        "result": "SOLD",
        "finalPrice": "102000.00",
        "winnerBidderNumber": f"{number}003",
        "winners": [
            {"rank": 1, "bidderNumber": f"{number}003", "price": "102000.00"},
            {"rank": 2, "bidderNumber": f"{number}002", "price": "101000.00"},
        ],
    }
    ws = await Socket.open()
    await ws.subscribe("lot", WATCH, {"lotId": gid("Lot", the_lot.pk)})
    assert (await ws.data("lotEvents"))["__typename"] == "LotSnapshot"
    await sync_to_async(run_clock)(the_lot)
    while (live := await ws.data("lotEvents", timeout=10))["__typename"] != "LotEnded":
        pass
    await ws.close()
    assert live == expected
    assert await _lot_ended(the_lot.pk) == expected  # after the end: from the database


def test_a_hall_of_packages_and_licence_lots_does_not_grow_with_the_page(signed_in_as):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from auctions.models import LotItem
    from tests.factories import auction_session

    hall = """{ lots(first: 50) { edges { node { id isPackage licenceCount
      winners { rank bidderNumber price } listing { licence { kind } }
      listings { title seasonEligible transactionType patent { number }
                 licence { kind termYears territory } shop { name } } } } } }"""
    client = signed_in_as(UserFactory())
    session = auction_session()

    def package_lot(n: int):
        shop = open_shop(name=f"示范大学{n}")
        listings = [licensed("NON_EXCLUSIVE", shop=shop, status="IN_AUCTION") for _ in range(3)]
        the_lot = lot(session_obj=session, listing=listings[0], licence_count=2)
        LotItem.objects.bulk_create(
            LotItem(lot=the_lot, listing=listing, position=position)
            for position, listing in enumerate(listings[1:], start=1)
        )

    def count() -> int:
        client(hall)
        with CaptureQueriesContext(connection) as captured:
            response = client(hall)
        assert "errors" not in response, response
        return len(captured)

    package_lot(0)
    small = count()
    for n in range(1, 5):
        package_lot(n)
    assert count() == small
    page = client(hall)["data"]["lots"]["edges"]
    assert len(page) == 5 and all(len(edge["node"]["listings"]) == 3 for edge in page)


def test_the_listing_hall_shows_licence_terms_at_a_fixed_query_count(gql):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    query = """{ listings(first: 50) { edges { node { title transactionType
      licence { kind termYears territory } } } } }"""

    def count() -> int:
        gql(query)
        with CaptureQueriesContext(connection) as captured:
            response = gql(query)
        assert "errors" not in response, response
        return len(captured)

    licensed("SOLE")
    ListingFactory()
    small = count()
    for _ in range(3):
        licensed("EXCLUSIVE")
        ListingFactory()
    assert count() == small
    nodes = [edge["node"] for edge in gql(query)["data"]["listings"]["edges"]]
    assert sum(node["licence"] is not None for node in nodes) == 4
    assert {node["licence"]["territory"] for node in nodes if node["licence"]} == {"中国"}


UPDATE = """mutation($input: ListingUpdateInput!) { listingUpdate(input: $input) {
  listing { transactionType licence { kind termYears territory } } errors { code field } } }"""


def test_a_seller_edits_the_licence_terms_and_a_transfer_drops_them(signed_in_as, shop):
    seller = signed_in_as(shop.identity.user)
    licence = {"kind": "SOLE", "termYears": 3, "territory": "中国"}
    form = listing_form(21, shop=shop, transactionType="LICENSE", licence=licence)
    created = seller(
        LISTING_CREATE,
        {
            "input": {
                "shopId": gid("Shop", shop.pk),
                "type": "PATENT",
                "agreementVersion": "2026.1",
                "form": form,
            }
        },
    )["data"]["listingCreate"]
    listing_id = created["listing"]["id"]
    assert created["listing"]["licence"]["kind"] == "SOLE"

    changed = {**licence, "kind": "NON_EXCLUSIVE", "termYears": 10}
    updated = seller(UPDATE, {"input": {"id": listing_id, "form": {**form, "licence": changed}}})[
        "data"
    ]["listingUpdate"]
    assert updated["listing"]["licence"] == {
        "kind": "NON_EXCLUSIVE",
        "termYears": 10,
        "territory": "中国",
    }
    transfer = {**form, "transactionType": "TRANSFER", "licence": None}
    dropped = seller(UPDATE, {"input": {"id": listing_id, "form": transfer}})["data"][
        "listingUpdate"
    ]
    assert dropped["errors"] == []
    assert dropped["listing"] == {"transactionType": "TRANSFER", "licence": None}
    assert ListingLicence.objects.count() == 0


def test_a_packages_registrant_may_open_the_data_room_of_each_of_its_listings(signed_in_as):
    from auctions.models import LotItem

    package = lot(phase="NOTICE")
    second = ListingFactory(shop=package.listing.shop, status="IN_AUCTION", season_opt_in=True)
    LotItem.objects.create(lot=package, listing=second, position=1)
    registrant = signed_in_as(bidder(package))
    room = """query($id: ID!) { dataRoom(listingId: $id) { registered } }"""

    opened = registrant(room, {"id": gid("Listing", second.pk)})["data"]["dataRoom"]
    elsewhere = registrant(room, {"id": gid("Listing", ListingFactory().pk)})["data"]["dataRoom"]

    assert (opened["registered"], elsewhere["registered"]) == (True, False)
