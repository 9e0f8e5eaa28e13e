"""GraphQL over HTTP: the response media type, status codes, and GET for queries only."""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.test import Client

from tests.api import operations as op

pytestmark = pytest.mark.django_db

GRAPHQL_RESPONSE = "application/graphql-response+json"
REPO = Path(__file__).resolve().parents[2]


def post(query: str, variables: dict | None = None, accept: str = GRAPHQL_RESPONSE):
    return Client().post(
        "/graphql",
        data=json.dumps({"query": query, "variables": variables or {}}),
        content_type="application/json",
        headers={"Accept": accept},
    )


def test_a_client_accepting_graphql_response_json_gets_it():
    response = post("{ __typename }")

    assert response.status_code == 200
    assert response["Content-Type"] == f"{GRAPHQL_RESPONSE}; charset=utf-8"
    assert response.json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        ("{ __typename", None),  # parse failure
        ("{ noSuchField }", None),  # validation failure
        (op.SMS_CODE_SEND, {"input": {"phone": 13812345678, "purpose": "NO_SUCH"}}),  # coercion
    ],
    ids=["parse", "validation", "coercion"],
)
def test_a_request_refused_before_execution_is_a_400_with_no_data_entry(query, variables):
    response = post(query, variables)

    assert response.status_code == 400
    assert response["Content-Type"] == f"{GRAPHQL_RESPONSE}; charset=utf-8"
    body = response.json()
    assert "data" not in body
    assert body["errors"]


def test_with_plain_json_a_refused_document_is_still_a_200_with_data_null():
    response = post("{ noSuchField }", accept="application/json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json()["data"] is None


def test_an_error_while_executing_keeps_the_200_and_the_data_entry():
    response = post("{ verificationQueue(first: 1) { totalCount } }")

    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None
    assert [error["extensions"]["code"] for error in body["errors"]] == ["UNAUTHENTICATED"]


def test_a_query_may_be_sent_by_get():
    response = Client().get(
        "/graphql", {"query": "{ __typename }"}, headers={"Accept": GRAPHQL_RESPONSE}
    )

    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}


def test_a_mutation_sent_by_get_is_refused_with_405_and_not_run(sms_outbox):
    variables = {"input": {"phone": "13812345678", "purpose": "REGISTER"}}

    response = Client().get(
        "/graphql", {"query": op.SMS_CODE_SEND, "variables": json.dumps(variables)}
    )

    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert sms_outbox == []


def test_a_subscription_over_http_is_refused_it_is_for_the_websocket():
    by_get = Client().get("/graphql", {"query": "subscription { serverTime }"})
    by_post = post("subscription { serverTime }")

    assert (by_get.status_code, by_get.content) == (
        400,
        b"subscriptions are not allowed when using GET",
    )
    assert (by_post.status_code, by_post.content) == (
        400,
        b"subscriptions are not allowed when using POST",
    )


@pytest.mark.django_db(transaction=True)
def test_the_graphql_http_audit_passes_every_must_and_should(live_server_url):
    if not (shutil.which("node") and (REPO / "node_modules" / "graphql-http").is_dir()):
        message = "node or node_modules/graphql-http missing (make assets)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)

    audit = subprocess.run(
        ["node", "scripts/graphql-http-audit.mjs", f"{live_server_url}/graphql"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )

    summary = re.search(r"graphql-http audit: (.*)", audit.stdout)
    assert audit.returncode == 0, audit.stdout + audit.stderr
    counts = dict(re.findall(r"(MUST|SHOULD) (\d+/\d+)", summary.group(1)))
    assert counts == {"MUST": "13/13", "SHOULD": "23/23"}, audit.stdout
