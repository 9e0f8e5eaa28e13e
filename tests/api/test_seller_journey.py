"""A seller's season through GraphQL alone (issue 3's journey): a patent through auto-fill,
an achievement by hand, review both ways, resubmission, delisting and relisting. The
100-row workbook is in test_listing_import.py."""

from datetime import date

import pytest
from strawberry import relay

from listings.models import PatentRecord
from tests.factories import open_shop, staff_user

pytestmark = pytest.mark.django_db

SEARCH = """query($title: String!) { patentSearch(title: $title) { results {
  number title patentType applicationDate grantDate rightsHolders inventors ipcClasses
  legalStatus abstract } errors { code } } }"""
CREATE = """mutation($input: ListingCreateInput!) { listingCreate(input: $input) {
  listing { id status ownership seasonEligible } errors { code field } } }"""
UPDATE = """mutation($input: ListingUpdateInput!) { listingUpdate(input: $input) {
  listing { id status } errors { code field } } }"""
SUBMIT = """mutation($id: ID!) { listingSubmit(input: {id: $id}) {
  listing { status } errors { code field } } }"""
DELIST = """mutation($id: ID!) { listingDelist(input: {id: $id}) {
  listing { status } errors { code } } }"""
APPROVE = """mutation($id: ID!) { reviewApprove(input: {id: $id}) { errors { code } } }"""
REJECT = """mutation($id: ID!, $reason: String!) {
  reviewReject(input: {id: $id, reason: $reason}) { errors { code } } }"""
MINE = """{ myListings(first: 10) { edges { node { title status decisionReason } } } }"""
HALL = """{ listings(first: 10) { totalCount edges { node { title } } } }"""


def test_a_sellers_season_through_the_api(signed_in_as, gql, sms_outbox):
    shop = open_shop(name="江苏示范大学")
    PatentRecord.objects.create(
        number="ZL202110123456.7",
        title="一种锂离子电池正极材料的制备方法",
        patent_type="INVENTION",
        application_date=date(2021, 3, 1),
        grant_date=date(2023, 5, 6),
        rights_holders=["江苏示范大学"],
        inventors=["张三", "李四"],
        ipc_classes=["H01M 4/525"],
        legal_status="GRANTED",
        abstract="本发明公开了一种正极材料。",
    )
    seller = signed_in_as(shop.identity.user)
    staff = signed_in_as(staff_user())
    shop_id = str(relay.GlobalID("Shop", str(shop.pk)))

    # 1. a patent through auto-fill: search, pick, complete the rest
    found = seller(SEARCH, {"title": "正极 锂离子"})["data"]["patentSearch"]["results"][0]
    patent = seller(
        CREATE,
        {
            "input": {
                "shopId": shop_id,
                "type": "PATENT",
                "agreementVersion": "2026.1",
                "form": {
                    "title": found["title"],
                    "description": found["abstract"],
                    "rightsHolders": found["rightsHolders"],
                    "field": "NEW_ENERGY",
                    "transactionType": "TRANSFER",
                    "startPrice": "150000",
                    "seasonOptIn": True,
                    "patent": {
                        key: found[key]
                        for key in (
                            "number",
                            "patentType",
                            "applicationDate",
                            "grantDate",
                            "inventors",
                            "ipcClasses",
                            "legalStatus",
                        )
                    },
                },
            }
        },
    )["data"]["listingCreate"]
    assert patent["errors"] == []
    assert (patent["listing"]["ownership"], patent["listing"]["seasonEligible"]) == ("OWN", True)
    patent_id = patent["listing"]["id"]

    # 2. a technology achievement by hand
    achievement_form = {
        "title": "智能温室环境调控系统",
        "field": "AGRICULTURE",
        "description": "基于物联网的温室环境调控。",
        "rightsHolders": ["江苏示范大学"],
        "transactionType": "LICENSE",
        "startPrice": "50000",
        "achievement": {"maturity": "PILOT", "team": "农业工程学院"},
    }
    achievement = seller(
        CREATE,
        {
            "input": {
                "shopId": shop_id,
                "type": "ACHIEVEMENT",
                "agreementVersion": "2026.1",
                "form": achievement_form,
            }
        },
    )["data"]["listingCreate"]
    achievement_id = achievement["listing"]["id"]
    for listing_id in (patent_id, achievement_id):
        assert seller(SUBMIT, {"id": listing_id})["data"]["listingSubmit"]["errors"] == []

    # 3. staff approve one and reject the other; the rejection reaches the seller
    assert staff(APPROVE, {"id": patent_id})["data"]["reviewApprove"]["errors"] == []
    staff(REJECT, {"id": achievement_id, "reason": "请补充成熟度证明"})
    assert "请补充成熟度证明" in sms_outbox[-1][1]
    mine = {e["node"]["title"]: e["node"] for e in seller(MINE)["data"]["myListings"]["edges"]}
    assert mine["智能温室环境调控系统"]["decisionReason"] == "请补充成熟度证明"

    # 4. the rejected one comes back edited and gets listed
    edited = {**achievement_form, "description": "基于物联网的温室环境调控，已完成中试验证。"}
    seller(UPDATE, {"input": {"id": achievement_id, "form": edited}})
    assert seller(SUBMIT, {"id": achievement_id})["data"]["listingSubmit"]["errors"] == []
    staff(APPROVE, {"id": achievement_id})
    assert gql(HALL)["data"]["listings"]["totalCount"] == 2

    # 5. one is delisted, edited, resubmitted and listed again
    assert seller(DELIST, {"id": patent_id})["data"]["listingDelist"]["listing"] == {
        "status": "DELISTED"
    }
    assert gql(HALL)["data"]["listings"]["totalCount"] == 1
    relisted = seller(
        UPDATE,
        {
            "input": {
                "id": patent_id,
                "form": {
                    "title": found["title"],
                    "description": found["abstract"],
                    "rightsHolders": found["rightsHolders"],
                    "field": "NEW_ENERGY",
                    "transactionType": "LICENSE",
                    "startPrice": "120000",
                    "patent": {
                        "number": found["number"],
                        "patentType": "INVENTION",
                        "applicationDate": found["applicationDate"],
                        "grantDate": found["grantDate"],
                        "inventors": found["inventors"],
                        "legalStatus": "GRANTED",
                    },
                },
            }
        },
    )["data"]["listingUpdate"]
    assert relisted["errors"] == []
    assert seller(SUBMIT, {"id": patent_id})["data"]["listingSubmit"]["listing"] == {
        "status": "PENDING_REVIEW"
    }
    staff(APPROVE, {"id": patent_id})
    assert gql(HALL)["data"]["listings"]["totalCount"] == 2
