from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kernel.clock import local_today
from listings.models import Listing
from tests.api.helpers import error_codes, gid
from tests.factories import ListingFactory, open_shop, staff_user, valid_patent_number

LISTING_FIELDS = """
  id status type title field ownership seasonOptIn seasonEligible startPrice
  rightsHolders decisionReason reviewStatus listedAt
  agreement { version }
  patent { number patentType applicationDate grantDate inventors ipcClasses legalStatus }
  achievement { maturity team }
"""
CREATE = f"""
mutation($input: ListingCreateInput!) {{
  listingCreate(input: $input) {{ listing {{ {LISTING_FIELDS} }} errors {{ code field message }} }}
}}"""
UPDATE = f"""
mutation($input: ListingUpdateInput!) {{
  listingUpdate(input: $input) {{ listing {{ {LISTING_FIELDS} }} errors {{ code field message }} }}
}}"""
SUBMIT = f"""
mutation($id: ID!) {{
  listingSubmit(input: {{id: $id}}) {{ listing {{ {LISTING_FIELDS} }} errors {{ code field }} }}
}}"""
DELIST = """
mutation($id: ID!) { listingDelist(input: {id: $id}) { listing { status } errors { code } } }"""
APPROVE = """mutation($id: ID!) { reviewApprove(input: {id: $id}) { errors { code } } }"""
REJECT = """
mutation($id: ID!, $reason: String!) {
  reviewReject(input: {id: $id, reason: $reason}) { errors { code } }
}"""
MY_LISTINGS = """
query($status: ListingStatus) {
  myListings(status: $status) { totalCount edges { node { id title status decisionReason } } }
}"""
HALL = """
query($filter: ListingFilter, $first: Int, $after: String) {
  listings(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id title type field startPrice ownership shop { name }
      patent { number patentType } } }
  }
}"""


def patent_form(**overrides):
    form = {
        "title": "一种锂电池正极材料及其制备方法",
        "field": "NEW_ENERGY",
        "description": "本发明提供一种高能量密度的锂电池正极材料。",
        "rightsHolders": ["南京示范大学"],
        "transactionType": "TRANSFER",
        "startPrice": "120000.00",
        "patent": {
            "number": valid_patent_number("202110123456"),
            "patentType": "INVENTION",
            "applicationDate": "2021-06-01",
            "grantDate": "2023-08-15",
            "inventors": ["张三", "李四"],
            "ipcClasses": ["H01M 4/36"],
            "legalStatus": "GRANTED",
        },
    }
    form.update(overrides)
    return form


@pytest.fixture
def shop(db):
    return open_shop()


@pytest.fixture
def seller(shop, signed_in_as):
    return signed_in_as(shop.identity.user)


@pytest.fixture
def staff(signed_in_as):
    return signed_in_as(staff_user())


def create(client, shop, form=None, type="PATENT", version="2026.1"):
    variables = {
        "input": {
            "shopId": gid("Shop", shop.pk),
            "type": type,
            "agreementVersion": version,
            "form": form if form is not None else patent_form(),
        }
    }
    return client(CREATE, variables)["data"]["listingCreate"]


def submitted(client, shop, **overrides):
    listing = create(client, shop, patent_form(**overrides))["listing"]
    result = client(SUBMIT, {"id": listing["id"]})["data"]["listingSubmit"]
    assert result["errors"] == []
    return result["listing"]


def test_a_patent_draft_is_saved_and_its_ownership_judged_own(seller, shop):
    result = create(seller, shop)

    assert result["errors"] == []
    listing = result["listing"]
    assert listing["status"] == "DRAFT"
    assert listing["reviewStatus"] is None
    assert listing["ownership"] == "OWN"
    assert listing["seasonEligible"] is True
    assert listing["patent"]["number"] == valid_patent_number("202110123456")
    assert listing["agreement"] == {"version": "2026.1"}
    assert listing["achievement"] is None


def test_someone_elses_patent_is_an_agent_listing(seller, shop):
    listing = create(seller, shop, patent_form(rightsHolders=["东南某科技有限公司"]))["listing"]
    assert listing["ownership"] == "AGENT"
    assert listing["seasonEligible"] is False


