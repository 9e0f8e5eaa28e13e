"""From a new phone number to an open shop, through GraphQL alone (applicant and staff)."""

from datetime import timedelta

import time_machine

from accounts.models import User
from kernel.clock import now
from tests.api import operations as op
from tests.api.helpers import error_codes, register_and_login
from tests.conftest import last_code
from tests.factories import pdf, valid_credit_code

SELLER = "13812345678"
QUEUE = """
query($status: ReviewStatus) {
  verificationQueue(status: $status) { totalCount edges { node { id name user { phone } } } }
  identityQueue(status: $status) { totalCount edges { node { id kind } } }
  shopQueue(status: $status) { totalCount edges { node { id name } } }
}"""


def staff_client(make_gql, sms_outbox):
    """Staff log in like everyone else (by SMS code here), through the API."""
    User.objects.create_user("13900000000", is_staff=True, name="审核员甲")
    from django.contrib.auth.models import Permission

    User.objects.get(phone="13900000000").user_permissions.set(
        Permission.objects.filter(codename__startswith="review_")
    )
    client = make_gql()
    client(op.SMS_CODE_SEND, {"input": {"phone": "13900000000", "purpose": "LOGIN"}})
    login = client(
        op.LOGIN,
        {
            "input": {
                "phone": "13900000000",
                "code": last_code(sms_outbox, "13900000000"),
                "mode": "TOKEN",
            }
        },
    )["data"]["login"]
    client.token = login["token"]
    return client


def test_a_university_goes_from_a_new_number_to_an_open_shop(gql, make_gql, sms_outbox):
    staff = staff_client(make_gql, sms_outbox)

    # register
    register_and_login(gql, sms_outbox, SELLER)

    # real-name verification as an institution, with a certificate
    submitted = gql.upload(
        op.VERIFICATION_SUBMIT,
        {
            "input": {
                "kind": "INSTITUTION",
                "name": "南京示范大学",
                "creditCode": valid_credit_code(),
                "certificateType": "PUBLIC_INSTITUTION",
                "certificate": None,
            }
        },
        {"input.certificate": pdf()},
    ).json()["data"]["verificationSubmit"]
    assert submitted["errors"] == []

    # steps out of order are refused while verification is pending
    early = gql.upload(
        op.IDENTITY_APPLY,
        {"input": {"kind": "UNIVERSITY", "certificate": None}},
        {"input.certificate": pdf()},
    ).json()["data"]["identityApply"]
    assert error_codes(early) == ["VERIFICATION_REQUIRED"]

    queue = staff(QUEUE)["data"]
    assert queue["verificationQueue"]["totalCount"] == 1
    verification = queue["verificationQueue"]["edges"][0]["node"]
    assert verification["user"]["phone"] == SELLER
    assert (
        staff(op.REVIEW_APPROVE, {"id": verification["id"]})["data"]["reviewApprove"]["errors"]
        == []
    )
    assert "实名认证申请已审核通过" in sms_outbox[-1][1]

    # identity application
    applied = gql.upload(
        op.IDENTITY_APPLY,
        {"input": {"kind": "UNIVERSITY", "certificate": None}},
        {"input.certificate": pdf("事业单位法人证书.pdf")},
    ).json()["data"]["identityApply"]
    assert applied["errors"] == []
    identity_id = applied["identity"]["id"]
    queued = staff(QUEUE)["data"]["identityQueue"]["edges"]
    assert [edge["node"]["id"] for edge in queued] == [identity_id]
    staff(op.REVIEW_APPROVE, {"id": identity_id})

    # shop: read the notice, apply, get rejected, correct, get approved
    notice = gql(op.SHOP_NOTICE)["data"]["shopNotice"]
    shop_input = {
        "identityId": identity_id,
        "noticeVersion": notice["version"],
        "name": "南京示范大学",
        "contactName": "王老师",
        "contactPhone": "025-83591234",
    }
    shop = gql(op.SHOP_APPLY, {"input": shop_input})["data"]["shopApply"]
    assert shop["errors"] == []
    rejected = staff(op.REVIEW_REJECT, {"id": shop["shop"]["id"], "reason": "请填写店铺简介"})[
        "data"
    ]["reviewReject"]
    assert rejected["subject"]["reviewStatus"] == "REJECTED"
    assert "请填写店铺简介" in sms_outbox[-1][1]

    with time_machine.travel(now() + timedelta(minutes=1)):
        again = gql(op.SHOP_APPLY, {"input": {**shop_input, "description": "高校技术转移中心"}})[
            "data"
        ]["shopApply"]
    assert again["errors"] == []
    assert again["shop"]["id"] == shop["shop"]["id"]
    staff(op.REVIEW_APPROVE, {"id": shop["shop"]["id"]})

    mine = gql(op.MY_IDENTITIES)["data"]["me"]["identities"]
    assert mine == [
        {
            "id": identity_id,
            "kind": "UNIVERSITY",
            "status": "APPROVED",
            "decisionReason": None,
            "shop": {"id": shop["shop"]["id"], "status": "APPROVED"},
        }
    ]
    # the open shop is public
    public = make_gql()(
        "query($id: ID!) { node(id: $id) { ... on Shop { name status description } } }",
        {"id": shop["shop"]["id"]},
    )["data"]["node"]
    assert public == {
        "name": "南京示范大学",
        "status": "APPROVED",
        "description": "高校技术转移中心",
    }
    assert [sent_to for sent_to, _ in sms_outbox].count(SELLER) == 5  # code + 4 decisions
