"""The same document is validated once (schema/documents.py): the depth and alias limits
do not defeat the validation cache (it was 22-32% of a bid's CPU)."""

import pytest

import schema.documents
from tests.api.helpers import counting


def _validations_counted(monkeypatch) -> list:
    """The validations run from now on (none kept from before)."""
    schema.documents.VALIDATIONS.clear()
    return counting(monkeypatch, schema.documents, "validate_document")


@pytest.mark.django_db
def test_the_same_document_is_validated_once(gql, monkeypatch):
    calls = _validations_counted(monkeypatch)
    query = "{ lots(first: 1) { totalCount } __typename }"
    for _ in range(4):
        assert "errors" not in gql(query)
    assert len(calls) == 1


@pytest.mark.django_db
def test_an_invalid_document_is_refused_every_time_from_one_validation(gql, monkeypatch):
    calls = _validations_counted(monkeypatch)
    bad = "{ lots(first: 1) { edges { node { noSuchField } } } }"
    for _ in range(3):
        assert gql(bad)["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert len(calls) == 1


@pytest.mark.django_db
def test_the_depth_limit_still_refuses_a_deep_document(gql, settings):
    deep = "{ me { shop: identities { shop { identity { shop { identity { shop { identity "
    deep += "{ shop { identity { shop { name } } } } } } } } } } } }"

    result = gql(deep)

    assert "exceeds maximum operation depth" in result["errors"][0]["message"]
