"""Top-level errors carry a stable extensions.code; messages follow Accept-Language."""

import pytest

from tests.api import operations as op
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PHONE = "13812345678"
LISTINGS = "query($status: ListingStatus) { myListings(status: $status) { totalCount } }"


def codes(response: dict) -> list[str]:
    return [error["extensions"]["code"] for error in response["errors"]]


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("{ listings(first: 10) { totalCount }", "GRAPHQL_PARSE_FAILED"),
        ("{ noSuchField }", "GRAPHQL_VALIDATION_FAILED"),
        ("{ listings(filter: {field: NOPE}) { totalCount } }", "GRAPHQL_VALIDATION_FAILED"),
        ('{ listings(first: "ten") { totalCount } }', "GRAPHQL_VALIDATION_FAILED"),
        ("{ listings(first: 1000) { totalCount } }", "BAD_USER_INPUT"),
        ("{ listings(first: -1) { totalCount } }", "BAD_USER_INPUT"),
        ('{ listings(after: "garbage") { totalCount } }', "BAD_USER_INPUT"),
        ('{ node(id: "garbage") { id } }', "BAD_USER_INPUT"),
    ],
    ids=[
        "syntax",
        "unknown-field",
        "enum-literal",
        "int-literal",
        "first-too-high",
        "first-negative",
        "cursor",
        "global-id",
    ],
)
def test_a_document_or_argument_the_api_cannot_use_has_a_code(gql, query, code):
    assert codes(gql(query)) == [code]


def test_a_variable_that_does_not_coerce_is_bad_user_input(gql):
    gql.http.force_login(UserFactory(phone=PHONE))
    gql.fetch_csrf()

    response = gql(LISTINGS, {"status": "NO_SUCH_STATUS"})

    assert response["data"] is None
    assert codes(response) == ["BAD_USER_INPUT"]


def test_a_bad_cursor_says_so_in_the_request_language(gql):
    chinese = gql('{ listings(after: "garbage") { totalCount } }')
    english = gql(
        '{ listings(after: "garbage") { totalCount } }', headers={"Accept-Language": "en"}
    )

    assert chinese["errors"][0]["message"] == "游标无效：请使用接口返回的游标。"
    assert english["errors"][0]["message"] == "This cursor is not valid: use one the API returned."


def test_a_field_error_the_caller_did_not_cause_gets_no_input_code(gql):
    response = gql("{ verificationQueue(first: 1) { totalCount } }")

    assert codes(response) == ["UNAUTHENTICATED"]


@pytest.mark.parametrize(
    ("language", "sign_in", "staff_only"),
    [(None, "请先登录。", "仅限工作人员。"), ("en", "Sign in first.", "Staff only.")],
)
def test_sign_in_and_staff_only_follow_accept_language(gql, language, sign_in, staff_only):
    headers = {"Accept-Language": language} if language else {}
    anonymous = gql("{ verificationQueue(first: 1) { totalCount } }", headers=headers)
    gql.http.force_login(UserFactory(phone=PHONE))
    gql.fetch_csrf()
    not_staff = gql("{ verificationQueue(first: 1) { totalCount } }", headers=headers)

    assert [e["message"] for e in anonymous["errors"]] == [sign_in]
    assert [e["message"] for e in not_staff["errors"]] == [staff_only]
    assert codes(not_staff) == ["FORBIDDEN"]


@pytest.mark.parametrize(
    "token", ["pat_forged", "not-even-our-format"], ids=["unknown", "malformed"]
)
def test_a_bearer_token_that_is_not_valid_is_refused_not_anonymous(gql, token):
    gql.token = token

    response = gql.raw(op.ME)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    assert response.json() == {
        "errors": [
            {
                "message": "登录已过期或无效，请重新登录。",
                "extensions": {"code": "UNAUTHENTICATED", "reason": "INVALID_TOKEN"},
            }
        ]
    }


def test_the_invalid_token_refusal_is_in_english_when_asked(gql):
    gql.token = "pat_forged"

    response = gql.raw(op.ME, headers={"Accept-Language": "en"})

    message = response.json()["errors"][0]["message"]
    assert message == "Your sign-in has expired or is not valid: sign in again."


def test_the_csrf_refusal_follows_accept_language(gql):
    gql.http.force_login(UserFactory(phone=PHONE))
    del gql.http.cookies["csrftoken"]  # a cross-site page cannot send it

    chinese = gql.raw(op.ME)
    english = gql.raw(op.ME, headers={"Accept-Language": "en"})

    assert (chinese.status_code, english.status_code) == (403, 403)
    assert chinese.json()["errors"][0] == {
        "message": "CSRF 校验未通过：请在请求头 X-CSRFToken 中发送 Cookie csrftoken 的值。",
        "extensions": {"code": "CSRF_FAILED"},
    }
    assert english.json()["errors"][0]["message"].startswith("CSRF check failed")