def test_a_technology_achievement_is_entered_by_hand_and_submitted(seller, shop):
    form = {
        "title": "智能温室环境调控系统",
        "field": "AGRICULTURE",
        "description": "基于物联网的温室环境智能调控成果。",
        "rightsHolders": ["南京示范大学"],
        "transactionType": "LICENSE",
        "startPrice": "50000",
        "achievement": {"maturity": "PILOT", "team": "农业工程学院团队"},
    }
    listing = create(seller, shop, form, type="ACHIEVEMENT")["listing"]
    assert listing["achievement"] == {"maturity": "PILOT", "team": "农业工程学院团队"}
    assert listing["startPrice"] == "50000.00"

    result = seller(SUBMIT, {"id": listing["id"]})["data"]["listingSubmit"]
    assert result["errors"] == []
    assert result["listing"]["status"] == "PENDING_REVIEW"


def test_a_draft_may_be_incomplete_but_submission_names_every_missing_field(seller, shop):
    draft = create(seller, shop, {"title": "半成品"})
    assert draft["errors"] == []

    result = seller(SUBMIT, {"id": draft["listing"]["id"]})["data"]["listingSubmit"]

    assert set(error_codes(result)) == {"REQUIRED"}
    assert {e["field"] for e in result["errors"]} == {
        "field",
        "description",
        "rightsHolders",
        "transactionType",
        "startPrice",
        "patent.number",
        "patent.patentType",
        "patent.applicationDate",
        "patent.inventors",
        "patent.legalStatus",
    }
    assert Listing.objects.get().status == "DRAFT"


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"startPrice": "0"}, "PRICE_INVALID", "startPrice"),
        ({"startPrice": "-5"}, "PRICE_INVALID", "startPrice"),
        ({"startPrice": "10.001"}, "PRICE_INVALID", "startPrice"),
        ({"startPrice": "1000000000"}, "PRICE_INVALID", "startPrice"),
    ],
)
def test_a_bad_start_price_is_refused(seller, shop, overrides, code, field):
    result = create(seller, shop, patent_form(**overrides))
    assert [(e["code"], e["field"]) for e in result["errors"]] == [(code, field)]
    assert not Listing.objects.exists()


@pytest.mark.parametrize(
    ("patent", "code", "field"),
    [
        ({"number": "ZL202110123456.0"}, "PATENT_NUMBER_INVALID", "patent.number"),
        ({"number": "12345"}, "PATENT_NUMBER_INVALID", "patent.number"),
        ({"patentType": "DESIGN"}, "PATENT_TYPE_MISMATCH", "patent.patentType"),
        ({"grantDate": "2020-01-01"}, "GRANT_BEFORE_APPLICATION", "patent.grantDate"),
        ({"ipcClasses": ["not-ipc"]}, "IPC_CLASS_INVALID", "patent.ipcClasses"),
    ],
)
def test_bad_patent_details_are_refused(seller, shop, patent, code, field):
    form = patent_form()
    form["patent"] = {**form["patent"], **patent}
    result = create(seller, shop, form)
    assert [(e["code"], e["field"]) for e in result["errors"]] == [(code, field)]
    assert not Listing.objects.exists()


def test_a_future_application_date_is_refused(seller, shop):
    form = patent_form()
    tomorrow = (local_today() + timedelta(days=1)).isoformat()
    form["patent"] = {**form["patent"], "applicationDate": tomorrow, "grantDate": None}
    assert error_codes(create(seller, shop, form)) == ["DATE_IN_FUTURE"]


def test_patent_details_on_an_achievement_are_refused(seller, shop):
    result = create(seller, shop, patent_form(), type="ACHIEVEMENT")
    assert error_codes(result) == ["DETAILS_NOT_FOR_TYPE"]


def test_the_publication_agreement_must_be_accepted(seller, shop):
    assert error_codes(create(seller, shop, version="1999.1")) == ["AGREEMENT_NOT_ACCEPTED"]
    assert not Listing.objects.exists()


def test_only_an_open_shop_of_ones_own_publishes(seller, signed_in_as):
    other = open_shop(name="东南示范学院")
    assert error_codes(create(seller, other)) == ["SHOP_NOT_OPEN"]
    assert not Listing.objects.exists()


def test_season_opt_in_is_refused_for_an_agent_listing(seller, shop):
    result = create(seller, shop, patent_form(rightsHolders=["某公司"], seasonOptIn=True))
    assert error_codes(result) == ["SEASON_OPT_IN_NOT_ELIGIBLE"]
    assert not Listing.objects.exists()


