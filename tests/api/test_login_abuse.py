"""Cases 6, 7 and 8 of issue 9: one lockout for the admin and the API, no enumeration of
registered numbers, throttles per address, and no login CSRF."""

import json

import pytest
from django.test import Client

from accounts.models import SmsCode
from tests.api import operations as op
from tests.api.helpers import error_codes
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-Strong-pass-123"


def admin_login(client: Client, phone: str, password: str):
    return client.post("/admin/login/", {"username": phone, "password": password})


def login(gql, phone, **credentials):
    variables = {"input": {"phone": phone, "mode": "TOKEN", **credentials}}
    return gql(op.LOGIN, variables)["data"]["login"]


def test_fifteen_wrong_admin_passwords_lock_the_admin_login(db):
    UserFactory(phone="13700000001", is_staff=True, is_superuser=True, password=PASSWORD)
    client = Client()
    for _ in range(15):
        assert admin_login(client, "13700000001", "wrong").status_code == 200

    right = admin_login(client, "13700000001", PASSWORD)

    assert right.status_code == 200  # the form again, not the redirect to the index
    assert "_auth_user_id" not in client.session


def test_admin_failures_lock_the_graphql_login_too(gql):
    UserFactory(phone="13700000001", is_staff=True, password=PASSWORD)
    for _ in range(10):
        admin_login(Client(), "13700000001", "wrong")

    assert error_codes(login(gql, "13700000001", password=PASSWORD)) == ["LOGIN_LOCKED"]


def test_the_admin_login_still_works_with_the_right_password(db):
    UserFactory(phone="13700000001", is_staff=True, is_superuser=True, password=PASSWORD)
    client = Client()

    assert admin_login(client, "13700000001", PASSWORD).status_code == 302
    assert "_auth_user_id" in client.session


def test_login_with_a_code_answers_alike_for_registered_and_unregistered_numbers(gql):
    UserFactory(phone="13800000001")

    registered = login(gql, "13800000001", code="123456")
    unregistered = login(gql, "13800000002", code="123456")

    assert error_codes(registered) == error_codes(unregistered) == ["SMS_CODE_INVALID"]


def test_register_answers_alike_for_registered_and_unregistered_numbers(gql):
    UserFactory(phone="13800000001")

    answers = [
        gql(op.REGISTER, {"input": {"phone": phone, "code": "123456", "mode": "TOKEN"}})["data"][
            "register"
        ]
        for phone in ("13800000001", "13800000002")
    ]

    assert [error_codes(answer) for answer in answers] == [["SMS_CODE_INVALID"]] * 2


def test_code_probes_from_one_address_are_throttled(gql, settings):
    settings.CODE_FAILURES_PER_ADDRESS = 30

    answers = [error_codes(login(gql, f"1380000{index:04d}", code="000000")) for index in range(40)]

    assert answers[:30] == [["SMS_CODE_INVALID"]] * 30
    assert answers[30:] == [["TOO_MANY_ATTEMPTS"]] * 10


def test_one_password_against_many_phones_from_one_address_is_throttled(gql, settings):
    settings.PASSWORD_LOGIN_MAX_FAILURES_PER_ADDRESS = 30
    UserFactory(phone="13800009999", password=PASSWORD)

    answers = [
        error_codes(login(gql, f"1380000{index:04d}", password="Spring2026!"))
        for index in range(40)
    ]

    assert answers[:30] == [["INVALID_CREDENTIALS"]] * 30
    assert answers[30:] == [["LOGIN_LOCKED"]] * 10
    # the lock is per address: the owner elsewhere still signs in
    other = type(gql)()
    other.http.defaults["REMOTE_ADDR"] = "198.51.100.1"
    assert login(other, "13800009999", password=PASSWORD)["errors"] == []


def test_sms_code_probes_count_against_the_address_cap(gql, settings):
    settings.SMS_CODE_DAILY_LIMIT_PER_ADDRESS = 5
    UserFactory(phone="13800000001")
    send = op.SMS_CODE_SEND

    answers = [
        error_codes(
            gql(send, {"input": {"phone": f"1380000000{i}", "purpose": "REGISTER"}})["data"][
                "smsCodeSend"
            ]
        )
        for i in range(1, 8)
    ]

    assert answers == [[]] * 5 + [["SMS_DAILY_LIMIT_REACHED"]] * 2
    assert SmsCode.objects.count() == 5


def test_a_cross_site_session_login_without_the_csrf_token_is_refused(db):
    UserFactory(phone="13800000001", password=PASSWORD)
    browser = Client(enforce_csrf_checks=True)  # no CSRF cookie or header: another site's form
    operations = {
        "query": op.LOGIN,
        "variables": {"input": {"phone": "13800000001", "password": PASSWORD, "mode": "SESSION"}},
    }

    response = browser.post(
        "/graphql",
        {"operations": json.dumps(operations), "map": "{}"},
        HTTP_ORIGIN="https://evil.example",
    )

    body = response.json()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["CSRF_FAILED"]
    assert "sessionid" not in response.cookies


def test_a_session_signed_in_before_the_shared_lockout_still_resolves(db):
    from tests.conftest import GraphQLClient

    user = UserFactory(phone="13800000001", password=PASSWORD)
    client = GraphQLClient()
    client.http.force_login(user, backend="django.contrib.auth.backends.ModelBackend")

    assert client(op.ME)["data"]["me"]["phone"] == "13800000001"
