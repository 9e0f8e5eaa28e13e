from datetime import timedelta

import pytest
import time_machine

from accounts.models import ApiToken, SmsCode, User
from accounts.services.auth import NOTICE_NOT_REGISTERED, NOTICE_REGISTERED
from kernel.clock import SHANGHAI, now
from tests.api import operations as op
from tests.api.helpers import error_codes, register_and_login
from tests.conftest import last_code
from tests.factories import UserFactory

PHONE = "13812345678"


def send_code(gql, phone=PHONE, purpose="REGISTER", **kwargs):
    return gql(op.SMS_CODE_SEND, {"input": {"phone": phone, "purpose": purpose}}, **kwargs)["data"][
        "smsCodeSend"
    ]


def register(gql, code, phone=PHONE, **extra):
    return gql(op.REGISTER, {"input": {"phone": phone, "code": code, **extra}})["data"]["register"]


def test_a_new_number_registers_with_its_sms_code_and_is_signed_in(gql, sms_outbox):
    sent = send_code(gql, "+86 138-1234-5678")
    assert sent == {
        "sentTo": "138****5678",
        "expiresInSeconds": 300,
        "resendAfterSeconds": 60,
        "errors": [],
    }
    assert sms_outbox[-1][0] == PHONE
    assert "验证码为" in sms_outbox[-1][1]

    result = register(gql, last_code(sms_outbox, PHONE), mode="TOKEN")

    assert result["errors"] == []
    assert result["user"]["phone"] == PHONE
    assert result["token"].startswith("pat_")
    gql.token = result["token"]
    assert gql(op.ME)["data"]["me"]["phone"] == PHONE


def test_the_code_is_stored_only_as_a_keyed_hash(gql, sms_outbox):
    send_code(gql)
    stored = SmsCode.objects.get(phone=PHONE)
    assert last_code(sms_outbox, PHONE) not in stored.code_hash
    assert len(stored.code_hash) == 64


@pytest.mark.parametrize("phone", ["12345678901", "1381234567", "23812345678", "abc", ""])
def test_an_invalid_phone_is_refused_and_nothing_is_sent(gql, sms_outbox, phone):
    sent = send_code(gql, phone)
    assert error_codes(sent) == ["INVALID_PHONE"]
    assert sent["errors"][0]["field"] == "phone"
    assert sms_outbox == []
    assert not SmsCode.objects.exists()


def test_a_wrong_code_is_refused_and_creates_no_user(gql, sms_outbox):
    send_code(gql)
    code = last_code(sms_outbox, PHONE)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"

    result = register(gql, wrong)

    assert error_codes(result) == ["SMS_CODE_INVALID"]
    assert result["user"] is None
    assert not User.objects.exists()
    assert SmsCode.objects.get().attempts == 1


def test_five_wrong_tries_burn_the_code_even_the_right_one_then_fails(gql, sms_outbox):
    send_code(gql)
    code = last_code(sms_outbox, PHONE)
    for _ in range(5):
        assert error_codes(register(gql, "000000" if code != "000000" else "111111")) == [
            "SMS_CODE_INVALID"
        ]

    assert error_codes(register(gql, code)) == ["SMS_CODE_TOO_MANY_ATTEMPTS"]
    assert not User.objects.exists()


def test_an_expired_code_is_refused(gql, sms_outbox):
    send_code(gql)
    code = last_code(sms_outbox, PHONE)
    with time_machine.travel(now() + timedelta(minutes=5, seconds=1)):
        result = register(gql, code)
    assert error_codes(result) == ["SMS_CODE_EXPIRED"]
    assert not User.objects.exists()


def test_a_code_works_once(gql, sms_outbox, make_gql):
    send_code(gql)
    code = last_code(sms_outbox, PHONE)
    assert register(gql, code)["errors"] == []
    user_count = User.objects.count()

    other = make_gql()
    result = other(op.LOGIN, {"input": {"phone": PHONE, "code": code}})["data"]["login"]

    assert error_codes(result) == ["SMS_CODE_INVALID"]
    assert User.objects.count() == user_count


def test_a_new_code_within_60_seconds_is_refused(gql, sms_outbox):
    send_code(gql)
    again = send_code(gql)
    assert error_codes(again) == ["SMS_CODE_TOO_SOON"]
    assert len(sms_outbox) == 1
    with time_machine.travel(now() + timedelta(seconds=61)):
        assert send_code(gql)["errors"] == []