def test_season_opt_in_is_refused_for_an_ordinary_enterprise(signed_in_as):
    company = open_shop(name="某某科技有限公司", identity_kind="OTHER_ENTERPRISE")
    client = signed_in_as(company.identity.user)
    form = patent_form(rightsHolders=["某某科技有限公司"], seasonOptIn=True)
    assert error_codes(create(client, company, form)) == ["SEASON_OPT_IN_NOT_ELIGIBLE"]


def test_a_university_opts_its_own_patent_into_the_season(seller, shop):
    listing = submitted(seller, shop, seasonOptIn=True)
    assert listing["seasonOptIn"] is True


def test_review_rejection_by_sms_then_edit_resubmit_and_list(seller, shop, staff, sms_outbox):
    listing = submitted(seller, shop)

    assert (
        staff(REJECT, {"id": listing["id"], "reason": "摘要过于简略"})["data"]["reviewReject"][
            "errors"
        ]
        == []
    )

    phone = shop.identity.user.phone
    assert sms_outbox[-1] == (
        phone,
        "【省技术产权交易市场】您提交的商品上架申请（一种锂电池正极材料及其制备方法）"
        "未通过审核，原因：摘要过于简略。请修改后重新提交。",
    )
    mine = seller(MY_LISTINGS, {"status": "REJECTED"})["data"]["myListings"]
    assert mine["totalCount"] == 1
    assert mine["edges"][0]["node"]["decisionReason"] == "摘要过于简略"

    edited = seller(
        UPDATE,
        {"input": {"id": listing["id"], "form": patent_form(description="更详细的摘要。" * 5)}},
    )["data"]["listingUpdate"]
    assert edited["errors"] == []
    assert edited["listing"]["status"] == "REJECTED"
    resubmitted = seller(SUBMIT, {"id": listing["id"]})["data"]["listingSubmit"]
    assert resubmitted["listing"]["status"] == "PENDING_REVIEW"

    assert staff(APPROVE, {"id": listing["id"]})["data"]["reviewApprove"]["errors"] == []
    listed = Listing.objects.get()
    assert listed.status == "LISTED" and listed.listed_at is not None
    assert "已审核通过" in sms_outbox[-1][1]


def test_a_listing_under_review_or_listed_cannot_be_edited(seller, shop):
    listing = submitted(seller, shop)
    result = seller(UPDATE, {"input": {"id": listing["id"], "form": patent_form(title="改")}})
    assert error_codes(result["data"]["listingUpdate"]) == ["LISTING_NOT_EDITABLE"]
    assert Listing.objects.get().title == "一种锂电池正极材料及其制备方法"


def test_one_patent_is_offered_by_one_active_listing_only(seller, shop):
    submitted(seller, shop)
    second = create(seller, shop)["listing"]

    result = seller(SUBMIT, {"id": second["id"]})["data"]["listingSubmit"]

    assert error_codes(result) == ["PATENT_ALREADY_LISTED"]
    assert Listing.objects.filter(status="PENDING_REVIEW").count() == 1


def test_delist_edit_and_resubmit(seller, shop):
    listing = ListingFactory(shop=shop)
    listing_id = gid("Listing", listing.pk)

    delisted = seller(DELIST, {"id": listing_id})["data"]["listingDelist"]
    assert delisted == {"listing": {"status": "DELISTED"}, "errors": []}

    edited = seller(UPDATE, {"input": {"id": listing_id, "form": patent_form(title="新名称")}})
    assert edited["data"]["listingUpdate"]["errors"] == []
    again = seller(SUBMIT, {"id": listing_id})["data"]["listingSubmit"]
    assert again["listing"]["status"] == "PENDING_REVIEW"
    assert again["listing"]["title"] == "新名称"


def test_a_listing_in_an_auction_cannot_be_delisted(seller, shop):
    listing = ListingFactory(shop=shop, status="IN_AUCTION")
    result = seller(DELIST, {"id": gid("Listing", listing.pk)})["data"]["listingDelist"]
    assert error_codes(result) == ["LISTING_IN_AUCTION"]
    listing.refresh_from_db()
    assert listing.status == "IN_AUCTION"


def test_only_a_listed_listing_can_be_delisted(seller, shop):
    draft = create(seller, shop)["listing"]
    result = seller(DELIST, {"id": draft["id"]})["data"]["listingDelist"]
    assert error_codes(result) == ["LISTING_NOT_LISTED"]


