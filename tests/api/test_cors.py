"""CORS: a single-page app on an allowed origin may call /graphql with the session cookie."""

import json

import pytest
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

APP = "http://localhost:5173"
OTHER = "https://evil.example"
ME = json.dumps({"query": "{ me { phone } }"})


@pytest.fixture(autouse=True)
def _allowed_origins(settings):
    settings.CORS_ALLOWED_ORIGINS = [APP]


def preflight(origin: str):
    return Client().options(
        "/graphql",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, x-csrftoken, authorization",
        },
    )


def signed_in_browser() -> Client:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(UserFactory(phone="13812345678"))
    return browser


def csrf_token_for(browser: Client, origin: str) -> str:
    """What a page on ``origin`` can learn of the token: it cannot read the API's cookies."""
    response = browser.get("/graphql", headers={"Origin": origin, "Accept": "text/html"})
    exposed = response.get("Access-Control-Expose-Headers", "").lower().split(", ")
    return response["X-CSRFToken"] if "x-csrftoken" in exposed else ""


def post_me(browser: Client, origin: str, token: str | None = None):
    token = csrf_token_for(browser, origin) if token is None else token
    return browser.post(
        "/graphql",
        data=ME,
        content_type="application/json",
        headers={"Origin": origin, "X-CSRFToken": token},
    )


def test_a_preflight_from_an_allowed_origin_allows_credentials_and_the_api_headers():
    response = preflight(APP)

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == APP
    assert response["Access-Control-Allow-Credentials"] == "true"
    assert "POST" in response["Access-Control-Allow-Methods"]
    allowed = response["Access-Control-Allow-Headers"].split(", ")
    assert {"content-type", "x-csrftoken", "authorization"} <= set(allowed)


def test_a_preflight_from_another_origin_gets_no_cors_headers():
    response = preflight(OTHER)

    assert not any(name.lower().startswith("access-control-") for name in response.headers)


def test_a_credentialed_request_from_an_allowed_origin_is_answered_for_the_session_user():
    response = post_me(signed_in_browser(), APP)

    assert response.status_code == 200
    assert response.json() == {"data": {"me": {"phone": "13812345678"}}}
    assert response["Access-Control-Allow-Origin"] == APP
    assert response["Access-Control-Allow-Credentials"] == "true"


def test_another_origin_cannot_read_the_csrf_token():
    assert csrf_token_for(signed_in_browser(), OTHER) == ""


def test_a_credentialed_request_from_another_origin_is_refused_by_the_csrf_check():
    browser = signed_in_browser()
    stolen = csrf_token_for(browser, APP)  # even holding a valid token

    response = post_me(browser, OTHER, token=stolen)

    assert response.status_code == 403
    assert response.json()["errors"][0]["extensions"]["code"] == "CSRF_FAILED"
    assert "Access-Control-Allow-Origin" not in response


def test_no_origin_is_allowed_when_none_is_configured(settings):
    settings.CORS_ALLOWED_ORIGINS = []

    assert "Access-Control-Allow-Origin" not in preflight(APP)
    assert post_me(signed_in_browser(), APP).status_code == 403