def test_the_daily_cap_per_phone_holds(gql, settings):
    settings.SMS_CODE_DAILY_LIMIT_PER_PHONE = 3
    # mid-morning at the exchange: the seven minutes below stay within one day there
    start = now().astimezone(SHANGHAI).replace(hour=10, minute=0, second=0, microsecond=0)
    for minute in range(3):
        with time_machine.travel(start + timedelta(minutes=2 * minute)):
            assert send_code(gql)["errors"] == []
    with time_machine.travel(start + timedelta(minutes=7)):
        assert error_codes(send_code(gql)) == ["SMS_DAILY_LIMIT_REACHED"]
    assert SmsCode.objects.count() == 3


def test_the_daily_cap_per_client_address_holds(gql, settings):
    settings.SMS_CODE_DAILY_LIMIT_PER_ADDRESS = 2
    assert send_code(gql, "13800000001")["errors"] == []
    assert send_code(gql, "13800000002")["errors"] == []
    assert error_codes(send_code(gql, "13800000003")) == ["SMS_DAILY_LIMIT_REACHED"]


def test_a_register_code_for_a_known_number_answers_alike_and_tells_only_the_phone(gql, sms_outbox):
    UserFactory(phone=PHONE)
    known = send_code(gql)
    unknown = send_code(gql, "13800000077")

    assert known == {**unknown, "sentTo": known["sentTo"]} and known["errors"] == []
    assert sms_outbox[0] == (PHONE, NOTICE_REGISTERED)


def test_a_login_code_for_an_unknown_number_answers_alike_and_tells_only_the_phone(gql, sms_outbox):
    UserFactory(phone="13800000077")
    unknown = send_code(gql, purpose="LOGIN")
    known = send_code(gql, "13800000077", purpose="LOGIN")

    assert unknown == {**known, "sentTo": unknown["sentTo"]} and unknown["errors"] == []
    assert sms_outbox[0] == (PHONE, NOTICE_NOT_REGISTERED)


def test_login_with_an_sms_code(gql, sms_outbox):
    UserFactory(phone=PHONE)
    send_code(gql, purpose="LOGIN")
    result = gql(
        op.LOGIN,
        {"input": {"phone": PHONE, "code": last_code(sms_outbox, PHONE), "mode": "TOKEN"}},
    )["data"]["login"]
    assert result["errors"] == []
    gql.token = result["token"]
    assert gql(op.ME)["data"]["me"]["phone"] == PHONE


def test_login_with_a_password_and_a_wrong_one(gql):
    UserFactory(phone=PHONE, password="a-Strong-pass-123")
    wrong = gql(op.LOGIN, {"input": {"phone": PHONE, "password": "nope"}})["data"]["login"]
    assert error_codes(wrong) == ["INVALID_CREDENTIALS"]
    right = gql(op.LOGIN, {"input": {"phone": PHONE, "password": "a-Strong-pass-123"}})
    assert right["data"]["login"]["errors"] == []


def test_repeated_wrong_passwords_lock_password_login(gql, settings):
    settings.PASSWORD_LOGIN_MAX_FAILURES = 3
    UserFactory(phone=PHONE, password="a-Strong-pass-123")
    for _ in range(3):
        gql(op.LOGIN, {"input": {"phone": PHONE, "password": "nope"}})
    locked = gql(op.LOGIN, {"input": {"phone": PHONE, "password": "a-Strong-pass-123"}})
    assert error_codes(locked["data"]["login"]) == ["LOGIN_LOCKED"]


def test_session_login_sets_a_cookie_and_then_csrf_is_enforced(gql):
    UserFactory(phone=PHONE, password="a-Strong-pass-123")
    gql.fetch_csrf()
    login = gql(op.LOGIN, {"input": {"phone": PHONE, "password": "a-Strong-pass-123"}})
    assert login["data"]["login"]["token"] is None
    assert "sessionid" in gql.http.cookies

    assert gql(op.ME)["data"]["me"]["phone"] == PHONE  # X-CSRFToken sent by the client

    del gql.http.cookies["csrftoken"]
    refused = gql.raw(op.ME)
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["extensions"]["code"] == "CSRF_FAILED"


