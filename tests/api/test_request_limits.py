"""Cases 10, 11 and 13 of issue 9: malformed or oversize bodies are client errors, refused
before they cost, and stored files are named after their detected type."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.models import Verification
from files.models import PrivateFile
from tests.api import operations as op
from tests.api.helpers import register_and_login
from tests.api.test_verification import submit_institution
from tests.factories import PDF_BYTES

pytestmark = pytest.mark.django_db

PHONE = "13800138000"


def codes(response) -> list[str]:
    return [error["extensions"]["code"] for error in response.json()["errors"]]


def multipart(gql, operations, file_map, files=None):
    data = {"operations": json.dumps(operations), "map": json.dumps(file_map), **(files or {})}
    return gql.http.post("/graphql", data=data, headers=gql._headers(None))


def submit() -> dict:
    return {
        "query": op.VERIFICATION_SUBMIT,
        "variables": {"input": {"kind": "INSTITUTION", "name": "x", "certificate": None}},
    }


@pytest.mark.parametrize(
    "file_map",
    [
        {"0": ["variables.input.certificate.deeper"]},  # through a null
        ["variables.input.certificate"],  # a list, not an object
        {"0": "variables.input.certificate"},  # a path, not a list of paths
        {"0": ["query"]},  # outside the variables
        {"9": ["variables.input.certificate"]},  # a file that was not sent
    ],
)
def test_a_malformed_map_is_a_400_graphql_error(gql, sms_outbox, file_map):
    register_and_login(gql, sms_outbox, PHONE)
    files = {"0": SimpleUploadedFile("a.pdf", PDF_BYTES, content_type="application/pdf")}

    response = multipart(gql, submit(), file_map, files)

    assert response.status_code == 400
    assert codes(response) == ["BAD_REQUEST"]
    assert not Verification.objects.exists()


def test_a_map_over_the_path_cap_is_refused(gql, sms_outbox, settings):
    register_and_login(gql, sms_outbox, PHONE)
    file_map = {"0": [f"variables.input.p{i}" for i in range(50_000)]}

    response = multipart(gql, submit(), file_map)

    assert response.status_code == 400
    assert codes(response) == ["BAD_REQUEST"]


@pytest.mark.parametrize("body", ["[1, 2]", '"query"', "null", "{not json"])
def test_a_body_that_is_not_a_json_object_is_a_400_graphql_error(db, body):
    response = Client().post("/graphql", data=body, content_type="application/json")

    assert response.status_code == 400
    assert codes(response) == ["BAD_REQUEST"]


def test_variables_nested_5000_deep_are_a_400_graphql_error(db):
    nested = "[" * 5000 + "]" * 5000
    body = '{"query": "{ me { id } }", "variables": {"a": ' + nested + "}}"

    response = Client().post("/graphql", data=body, content_type="application/json")

    assert response.status_code == 400
    assert codes(response) == ["BAD_REQUEST"]


def test_an_anonymous_body_over_its_cap_is_refused_before_it_is_read(db, settings):
    settings.GRAPHQL_MAX_ANONYMOUS_BODY_BYTES = 1024
    body = json.dumps({"query": "{ me { id } }", "variables": {"pad": "x" * 4096}})

    response = Client().post("/graphql", data=body, content_type="application/json")

    assert response.status_code == 413
    assert codes(response) == ["REQUEST_TOO_LARGE"]


def test_a_polyglot_named_html_is_stored_and_served_as_a_pdf(gql, sms_outbox):
    register_and_login(gql, sms_outbox, PHONE)
    polyglot = SimpleUploadedFile(
        "../../evil.html", b"%PDF-1.4\n<script>alert(1)</script>\n%%EOF\n", "text/html"
    )

    result = submit_institution(gql, certificate=polyglot)

    assert result["errors"] == []
    certificate = result["verification"]["certificate"]
    assert (certificate["name"], certificate["contentType"]) == ("evil.pdf", "application/pdf")
    assert PrivateFile.objects.get().stored_name.endswith(".pdf")
    served = Client().get(certificate["url"])
    assert served["Content-Type"] == "application/pdf"
    assert "evil.pdf" in served["Content-Disposition"]
    assert ".html" not in served["Content-Disposition"]