def test_someone_elses_listing_is_not_found(signed_in_as, seller, shop):
    listing = ListingFactory()
    for operation, key in ((DELIST, "listingDelist"), (SUBMIT, "listingSubmit")):
        result = seller(operation, {"id": gid("Listing", listing.pk)})["data"][key]
        assert error_codes(result) == ["NOT_FOUND"]


OWNERSHIP_APPLY = """
mutation($input: OwnershipChangeApplyInput!) {
  ownershipChangeApply(input: $input) {
    ownershipChange { id requested status } errors { code field }
  }
}"""


def test_an_ownership_change_is_reviewed_and_then_holds(seller, shop, staff):
    listing = create(seller, shop, patent_form(rightsHolders=["南京示范大学资产经营有限公司"]))[
        "listing"
    ]
    assert listing["ownership"] == "AGENT"
    variables = {
        "input": {"listingId": listing["id"], "requested": "OWN", "reason": "学校全资资产公司持有"}
    }
    applied = seller(OWNERSHIP_APPLY, variables)["data"]["ownershipChangeApply"]
    assert applied["errors"] == []
    again = seller(OWNERSHIP_APPLY, variables)["data"]["ownershipChangeApply"]
    assert error_codes(again) == ["OWNERSHIP_CHANGE_PENDING"]

    staff(APPROVE, {"id": applied["ownershipChange"]["id"]})

    changed = Listing.objects.get()
    assert changed.ownership == "OWN" and changed.ownership_reviewed
    kept = seller(
        UPDATE,
        {"input": {"id": listing["id"], "form": patent_form(rightsHolders=["另一家公司"])}},
    )["data"]["listingUpdate"]["listing"]
    assert kept["ownership"] == "OWN"  # a reviewed ownership is no longer judged automatically


def test_asking_for_the_ownership_it_already_has_is_refused(seller, shop):
    listing = create(seller, shop)["listing"]
    variables = {"input": {"listingId": listing["id"], "requested": "OWN", "reason": "x"}}
    result = seller(OWNERSHIP_APPLY, variables)["data"]["ownershipChangeApply"]
    assert error_codes(result) == ["OWNERSHIP_UNCHANGED"]


def test_the_trading_hall_shows_only_listings_on_sale_with_filters(gql):
    on_sale = ListingFactory(title="一种量子点发光器件", field="ELECTRONIC_INFORMATION")
    ListingFactory(title="在售成果", type="ACHIEVEMENT", patent_number="", maturity="PILOT")
    ListingFactory(status="DRAFT", title="草稿")
    ListingFactory(status="PENDING_REVIEW", title="待审")
    ListingFactory(status="DELISTED", title="已下架")

    def titles(**filter):
        hall = gql(HALL, {"filter": filter})["data"]["listings"]
        return sorted(edge["node"]["title"] for edge in hall["edges"])

    assert titles() == ["一种量子点发光器件", "在售成果"]
    assert titles(type="ACHIEVEMENT") == ["在售成果"]
    assert titles(field="ELECTRONIC_INFORMATION") == ["一种量子点发光器件"]
    assert titles(search="量子点") == ["一种量子点发光器件"]
    digits = on_sale.patent_number.removeprefix("ZL").replace(".", "")
    assert titles(search=digits) == ["一种量子点发光器件"]
    assert titles(search=on_sale.patent_number[2:9]) == ["一种量子点发光器件"]


def test_trading_hall_pages_cost_a_fixed_number_of_queries(gql):
    for _ in range(3):
        ListingFactory()
    with CaptureQueriesContext(connection) as small:
        gql(HALL, {"first": 3})
    for _ in range(12):
        ListingFactory()
    with CaptureQueriesContext(connection) as large:
        page = gql(HALL, {"first": 15})["data"]["listings"]
    assert len(page["edges"]) == 15
    assert len(large) == len(small)


def test_the_trading_hall_pages_with_cursors(gql):
    for _ in range(5):
        ListingFactory()
    first = gql(HALL, {"first": 2})["data"]["listings"]
    rest = gql(HALL, {"first": 10, "after": first["pageInfo"]["endCursor"]})["data"]["listings"]
    assert first["totalCount"] == 5
    assert len(first["edges"]) + len(rest["edges"]) == 5


def test_a_draft_is_not_visible_to_others(gql, seller, shop):
    draft = create(seller, shop)["listing"]
    node = gql("query($id: ID!) { node(id: $id) { id } }", {"id": draft["id"]})
    assert node["data"]["node"] is None
