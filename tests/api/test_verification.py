from datetime import timedelta

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.models import Verification
from files.models import PrivateFile
from kernel.clock import now
from reviews.models import ReviewRecord
from tests.api import operations as op
from tests.api.helpers import error_codes, register_and_login
from tests.factories import (
    PDF_BYTES,
    disguised_exe,
    pdf,
    png,
    staff_user,
    valid_credit_code,
    valid_id_number,
)

PHONE = "13812345678"


def submit_personal(gql, **overrides):
    variables = {"input": {"kind": "PERSONAL", "name": "张三", "idNumber": valid_id_number()}}
    variables["input"].update(overrides)
    return gql(op.VERIFICATION_SUBMIT, variables)["data"]["verificationSubmit"]


def submit_institution(gql, certificate=None, **overrides):
    variables = {
        "input": {
            "kind": "INSTITUTION",
            "name": "南京示范大学",
            "creditCode": valid_credit_code(),
            "certificateType": "PUBLIC_INSTITUTION",
            "certificate": None,
            **overrides,
        }
    }
    response = gql.upload(
        op.VERIFICATION_SUBMIT, variables, {"input.certificate": certificate or pdf()}
    )
    assert response.status_code == 200, response.content
    return response.json()["data"]["verificationSubmit"]


def test_a_personal_verification_waits_for_review(gql, sms_outbox):
    register_and_login(gql, sms_outbox, PHONE)

    result = submit_personal(gql)

    assert result["errors"] == []
    verification = result["verification"]
    assert verification["status"] == "PENDING"
    assert verification["idNumber"] == valid_id_number()
    assert [r["action"] for r in verification["reviewHistory"]] == ["SUBMITTED"]


def test_a_bad_id_check_digit_is_refused_and_nothing_is_saved(gql, sms_outbox):
    register_and_login(gql, sms_outbox, PHONE)
    good = valid_id_number()
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")

    result = submit_personal(gql, idNumber=bad, name="  ")

    assert sorted(error_codes(result)) == ["ID_NUMBER_INVALID", "REQUIRED"]
    assert {e["field"] for e in result["errors"]} == {"idNumber", "name"}
    assert not Verification.objects.exists()


def test_an_institution_uploads_its_certificate_by_multipart(gql, sms_outbox):
    register_and_login(gql, sms_outbox, PHONE)

    result = submit_institution(gql)

    assert result["errors"] == []
    certificate = result["verification"]["certificate"]
    assert certificate["contentType"] == "application/pdf"
    assert certificate["name"] == "certificate.pdf"
    assert certificate["url"].startswith("http://testserver/files/")


def test_a_bad_credit_code_is_refused_and_nothing_is_stored(gql, sms_outbox):
    register_and_login(gql, sms_outbox, PHONE)
    good = valid_credit_code()
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")

    result = submit_institution(gql, creditCode=bad)

    assert error_codes(result) == ["CREDIT_CODE_INVALID"]
    assert not Verification.objects.exists()
    assert not PrivateFile.objects.exists()


def test_a_disguised_file_is_refused_by_its_content(gql, sms_outbox):
    register_and_login(gql, sms_outbox, PHONE)

    result = submit_institution(gql, certificate=disguised_exe())

    assert error_codes(result) == ["FILE_TYPE_NOT_ALLOWED"]
    assert result["errors"][0]["field"] == "certificate"
    assert not Verification.objects.exists()
    assert not PrivateFile.objects.exists()


def test_an_oversize_file_is_refused(gql, sms_outbox, settings):
    settings.FILE_UPLOAD_MAX_BYTES = 1024 * 1024
    register_and_login(gql, sms_outbox, PHONE)
    big = SimpleUploadedFile("big.pdf", PDF_BYTES + b"0" * (1024 * 1024), "application/pdf")

    result = submit_institution(gql, certificate=big)

    assert error_codes(result) == ["FILE_TOO_LARGE"]
    assert not PrivateFile.objects.exists()


def test_too_many_files_in_one_request_are_refused(gql, sms_outbox):
    register_and_login(gql, sms_outbox, PHONE)
    files = {f"input.extra{i}": png(f"p{i}.png") for i in range(6)}
    variables = {"input": {"kind": "PERSONAL", "name": "张三", "idNumber": valid_id_number()}}

    response = gql.upload(op.VERIFICATION_SUBMIT, variables, files)

    assert response.status_code == 400
    assert not Verification.objects.exists()


