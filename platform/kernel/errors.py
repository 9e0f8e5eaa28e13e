"""Domain errors: what a service raises when a rule refuses an input.

Every refusal has a stable code (a member of an app's ``ErrorCode`` choices, whose label is
the translatable message) and, where it concerns one input, the field it concerns. Services
raise; the API layer renders the messages in the caller's language.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class ErrorCode(models.TextChoices):
    """Base for each app's error codes: the value is the code, the label its message."""


class DomainError(Exception):
    """One or more refusals of the same operation; nothing was changed."""

    def __init__(
        self,
        code: ErrorCode | None = None,
        *,
        field: str | None = None,
        params: Mapping[str, Any] | None = None,
        errors: Iterable["DomainError.Item"] = (),
    ) -> None:
        items = list(errors)
        if code is not None:
            items.insert(0, DomainError.Item(code=code, field=field, params=dict(params or {})))
        if not items:
            raise ValueError("a DomainError needs at least one code")
        self.items = items
        super().__init__("; ".join(f"{i.field or '-'}: {i.code.value}" for i in items))

    class Item:
        __slots__ = ("code", "field", "params")

        def __init__(
            self, *, code: ErrorCode, field: str | None = None, params: dict | None = None
        ) -> None:
            self.code = code
            self.field = field
            self.params = params or {}

        @property
        def message(self) -> str:
            """The message in the active language, with its parameters filled in."""
            text = str(self.code.label)
            return text.format(**self.params) if self.params else text

    @property
    def codes(self) -> list[str]:
        return [item.code.value for item in self.items]


class ErrorCollector:
    """Collects field refusals so an input with several bad fields gets all its errors."""

    def __init__(self) -> None:
        self.items: list[DomainError.Item] = []

    def add(self, code: ErrorCode, *, field: str | None = None, **params: Any) -> None:
        self.items.append(DomainError.Item(code=code, field=field, params=params))

    def has(self, field: str) -> bool:
        """Whether ``field`` is already refused: a later, finer check of the same value
        stays silent (one error per bad field; a list field may have one per bad entry)."""
        return any(item.field == field for item in self.items)

    def raise_if_any(self) -> None:
        if self.items:
            raise DomainError(errors=self.items)


class CommonErrorCode(ErrorCode):
    REQUIRED = "REQUIRED", _("This field is required.")
    TOO_LONG = "TOO_LONG", _("At most {limit} characters.")
    NOT_FOUND = "NOT_FOUND", _("The item does not exist or is not visible to you.")
