"""Labels: the words a client shows for an enum value (issue 10).

One source: every user-facing enum of the schema is a Django ``TextChoices`` whose label is
the exchange's Chinese word for the value (``LotPhase.BIDDING``: 竞价中), the same label the
admin, the xlsx templates and the enum value's description use. English comes from the
``en`` catalog (``platform/locale/en``), keyed by the Chinese label with the GraphQL enum's
name as context (``pgettext("LotPhase", "竞价中")`` is "Bidding"), so a word shared by two
enums may be translated apart.

Clients read them with the ``enumLabels`` query; ``tests/api/test_schema_descriptions.py``
fails when a user-facing enum has a value without a Chinese or an English label.
"""

import strawberry
from django.db.models import Choices
from django.utils import translation
from django.utils.translation import gettext, pgettext
from graphql import GraphQLEnumType, GraphQLError, GraphQLSchema

# Enums no user reads: what each is shown as instead.
UNLABELLED = {
    "ErrorCode": "an error is shown by its message, already localized",
    "AuthMode": "how a client signs in (session cookie or token), a developer's choice",
}


def enum_choices(enum_type: GraphQLEnumType) -> type[Choices] | None:
    """The Django choices an enum of the schema was made from, if any."""
    definition = enum_type.extensions.get("strawberry-definition")
    wrapped = getattr(definition, "wrapped_cls", None)
    return wrapped if isinstance(wrapped, type) and issubclass(wrapped, Choices) else None


def labelled_enums(schema: GraphQLSchema) -> dict[str, GraphQLEnumType]:
    """Every enum of the schema a user may see, by name."""
    return {
        name: type_
        for name, type_ in sorted(schema.type_map.items())
        if isinstance(type_, GraphQLEnumType)
        and not name.startswith("__")
        and name not in UNLABELLED
    }


def enum_label(enum_name: str, member: Choices) -> str:
    """The label of ``member`` of the GraphQL enum ``enum_name`` in the active language."""
    return pgettext(enum_name, str(member.label))


def value_labels(enum_type: GraphQLEnumType) -> dict[str, str | None]:
    """Each value's label in the active language; None for a value with no choice label."""
    choices = enum_choices(enum_type)
    return {
        name: enum_label(enum_type.name, choices[name])
        if choices is not None and name in choices.names
        else None
        for name in enum_type.values
    }


def english_labels(enum_type: GraphQLEnumType) -> dict[str, str | None]:
    """Each value's English label; None where the ``en`` catalog has none."""
    chinese = value_labels(enum_type)
    with translation.override("en"):
        english = value_labels(enum_type)
    return {
        name: english[name] if english[name] and english[name] != chinese[name] else None
        for name in enum_type.values
    }


@strawberry.type(name="EnumValueLabel", description="One value of an enum and its label.")
class EnumValueLabel:
    value: str = strawberry.field(
        description="The value as the schema spells it (for LotPhase: BIDDING)."
    )
    label: str = strawberry.field(
        description="What to show for it: Chinese (竞价中), English with `Accept-Language: en`."
    )


@strawberry.type(name="EnumLabels", description="The labels of one enum's values.")
class EnumLabels:
    enum: str = strawberry.field(description="The enum's name in the schema (LotPhase).")
    values: list[EnumValueLabel] = strawberry.field(
        description="Every value, in the schema's order."
    )


def enum_labels(schema: GraphQLSchema, names: list[str] | None) -> list[EnumLabels]:
    """The labels of the enums ``names`` (every user-facing enum for None), by name."""
    enums = labelled_enums(schema)
    unknown = [name for name in names or () if name not in enums]
    if unknown:
        raise GraphQLError(
            gettext("No labels for these names (not an enum of the schema): {names}.").format(
                names=", ".join(unknown)
            ),
            extensions={"code": "BAD_USER_INPUT"},
        )
    wanted = list(dict.fromkeys(names)) if names is not None else list(enums)
    return [
        EnumLabels(
            enum=name,
            values=[
                EnumValueLabel(value=value, label=label)
                for value, label in value_labels(enums[name]).items()
            ],
        )
        for name in wanted
    ]