def test_a_bearer_token_needs_no_csrf_and_logout_revokes_it(gql, sms_outbox):
    register_and_login(gql, sms_outbox, PHONE)
    assert gql(op.ME)["data"]["me"]["phone"] == PHONE

    assert gql(op.LOGOUT)["data"]["logout"]["errors"] == []

    assert_token_refused(gql.raw(op.ME))
    assert ApiToken.objects.get().revoked_at is not None


def assert_token_refused(response) -> None:
    """Not anonymous: the client must learn that its token no longer signs it in."""
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"] == {
        "code": "UNAUTHENTICATED",
        "reason": "INVALID_TOKEN",
    }


def test_an_expired_token_is_refused(gql, sms_outbox, settings):
    register_and_login(gql, sms_outbox, PHONE)
    with time_machine.travel(now() + settings.API_TOKEN_LIFETIME + timedelta(seconds=1)):
        assert_token_refused(gql.raw(op.ME))


def test_a_token_can_be_revoked_by_id_but_not_someone_elses(gql, sms_outbox, make_gql):
    register_and_login(gql, sms_outbox, PHONE)
    token_id = gql(op.ME)["data"]["me"]["tokens"]["edges"][0]["node"]["id"]
    other = make_gql()
    with time_machine.travel(now() + timedelta(seconds=61)):
        register_and_login(other, sms_outbox, "13900000009")
    stolen = other(op.TOKEN_REVOKE, {"input": {"id": token_id}})["data"]["tokenRevoke"]
    assert error_codes(stolen) == ["TOKEN_NOT_FOUND"]
    assert gql(op.ME)["data"]["me"]["phone"] == PHONE

    own = gql(op.TOKEN_REVOKE, {"input": {"id": token_id}})["data"]["tokenRevoke"]
    assert own["errors"] == [] and own["token"]["revokedAt"]
    assert_token_refused(gql.raw(op.ME))


def test_password_set_then_change_needs_the_current_one(gql, sms_outbox):
    register_and_login(gql, sms_outbox, PHONE)
    first = gql(op.PASSWORD_SET, {"input": {"password": "Tech-market-2026"}})
    assert first["data"]["passwordSet"] == {"user": {"hasPassword": True}, "errors": []}

    weak = gql(
        op.PASSWORD_SET, {"input": {"password": "123", "currentPassword": "Tech-market-2026"}}
    )
    assert error_codes(weak["data"]["passwordSet"]) == ["PASSWORD_INVALID"]
    no_current = gql(op.PASSWORD_SET, {"input": {"password": "Another-pass-2026"}})
    assert error_codes(no_current["data"]["passwordSet"]) == ["CURRENT_PASSWORD_WRONG"]
    assert User.objects.get(phone=PHONE).check_password("Tech-market-2026")


def test_messages_are_chinese_by_default_and_english_on_request(gql):
    chinese = send_code(gql, "1")["errors"][0]["message"]
    english = send_code(gql, "1", headers={"Accept-Language": "en"})["errors"][0]["message"]
    assert english == "Enter a valid mainland China mobile number."
    assert chinese != english
    assert any("\u4e00" <= ch <= "\u9fff" for ch in chinese)


def test_a_signed_in_only_mutation_says_unauthenticated(gql):
    response = gql(op.LOGOUT)
    assert response["data"] is None
    assert response["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_behind_a_load_balancer_the_address_cap_is_per_client_not_per_balancer(gql, settings):
    settings.SMS_CODE_DAILY_LIMIT_PER_ADDRESS = 2
    settings.TRUSTED_PROXY_HOPS = 1
    gql.http.defaults["REMOTE_ADDR"] = "10.0.0.5"  # every request comes through the balancer

    for index in range(2):
        forwarded = {"X-Forwarded-For": "203.0.113.7"}
        assert send_code(gql, f"1380000000{index}", headers=forwarded)["errors"] == []
    spoofed = {"X-Forwarded-For": "6.6.6.6, 203.0.113.7"}
    other = {"X-Forwarded-For": "198.51.100.1"}

    assert error_codes(send_code(gql, "13800000003", headers=spoofed)) == [
        "SMS_DAILY_LIMIT_REACHED"
    ]
    assert send_code(gql, "13800000004", headers=other)["errors"] == []
    assert set(SmsCode.objects.values_list("client_address", flat=True)) == {
        "203.0.113.7",
        "198.51.100.1",
    }