def test_rejection_then_correction_and_resubmission_keeps_history(gql, sms_outbox, signed_in_as):
    register_and_login(gql, sms_outbox, PHONE)
    verification_id = submit_personal(gql)["verification"]["id"]
    assert error_codes(submit_personal(gql)) == ["VERIFICATION_PENDING"]

    staff = signed_in_as(staff_user())
    rejected = staff(op.REVIEW_REJECT, {"id": verification_id, "reason": "姓名与身份证不一致"})
    assert rejected["data"]["reviewReject"]["errors"] == []
    assert sms_outbox[-1] == (
        PHONE,
        "【省技术产权交易市场】您提交的实名认证申请未通过审核，原因：姓名与身份证不一致。"
        "请修改后重新提交。",
    )

    mine = gql(op.MY_VERIFICATION)["data"]["me"]["verification"]
    assert mine["status"] == "REJECTED"
    assert mine["decisionReason"] == "姓名与身份证不一致"
    assert mine["reviewHistory"][-1]["actorName"] == "审核员甲"

    resubmitted = submit_personal(gql, name="张叁")
    assert resubmitted["errors"] == []
    assert resubmitted["verification"]["id"] == verification_id
    assert resubmitted["verification"]["status"] == "PENDING"
    assert [r["action"] for r in resubmitted["verification"]["reviewHistory"]] == [
        "SUBMITTED",
        "REJECTED",
        "SUBMITTED",
    ]
    assert ReviewRecord.objects.first().snapshot["name"] == "张三"

    approved = staff(op.REVIEW_APPROVE, {"id": verification_id})["data"]["reviewApprove"]
    assert approved["errors"] == []
    assert approved["subject"]["reviewStatus"] == "APPROVED"
    assert error_codes(submit_personal(gql)) == ["VERIFICATION_ALREADY_APPROVED"]


def test_approval_by_a_non_staff_user_is_forbidden_and_changes_nothing(gql, sms_outbox, make_gql):
    register_and_login(gql, sms_outbox, PHONE)
    verification_id = submit_personal(gql)["verification"]["id"]
    intruder = make_gql()
    with time_machine.travel(now() + timedelta(seconds=61)):
        register_and_login(intruder, sms_outbox, "13900000009")

    response = intruder(op.REVIEW_APPROVE, {"id": verification_id})

    assert response["data"] is None
    assert response["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert Verification.objects.get().status == "PENDING"
    assert ReviewRecord.objects.count() == 1


def test_a_staff_member_without_the_review_permission_is_forbidden(gql, sms_outbox, signed_in_as):
    from tests.factories import UserFactory

    register_and_login(gql, sms_outbox, PHONE)
    verification_id = submit_personal(gql)["verification"]["id"]
    clerk = signed_in_as(UserFactory(is_staff=True))

    response = clerk(op.REVIEW_APPROVE, {"id": verification_id})

    assert response["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert Verification.objects.get().status == "PENDING"


def test_a_decided_application_cannot_be_decided_again(gql, sms_outbox, signed_in_as):
    register_and_login(gql, sms_outbox, PHONE)
    verification_id = submit_personal(gql)["verification"]["id"]
    staff = signed_in_as(staff_user())
    staff(op.REVIEW_APPROVE, {"id": verification_id})

    again = staff(op.REVIEW_REJECT, {"id": verification_id, "reason": "x"})["data"]["reviewReject"]

    assert error_codes(again) == ["REVIEW_NOT_PENDING"]
    assert Verification.objects.get().status == "APPROVED"


def test_a_rejection_needs_a_reason(gql, sms_outbox, signed_in_as):
    register_and_login(gql, sms_outbox, PHONE)
    verification_id = submit_personal(gql)["verification"]["id"]
    staff = signed_in_as(staff_user())

    result = staff(op.REVIEW_REJECT, {"id": verification_id, "reason": "  "})["data"]

    assert error_codes(result["reviewReject"]) == ["REASON_REQUIRED"]
    assert Verification.objects.get().status == "PENDING"


def test_only_the_owner_and_staff_can_download_a_certificate(
    gql, sms_outbox, make_gql, signed_in_as
):
    register_and_login(gql, sms_outbox, PHONE)
    verification_id = submit_institution(gql)["verification"]["id"]
    url = gql(op.MY_VERIFICATION)["data"]["me"]["verification"]["certificate"]["url"]

    downloaded = Client().get(url)
    assert downloaded.status_code == 200
    assert b"".join(downloaded.streaming_content).startswith(b"%PDF-")
    assert downloaded["Content-Type"] == "application/pdf"

    stranger = make_gql()
    with time_machine.travel(now() + timedelta(seconds=61)):
        register_and_login(stranger, sms_outbox, "13900000009")
    node = stranger(
        "query($id: ID!) { node(id: $id) { ... on Verification { certificate { url } } } }",
        {"id": verification_id},
    )
    assert node["data"]["node"] is None

    staff = signed_in_as(staff_user())
    seen = staff(
        "query($id: ID!) { node(id: $id) { ... on Verification { certificate { url } } } }",
        {"id": verification_id},
    )
    assert seen["data"]["node"]["certificate"]["url"].startswith("http://testserver/files/")


def test_a_download_link_expires_and_cannot_be_forged(gql, sms_outbox, settings):
    register_and_login(gql, sms_outbox, PHONE)
    submit_institution(gql)
    url = gql(op.MY_VERIFICATION)["data"]["me"]["verification"]["certificate"]["url"]

    with time_machine.travel(now() + settings.FILE_URL_MAX_AGE + timedelta(seconds=1)):
        assert Client().get(url).status_code == 404
    assert Client().get(url[:-3] + "abc").status_code == 404
