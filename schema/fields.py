"""Model fields that store "" for "not yet" or "not applicable" (Django's convention for
text) are null in the API, never "": a client tests for null, and an enum field never
fails on ""."""

from enum import Enum

import strawberry_django


def blank_as_null(name: str, kind: type = str, *, description: str | None = None):
    """A nullable field for the model's text field ``name``: its value (as ``kind``, an
    enum or str), or null when it is blank."""

    convert = kind if isinstance(kind, type) and issubclass(kind, Enum) else None

    def finish(value):
        if not value:
            return None
        return convert(value) if convert else value

    def resolve(root) -> kind | None:
        return finish(getattr(root, name))

    resolve.__name__ = name
    resolve.blank_as_null = (name, finish)  # read straight off a loaded row (resolution.py)
    resolve.__annotations__["return"] = kind | None
    return strawberry_django.field(resolver=resolve, only=[name], description=description)
