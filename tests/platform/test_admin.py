"""The Django admin: every page renders, and review decisions go through ``review_decide``."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts.models import ApiToken, Identity, SmsCode, SmsCodePurpose, User, Verification
from accounts.services.auth import sms_code_send
from accounts.services.tokens import api_token_issue
from accounts.services.verification import verification_submit
from agreements.models import Agreement, AgreementKind
from notifications.models import SmsMessage
from reviews.models import ReviewAction, ReviewRecord, ReviewStatus
from shops.models import Shop
from tests.factories import (
    PDF_BYTES,
    IdentityFactory,
    ShopFactory,
    UserFactory,
    VerificationFactory,
    pdf,
    staff_user,
    valid_credit_code,
)

ACTION_CHECKBOX = admin.helpers.ACTION_CHECKBOX_NAME


def changelist(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def change_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def texts(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def superuser(db):
    return UserFactory(phone="13700000000", is_staff=True, is_superuser=True, name="管理员")


@pytest.fixture
def client_as():
    def login(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return login


@pytest.fixture
def su_client(superuser, client_as):
    return client_as(superuser)


@pytest.fixture
def reviewer(db):
    """Staff with the review permissions only (no view/change permissions on the models)."""
    return staff_user()


@pytest.fixture
def submitted_verification(db):
    """A pending institution verification submitted through the service: with a certificate
    file and a SUBMITTED review record."""
    applicant = UserFactory(phone="13812340000")
    return verification_submit(
        user=applicant,
        kind="INSTITUTION",
        name="南京示范大学",
        credit_code=valid_credit_code(),
        certificate_type="PUBLIC_INSTITUTION",
        certificate=pdf(),
    )


@pytest.fixture
def everything(submitted_verification, superuser):
    """At least one row of every registered model."""
    identity = IdentityFactory(status=ReviewStatus.PENDING)
    shop = ShopFactory(status=ReviewStatus.PENDING)
    sms_code_send(phone="13812349999", purpose=SmsCodePurpose.REGISTER, client_address="10.0.0.1")
    api_token_issue(user=superuser, name="iPhone")
    return {"verification": submitted_verification, "identity": identity, "shop": shop}


# --- Every page renders --------------------------------------------------------------------


def test_every_registered_model_has_a_changelist_and_change_page(su_client, everything):
    registered = set(admin.site._registry)
    for model in (
        User,
        SmsCode,
        ApiToken,
        Verification,
        Identity,
        Shop,
        ReviewRecord,
        SmsMessage,
        Agreement,
    ):
        assert model in registered, model
    for model in registered:
        response = su_client.get(changelist(model))
        assert response.status_code == 200, model
        obj = model._default_manager.first()
        if obj is not None:
            assert su_client.get(change_url(obj)).status_code == 200, model
        # The list filters and the search box work too.
        response = su_client.get(changelist(model), {"q": "138"})
        assert response.status_code == 200, model


@pytest.mark.parametrize("model", [User, Agreement])
def test_add_pages_render(su_client, model):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")
    assert su_client.get(url).status_code == 200


@pytest.mark.parametrize(
    "model",
    [SmsCode, ApiToken, Verification, Identity, Shop, ReviewRecord, SmsMessage],
)
def test_read_only_models_cannot_be_added(su_client, model):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")
    assert su_client.get(url).status_code == 403


def test_admin_index_lists_the_apps(su_client, everything):
    response = su_client.get(reverse("admin:index"))
    assert response.status_code == 200
    for name in ("实名认证", "身份申请", "店铺", "审核记录", "短信", "须知与协议", "私有文件"):
        assert name in response.content.decode()


# --- Users ---------------------------------------------------------------------------------


def test_user_add_form_takes_a_phone(su_client):
    response = su_client.post(
        reverse("admin:accounts_user_add"),
        {
            "phone": "+86 139-1234-5678",
            "name": "审核员乙",
            "usable_password": "true",
            "password1": "a-Strong-pass-123",
            "password2": "a-Strong-pass-123",
        },
    )
    assert response.status_code == 302, response.content.decode()
    user = User.objects.get(phone="13912345678")
    assert user.name == "审核员乙"
    assert user.check_password("a-Strong-pass-123")
    assert su_client.get(change_url(user)).status_code == 200


def test_user_add_form_refuses_an_invalid_or_taken_phone(su_client):
    UserFactory(phone="13912345678")
    for phone in ("12345", "13912345678"):
        response = su_client.post(
            reverse("admin:accounts_user_add"),
            {"phone": phone, "usable_password": "false"},
        )
        assert response.status_code == 200
        assert response.context["adminform"].form.errors["phone"]
    assert User.objects.filter(phone="12345").count() == 0


def test_user_without_password_can_be_added(su_client):
    response = su_client.post(
        reverse("admin:accounts_user_add"), {"phone": "13912345679", "usable_password": "false"}
    )
    assert response.status_code == 302
    assert not User.objects.get(phone="13912345679").has_usable_password()


def test_user_change_form_edits_name_and_staff_flags(su_client):
    user = UserFactory(phone="13912345670")
    permission = Permission.objects.get(codename="review_verification")
    response = su_client.post(
        change_url(user),
        {
            "phone": "139 1234 5670",
            "name": "审核员丙",
            "is_active": "on",
            "is_staff": "on",
            "user_permissions": [permission.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()
    user = User.objects.get(pk=user.pk)
    assert (user.phone, user.name, user.is_staff) == ("13912345670", "审核员丙", True)
    assert user.has_perm("accounts.review_verification")
    assert user.check_password("a-Strong-pass-123")  # untouched


# --- Secrets are never shown ---------------------------------------------------------------


def test_code_hash_and_key_digest_are_never_displayed(su_client, superuser):
    sms_code_send(phone="13812349999", purpose=SmsCodePurpose.REGISTER, client_address=None)
    token, raw = api_token_issue(user=superuser, name="iPhone")
    code = SmsCode.objects.get()
    pages = [
        su_client.get(changelist(SmsCode)),
        su_client.get(change_url(code)),
        su_client.get(changelist(ApiToken)),
        su_client.get(change_url(token)),
    ]
    for page in pages:
        content = page.content.decode()
        assert code.code_hash not in content
        assert token.key_digest not in content
        assert raw not in content
        assert "验证码摘要" not in content
        assert "令牌摘要" not in content


def test_sms_outbox_masks_verification_codes(su_client, sms_outbox):
    sms_code_send(phone="13812349999", purpose=SmsCodePurpose.REGISTER, client_address=None)
    message = SmsMessage.objects.get()
    code = message.text.split("验证码为")[1][:6]
    for page in (su_client.get(changelist(SmsMessage)), su_client.get(change_url(message))):
        content = page.content.decode()
        assert code not in content
        assert "验证码为******" in content


def test_read_only_records_cannot_be_changed(su_client, superuser):
    token, _raw = api_token_issue(user=superuser, name="iPhone")
    response = su_client.post(change_url(token), {"name": "changed"})
    assert response.status_code == 403
    token.refresh_from_db()
    assert token.name == "iPhone"


# --- Files ---------------------------------------------------------------------------------


def test_private_file_download_link(su_client, submitted_verification):
    file = submitted_verification.certificate
    download = reverse("admin:files_privatefile_download", args=[file.pk])
    assert download in su_client.get(changelist(type(file))).content.decode()
    assert download in su_client.get(change_url(file)).content.decode()
    # The verification page links the certificate too.
    assert download in su_client.get(change_url(submitted_verification)).content.decode()

    response = su_client.get(download)
    assert response.status_code == 302
    assert response["Location"].startswith("/files/")
    served = su_client.get(response["Location"])
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == PDF_BYTES


def test_private_file_download_needs_staff(client_as, submitted_verification):
    file = submitted_verification.certificate
    download = reverse("admin:files_privatefile_download", args=[file.pk])
    response = client_as(submitted_verification.user).get(download)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_private_file_download_of_an_unknown_file(su_client):
    for object_id in ("not-a-uuid", "00000000-0000-0000-0000-000000000000"):
        url = reverse("admin:files_privatefile_download", args=[object_id])
        assert su_client.get(url).status_code == 404


# --- Agreements ----------------------------------------------------------------------------


def test_agreement_versions_are_added_but_never_edited(su_client):
    current = Agreement.objects.get(kind=AgreementKind.SHOP_NOTICE)
    response = su_client.post(
        reverse("admin:agreements_agreement_add"),
        {
            "kind": AgreementKind.SHOP_NOTICE,
            "version": "v2",
            "title": "开店须知",
            "body": "第二版正文",
            "effective_at_0": "2030-01-01",
            "effective_at_1": "00:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()
    assert Agreement.objects.filter(version="v2").exists()

    page = su_client.get(change_url(current))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    response = su_client.post(change_url(current), {"title": "改过的标题"})
    assert response.status_code == 403
    current.refresh_from_db()
    assert current.title != "改过的标题"
    delete = reverse("admin:agreements_agreement_delete", args=[current.pk])
    assert su_client.post(delete, {"post": "yes"}).status_code == 403


# --- Review actions ------------------------------------------------------------------------


def approve(client, model, *objects, follow=False):
    return client.post(
        changelist(model),
        {"action": "approve_selected", "index": 0, ACTION_CHECKBOX: [o.pk for o in objects]},
        follow=follow,
    )


def reject(client, model, *objects, reason=None, follow=False):
    data = {"action": "reject_selected", ACTION_CHECKBOX: [o.pk for o in objects]}
    if reason is not None:
        data.update(post="yes", reason=reason)
    else:
        data["index"] = 0
    return client.post(changelist(model), data, follow=follow)


def test_reviewer_sees_the_queue_and_the_actions(client_as, reviewer, submitted_verification):
    client = client_as(reviewer)
    response = client.get(changelist(Verification))
    assert response.status_code == 200
    actions = dict(response.context["action_form"].fields["action"].choices)
    assert actions.get("approve_selected") == "审核通过"
    assert actions.get("reject_selected") == "审核驳回"
    assert "delete_selected" not in actions
    page = client.get(change_url(submitted_verification))
    assert page.status_code == 200
    assert "审核记录" in page.content.decode()


def test_approve_goes_through_review_decide(
    client_as, reviewer, submitted_verification, sms_outbox, django_capture_on_commit_callbacks
):
    client = client_as(reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        response = approve(client, Verification, submitted_verification, follow=True)
    assert response.status_code == 200
    assert "「南京示范大学（机构实名认证）」已审核通过。" in texts(response)

    submitted_verification.refresh_from_db()
    assert submitted_verification.status == ReviewStatus.APPROVED
    assert submitted_verification.decided_by == reviewer
    assert submitted_verification.decided_at is not None
    record = ReviewRecord.objects.filter(action=ReviewAction.APPROVED).get()
    assert record.subject == submitted_verification
    assert record.actor == reviewer
    assert SmsMessage.objects.filter(phone="13812340000", text__contains="审核通过").exists()
    assert sms_outbox == [("13812340000", "【省技术产权交易市场】您提交的实名认证申请已审核通过。")]

    # The history shows on the application's page: submission and decision.
    content = client.get(change_url(submitted_verification)).content.decode()
    assert "提交" in content
    assert "审核员甲（13900000000）" in content


@pytest.mark.parametrize(
    ("model", "factory", "label"),
    [(Identity, IdentityFactory, "身份"), (Shop, ShopFactory, "开通店铺")],
)
def test_approve_identity_and_shop(
    client_as, reviewer, sms_outbox, django_capture_on_commit_callbacks, model, factory, label
):
    subject = factory(status=ReviewStatus.PENDING)
    with django_capture_on_commit_callbacks(execute=True):
        response = approve(client_as(reviewer), model, subject)
    assert response.status_code == 302
    subject.refresh_from_db()
    assert subject.status == ReviewStatus.APPROVED
    assert ReviewRecord.objects.filter(action=ReviewAction.APPROVED, actor=reviewer).count() == 1
    assert len(sms_outbox) == 1
    assert label in sms_outbox[0][1]


@pytest.mark.parametrize(("model", "factory"), [(Identity, IdentityFactory), (Shop, ShopFactory)])
def test_reject_identity_and_shop(
    client_as, reviewer, sms_outbox, django_capture_on_commit_callbacks, model, factory
):
    subject = factory(status=ReviewStatus.PENDING)
    client = client_as(reviewer)
    assert reject(client, model, subject).status_code == 200  # the reason page
    with django_capture_on_commit_callbacks(execute=True):
        response = reject(client, model, subject, reason="材料不全")
    assert response.status_code == 302
    subject.refresh_from_db()
    assert subject.status == ReviewStatus.REJECTED
    assert ReviewRecord.objects.get(action=ReviewAction.REJECTED).reason == "材料不全"
    assert "原因：材料不全" in sms_outbox[0][1]


def test_approving_a_decided_application_changes_nothing(
    client_as, reviewer, sms_outbox, django_capture_on_commit_callbacks
):
    pending = VerificationFactory(status=ReviewStatus.PENDING, name="甲大学")
    decided = VerificationFactory(status=ReviewStatus.REJECTED, name="乙大学")
    with django_capture_on_commit_callbacks(execute=True):
        response = approve(client_as(reviewer), Verification, pending, decided, follow=True)
    messages = texts(response)
    assert "「甲大学（机构实名认证）」已审核通过。" in messages
    assert "「乙大学（机构实名认证）」：该申请已审核完毕。" in messages
    decided.refresh_from_db()
    assert decided.status == ReviewStatus.REJECTED
    assert ReviewRecord.objects.count() == 1
    assert len(sms_outbox) == 1


def test_reject_asks_for_a_reason_first(client_as, reviewer, submitted_verification, sms_outbox):
    client = client_as(reviewer)
    response = reject(client, Verification, submitted_verification)
    assert response.status_code == 200
    assert response.templates[0].name == "admin/reviews/reject_reason.html"
    content = response.content.decode()
    assert 'name="reason"' in content
    assert "南京示范大学" in content
    submitted_verification.refresh_from_db()
    assert submitted_verification.status == ReviewStatus.PENDING


@pytest.mark.parametrize("reason", ["", "   "])
def test_reject_without_a_reason_changes_nothing(
    client_as,
    reviewer,
    submitted_verification,
    sms_outbox,
    django_capture_on_commit_callbacks,
    reason,
):
    with django_capture_on_commit_callbacks(execute=True):
        response = reject(client_as(reviewer), Verification, submitted_verification, reason=reason)
    assert response.status_code == 200  # the reason page again, with the error
    assert response.context["form"].errors["reason"]
    submitted_verification.refresh_from_db()
    assert submitted_verification.status == ReviewStatus.PENDING
    assert not ReviewRecord.objects.exclude(action=ReviewAction.SUBMITTED).exists()
    assert not SmsMessage.objects.exists()
    assert sms_outbox == []


def test_reject_with_a_reason(
    client_as, reviewer, submitted_verification, sms_outbox, django_capture_on_commit_callbacks
):
    client = client_as(reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        response = reject(
            client, Verification, submitted_verification, reason=" 证书不清晰 ", follow=True
        )
    assert response.status_code == 200
    assert "「南京示范大学（机构实名认证）」已驳回。" in texts(response)
    submitted_verification.refresh_from_db()
    assert submitted_verification.status == ReviewStatus.REJECTED
    assert submitted_verification.decision_reason == "证书不清晰"
    record = ReviewRecord.objects.get(action=ReviewAction.REJECTED)
    assert record.reason == "证书不清晰"
    assert record.actor == reviewer
    assert len(sms_outbox) == 1
    assert "原因：证书不清晰" in sms_outbox[0][1]
    assert "证书不清晰" in client.get(change_url(submitted_verification)).content.decode()


def test_reject_reason_too_long_is_refused(client_as, reviewer, submitted_verification):
    response = reject(client_as(reviewer), Verification, submitted_verification, reason="长" * 501)
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    submitted_verification.refresh_from_db()
    assert submitted_verification.status == ReviewStatus.PENDING


def test_staff_without_review_permission_cannot_approve(
    client_as, submitted_verification, sms_outbox, django_capture_on_commit_callbacks
):
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_verification"))
    client = client_as(User.objects.get(pk=staff.pk))

    page = client.get(changelist(Verification))
    assert page.status_code == 200
    assert page.context["action_form"] is None or "approve_selected" not in dict(
        page.context["action_form"].fields["action"].choices
    )
    with django_capture_on_commit_callbacks(execute=True):
        approve(client, Verification, submitted_verification)
        reject(client, Verification, submitted_verification, reason="不通过")
    submitted_verification.refresh_from_db()
    assert submitted_verification.status == ReviewStatus.PENDING
    assert not ReviewRecord.objects.exclude(action=ReviewAction.SUBMITTED).exists()
    assert sms_outbox == []


def test_staff_without_any_permission_does_not_see_the_queue(client_as, submitted_verification):
    client = client_as(UserFactory(is_staff=True))
    assert client.get(changelist(Verification)).status_code == 403
    assert client.get(change_url(submitted_verification)).status_code == 403


def test_permission_denial_is_reported_when_the_action_is_called_directly(
    submitted_verification,
):
    """The admin hides the actions from non-reviewers; if one is reached anyway,
    review_decide refuses and the admin says so."""
    staff = UserFactory(is_staff=True)
    request = RequestFactory().post("/")
    request.user = staff
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    model_admin = admin.site._registry[Verification]

    model_admin.approve_selected(request, Verification.objects.all())

    assert [str(m) for m in request._messages] == ["您没有审核实名认证的权限，未作任何处理。"]
    submitted_verification.refresh_from_db()
    assert submitted_verification.status == ReviewStatus.PENDING


def test_the_admin_refuses_a_reviewer_their_own_application(client_as, reviewer):
    mine = VerificationFactory(user=reviewer, status=ReviewStatus.PENDING)

    response = approve(client_as(reviewer), Verification, mine, follow=True)

    assert texts(response) == [f"「{mine}」：不能审核本人提交的申请，请由其他审核员处理。"]
    mine.refresh_from_db()
    assert mine.status == ReviewStatus.PENDING
