from accounts.models import Identity
from shops.models import Shop
from tests.api import operations as op
from tests.api.helpers import error_codes, gid
from tests.factories import (
    IdentityFactory,
    ShopFactory,
    UserFactory,
    VerificationFactory,
    pdf,
    verified_institution,
)


def apply_identity(client, kind="UNIVERSITY", certificate=True):
    variables = {"input": {"kind": kind, "certificate": None}}
    files = {"input.certificate": pdf()} if certificate else {}
    response = client.upload(op.IDENTITY_APPLY, variables, files)
    assert response.status_code == 200, response.content
    return response.json()["data"]["identityApply"]


def shop_input(identity_id, **overrides):
    return {
        "input": {
            "identityId": identity_id,
            "noticeVersion": "2026.1",
            "name": "南京示范大学",
            "description": "技术转移中心",
            "contactName": "王老师",
            "contactPhone": "025-83591234",
            **overrides,
        }
    }


def test_identity_needs_an_approved_verification(signed_in_as):
    user = UserFactory()
    VerificationFactory(user=user, status="PENDING")
    result = apply_identity(signed_in_as(user))
    assert error_codes(result) == ["VERIFICATION_REQUIRED"]
    assert not Identity.objects.exists()


def test_an_institution_applies_for_an_identity_with_its_certificate(signed_in_as):
    client = signed_in_as(verified_institution())
    result = apply_identity(client)
    assert result["errors"] == []
    assert result["identity"]["status"] == "PENDING"
    assert result["identity"]["certificate"]["url"]


def test_an_institution_identity_needs_its_certificate(signed_in_as):
    result = apply_identity(signed_in_as(verified_institution()), certificate=False)
    assert error_codes(result) == ["FILE_REQUIRED"]
    assert not Identity.objects.exists()


def test_a_person_cannot_apply_as_a_university(signed_in_as):
    user = UserFactory()
    VerificationFactory(user=user, kind="PERSONAL", name="张三", credit_code="")
    result = apply_identity(signed_in_as(user))
    assert error_codes(result) == ["IDENTITY_KIND_NOT_ALLOWED"]
    assert not Identity.objects.exists()


def test_a_person_applies_as_an_individual_without_a_file(signed_in_as):
    user = UserFactory()
    VerificationFactory(user=user, kind="PERSONAL", name="张三", credit_code="")
    result = apply_identity(signed_in_as(user), kind="INDIVIDUAL", certificate=False)
    assert result["errors"] == []


def test_the_shop_notice_is_served_with_its_version(gql):
    notice = gql(op.SHOP_NOTICE)["data"]["shopNotice"]
    assert notice["title"] == "开店须知"
    assert notice["version"] == "2026.1"
    assert "店铺" in notice["body"]


def test_a_shop_is_applied_for_under_an_approved_identity(signed_in_as):
    user = verified_institution()
    identity = IdentityFactory(user=user)
    client = signed_in_as(user)

    result = client(op.SHOP_APPLY, shop_input(gid("Identity", identity.pk)))["data"]

    assert result["shopApply"]["errors"] == []
    shop = result["shopApply"]["shop"]
    assert shop["status"] == "PENDING"
    assert shop["noticeAccepted"] == {"version": "2026.1"}
    assert shop["identityKind"] == "UNIVERSITY"


def test_an_institution_shop_must_carry_the_verified_name(signed_in_as):
    user = verified_institution(name="南京示范大学")
    identity = IdentityFactory(user=user)
    client = signed_in_as(user)

    result = client(op.SHOP_APPLY, shop_input(gid("Identity", identity.pk), name="示范大学旗舰店"))[
        "data"
    ]["shopApply"]

    assert error_codes(result) == ["SHOP_NAME_MUST_MATCH_INSTITUTION"]
    assert "南京示范大学" in result["errors"][0]["message"]
    assert not Shop.objects.exists()


def test_the_shop_notice_must_be_accepted_in_its_current_version(signed_in_as):
    user = verified_institution()
    identity = IdentityFactory(user=user)
    client = signed_in_as(user)

    result = client(
        op.SHOP_APPLY, shop_input(gid("Identity", identity.pk), noticeVersion="2025.9")
    )["data"]["shopApply"]

    assert error_codes(result) == ["AGREEMENT_NOT_ACCEPTED"]
    assert not Shop.objects.exists()


def test_a_shop_needs_an_approved_identity_of_ones_own(signed_in_as):
    user = verified_institution()
    pending = IdentityFactory(user=user, status="PENDING")
    someone_elses = IdentityFactory()
    client = signed_in_as(user)

    for identity in (pending, someone_elses):
        result = client(op.SHOP_APPLY, shop_input(gid("Identity", identity.pk)))
        assert error_codes(result["data"]["shopApply"]) == ["IDENTITY_NOT_APPROVED"]
    assert not Shop.objects.exists()


def test_one_shop_per_identity(signed_in_as):
    shop = ShopFactory(identity=IdentityFactory(user=verified_institution()))
    client = signed_in_as(shop.identity.user)

    result = client(op.SHOP_APPLY, shop_input(gid("Identity", shop.identity.pk)))

    assert error_codes(result["data"]["shopApply"]) == ["SHOP_ALREADY_OPEN"]
    assert Shop.objects.count() == 1


def test_bad_contacts_are_all_reported_at_once(signed_in_as):
    user = verified_institution()
    identity = IdentityFactory(user=user)
    client = signed_in_as(user)

    result = client(
        op.SHOP_APPLY,
        shop_input(
            gid("Identity", identity.pk),
            contactName="",
            contactPhone="12345",
            contactEmail="not-an-email",
        ),
    )["data"]["shopApply"]

    assert sorted((e["field"], e["code"]) for e in result["errors"]) == [
        ("contactEmail", "CONTACT_EMAIL_INVALID"),
        ("contactName", "REQUIRED"),
        ("contactPhone", "CONTACT_PHONE_INVALID"),
    ]


SHOP_UPDATE = """
mutation($input: ShopUpdateInput!) {
  shopUpdate(input: $input) {
    shop { name description contactName contactPhone reviewHistory { action } }
    errors { code field }
  }
}"""


def test_an_open_shop_updates_its_contacts_and_the_change_is_recorded(signed_in_as):
    shop = ShopFactory(identity=IdentityFactory(user=verified_institution()))
    client = signed_in_as(shop.identity.user)

    result = client(
        SHOP_UPDATE,
        {
            "input": {
                "id": gid("Shop", shop.pk),
                "description": "新简介",
                "contactName": "李老师",
                "contactPhone": "13912345678",
            }
        },
    )["data"]["shopUpdate"]

    assert result["errors"] == []
    assert result["shop"]["name"] == "南京示范大学"
    assert result["shop"]["contactName"] == "李老师"
    assert [r["action"] for r in result["shop"]["reviewHistory"]] == ["CHANGED"]


def test_only_ones_own_open_shop_can_be_updated(signed_in_as):
    pending = ShopFactory(identity=IdentityFactory(user=verified_institution()), status="PENDING")
    someone_elses = ShopFactory(identity=IdentityFactory(user=verified_institution()))
    client = signed_in_as(pending.identity.user)

    for shop in (pending, someone_elses):
        result = client(
            SHOP_UPDATE,
            {
                "input": {
                    "id": gid("Shop", shop.pk),
                    "contactName": "X",
                    "contactPhone": "13912345678",
                }
            },
        )["data"]["shopUpdate"]
        assert error_codes(result) == ["SHOP_NOT_OPEN"]
    someone_elses.refresh_from_db()
    assert someone_elses.contact_name == "王老师"
