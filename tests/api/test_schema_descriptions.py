"""Every element of the schema is described: types, fields, arguments, input fields and
enum values (what a client's IDE and generated code show); every enum a user sees has a
label for each value, Chinese and English (schema/labels.py)."""

import re

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
)

from schema import schema
from schema.labels import english_labels, labelled_enums, value_labels

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")

BUILT_IN = {"String", "Int", "Float", "Boolean", "ID"}

# The live events and subscription arguments, defined in subscriptions/*, which the
# live-path rewrite owns: describe them there, then delete them here (the test fails when
# one of these gets a description, so the list only shrinks).


def elements():
    """(name, description) of every type, field, argument, input field and enum value."""
    for name, type_ in schema._schema.type_map.items():
        if name.startswith("__") or name in BUILT_IN:
            continue
        yield name, type_.description
        if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in type_.fields.items():
                yield f"{name}.{field_name}", field.description
                for arg_name, arg in field.args.items():
                    yield f"{name}.{field_name}({arg_name})", arg.description
        elif isinstance(type_, GraphQLInputObjectType):
            for field_name, field in type_.fields.items():
                yield f"{name}.{field_name}", field.description
        elif isinstance(type_, GraphQLEnumType):
            for value_name, value in type_.values.items():
                yield f"{name}.{value_name}", value.description


def test_every_type_field_argument_input_field_and_enum_value_is_described():
    undescribed = {name for name, description in elements() if not (description or "").strip()}

    assert sorted(undescribed) == []


def test_the_count_covers_every_kind_of_element():
    names = [name for name, _ in elements()]

    assert "Listing.title" in names  # a field
    assert "Query.lots(phase)" in names  # an argument
    assert "ListingFormInput.startPrice" in names  # an input field
    assert "ListingStatus.LISTED" in names  # an enum value
    assert len(names) > 1000


def test_an_enum_of_django_choices_is_described_by_its_chinese_labels():
    values = schema._schema.type_map["ListingStatus"].values

    assert values["LISTED"].description == "已上架"
    assert values["UNSOLD"].description == "流拍"


def test_an_error_code_is_described_by_its_message():
    values = schema._schema.type_map["ErrorCode"].values

    assert values["TOKEN_NOT_FOUND"].description == "No such token of yours."
    assert all(value.description for value in values.values())


def test_every_user_facing_enum_value_has_a_chinese_and_an_english_label():
    missing = []
    for name, enum_type in labelled_enums(schema._schema).items():
        chinese = value_labels(enum_type)
        english = english_labels(enum_type)
        for value in enum_type.values:
            if not chinese[value] or not CJK.search(chinese[value]):
                missing.append(f"{name}.{value} (Chinese: a TextChoices label)")
            if not english[value] or CJK.search(english[value]):
                missing.append(f"{name}.{value} (English: platform/locale/en)")

    assert missing == []


def test_only_error_codes_and_the_auth_mode_go_without_labels():
    enums = {
        name
        for name, type_ in schema._schema.type_map.items()
        if isinstance(type_, GraphQLEnumType) and not name.startswith("__")
    }

    assert enums - set(labelled_enums(schema._schema)) == {"ErrorCode", "AuthMode"}
    assert {"LotPhase", "DealStatus", "TechField", "DealStepKind"} <= enums
