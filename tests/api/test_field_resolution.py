"""The short resolution paths of schema/resolution.py give what the full path gives: a
column or relation not loaded falls back to the field's own resolver (which loads it),
node ids are the usual global ids, and querysets from resolvers are still optimized."""

import pytest
from strawberry import relay

from auctions.models import Lot
from schema import schema
from schema.resolution import Optimizer
from tests.factories import lot

pytestmark = pytest.mark.django_db


def _resolve(type_name: str, field_name: str):
    return schema._schema.type_map[type_name].fields[field_name].resolve


def test_the_optimizer_runs_as_no_middleware():
    assert not Optimizer._implements_resolve()


def test_a_deferred_column_and_an_unloaded_relation_fall_back_and_load():
    the_lot = Lot.objects.get(pk=lot().pk)
    bare = Lot.objects.only("id").get(pk=the_lot.pk)
    assert "start_price" not in bare.__dict__
    assert _resolve("Lot", "startPrice")(bare, None) == the_lot.start_price
    listing = _resolve("Lot", "listing")(
        Lot.objects.only("id", "listing_id").get(pk=the_lot.pk), None
    )
    assert listing.pk == the_lot.listing_id


def test_a_loaded_column_and_relation_are_read_off_the_instance():
    the_lot = Lot.objects.select_related("listing").get(pk=lot().pk)
    assert _resolve("Lot", "bidCount")(the_lot, None) == the_lot.bid_count
    assert _resolve("Lot", "listing")(the_lot, None) is the_lot.listing


def test_node_ids_are_the_relay_global_ids(gql):
    the_lot = lot()
    data = gql("{ lots(first: 1) { edges { node { id listing { id shop { id } } } } } }")
    node = data["data"]["lots"]["edges"][0]["node"]
    assert node["id"] == relay.to_base64("Lot", the_lot.pk)
    assert node["listing"]["id"] == relay.to_base64("Listing", the_lot.listing_id)
    assert node["listing"]["shop"]["id"] == relay.to_base64("Shop", the_lot.listing.shop_id)


def test_every_field_that_returns_objects_keeps_the_optimizer_hook():
    """Fields returning objects are the ones whose result can be a queryset: each one
    still goes through the hook (or reads a loaded relation, falling back to it)."""
    names = {"resolve_optimized", "resolve_relation"}
    for type_name in ("Query", "Lot", "Listing", "Shop", "Deal", "Registration"):
        for field_name, field in schema._schema.type_map[type_name].fields.items():
            named = field.type
            while hasattr(named, "of_type"):
                named = named.of_type
            if not hasattr(named, "fields") and not hasattr(named, "types"):
                continue  # a scalar or an enum
            assert field.resolve.__name__ in names, (type_name, field_name)


def test_a_blank_text_is_null_off_a_loaded_row_and_a_deferred_one_loads():
    the_lot = lot()
    listing = type(the_lot.listing).objects.get(pk=the_lot.listing_id)
    title = _resolve("Listing", "title")
    assert title(listing, None) == listing.title
    listing.title = ""
    assert title(listing, None) is None
    deferred = type(listing).objects.only("id").get(pk=listing.pk)
    assert title(deferred, None) == the_lot.listing.title
    field = _resolve("Listing", "field")(listing, None)
    assert field is not None and field.value == listing.field  # the enum, as before


def test_is_type_of_answers_for_rows_as_strawberry_django_does():
    from strawberry import cast

    from schema.auctions import LotType
    from schema.listings import ListingNode

    the_lot = lot()
    check = schema._schema.type_map["Lot"].is_type_of
    assert check(the_lot, None) is True
    assert check(the_lot.listing, None) is False
    assert check(cast(LotType, Lot.objects.get(pk=the_lot.pk)), None) is True
    assert check(cast(ListingNode, Lot.objects.get(pk=the_lot.pk)), None) is False
