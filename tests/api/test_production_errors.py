"""Case 12 of issue 9: the production profile suggests no fields and masks internals only."""

import pytest
from graphql import GraphQLError

import schema as api
from tests.factories import lot

pytestmark = pytest.mark.django_db


@pytest.fixture
def production(settings, monkeypatch):
    """The served schema with the production profile's extensions."""
    settings.GRAPHQL_MASK_ERRORS = True
    settings.GRAPHQL_FIELD_SUGGESTIONS = False
    settings.GRAPHQL_INTROSPECTION = False
    monkeypatch.setattr(api.schema, "extensions", api._extensions())


def test_no_field_suggestions_in_production(production, gql):
    result = gql("{ lots(first: 1) { edges { node { bid } } } }")

    assert [e["message"] for e in result["errors"]] == ["Cannot query field 'bid' on type 'Lot'."]


def test_suggestions_stay_in_development(gql):
    result = gql("{ lots(first: 1) { edges { node { bid } } } }")

    assert "Did you mean" in result["errors"][0]["message"]


def test_a_limit_error_keeps_its_message_and_code_when_errors_are_masked(production, gql):
    lot()
    query = "{ lots(first: 100) { edges { node { bids(first: 100) { totalCount } } } } }"

    (error,) = gql(query)["errors"]

    assert error["extensions"]["code"] == "QUERY_TOO_EXPENSIVE"
    assert "nodes" in error["message"]


def test_an_internal_error_is_still_masked_in_production(production, gql, monkeypatch):
    def broken(**kwargs):
        raise ZeroDivisionError("secret detail")

    monkeypatch.setattr("resolvers.auctions.lots_in_hall", broken)

    (error,) = gql("{ lots(first: 1) { totalCount } }")["errors"]

    assert error["message"] == "Unexpected error."
    assert "code" not in (error.get("extensions") or {})


def test_masking_keeps_coded_errors_and_hides_the_rest():
    internal = GraphQLError("boom", original_error=ZeroDivisionError("secret"))
    coded = GraphQLError(
        "first is over 100", original_error=ValueError("x"), extensions={"code": "BAD_USER_INPUT"}
    )

    assert api._should_mask(internal) is True
    assert api._should_mask(coded) is False
