""" "Not yet" is null in the API, never "": text the models store blank for "not yet" or
"not applicable" is nullable in the schema and resolved as null."""

from decimal import Decimal

import pytest
from django.db import models
from strawberry.types.base import StrawberryOptional
from strawberry_django.fields.field import StrawberryDjangoField

from schema import schema
from tests.api.helpers import gid
from tests.factories import ListingFactory, bidder, lot

# Blank in the database only inside the transaction that fills it in.
NEVER_BLANK_TO_READERS = {("Deal", "serial")}


def _blank_text_fields():
    for name, graphql_type in schema.schema_converter.type_map.items():
        definition = graphql_type.definition
        django = getattr(
            getattr(definition, "origin", None), "__strawberry_django_definition__", None
        )
        if django is None or getattr(django, "model", None) is None:
            continue
        for field in getattr(definition, "fields", []):
            if not isinstance(field, StrawberryDjangoField):
                continue
            try:
                model_field = django.model._meta.get_field(field.django_name or field.python_name)
            except Exception:  # a computed field
                continue
            if isinstance(model_field, models.CharField | models.TextField) and model_field.blank:
                yield name, field


def test_every_blank_text_field_is_nullable_and_resolved_as_null():
    offenders = [
        f"{type_name}.{field.python_name}"
        for type_name, field in _blank_text_fields()
        if (type_name, field.python_name) not in NEVER_BLANK_TO_READERS
        and not (isinstance(field.type, StrawberryOptional) and field.base_resolver)
    ]
    assert offenders == []


@pytest.mark.django_db
def test_a_lot_that_has_not_ended_has_a_null_result_in_the_hall(gql):
    lot(phase="NOTICE")

    result = gql("{ lots(phase: NOTICE, first: 1) { edges { node { id phase result } } } }")

    assert "errors" not in result
    (edge,) = result["data"]["lots"]["edges"]
    assert (edge["node"]["phase"], edge["node"]["result"]) == ("NOTICE", None)
    by_node = gql(
        "query($id: ID!) { node(id: $id) { ... on Lot { result } } }", {"id": edge["node"]["id"]}
    )
    assert by_node == {"data": {"node": {"result": None}}}


@pytest.mark.django_db
def test_a_pending_registration_has_no_bidder_number_and_no_reason(signed_in_as):
    the_lot = lot(start_price=Decimal("100000.00"))
    user = bidder(the_lot, approved=False)

    result = signed_in_as(user)(
        "{ myRegistrations(first: 5) { edges { node { status bidderNumber decisionReason } } } }"
    )

    assert result["data"]["myRegistrations"]["edges"] == [
        {"node": {"status": "PENDING", "bidderNumber": None, "decisionReason": None}}
    ]


@pytest.mark.django_db
def test_an_unfinished_draft_shows_null_not_empty_text(signed_in_as):
    draft = ListingFactory(status="DRAFT", title="", description="", field="", transaction_type="")

    result = signed_in_as(draft.shop.identity.user)(
        "query($id: ID!) { node(id: $id) { ... on Listing { title description field "
        "transactionType decisionReason } } }",
        {"id": gid("Listing", draft.pk)},
    )

    assert result == {
        "data": {
            "node": {
                "title": None,
                "description": None,
                "field": None,
                "transactionType": None,
                "decisionReason": None,
            }
        }
    }
