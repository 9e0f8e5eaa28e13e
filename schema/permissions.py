"""Not signed in / not allowed: top-level GraphQL errors with ``extensions.code``, the
message in the request's language (Chinese; English with ``Accept-Language: en``)."""

from typing import Any

from django.utils.translation import gettext
from graphql import GraphQLError
from strawberry.permission import BasePermission

from kernel.permissions import Perm, staff_can


class IsAuthenticated(BasePermission):
    error_extensions = {"code": "UNAUTHENTICATED"}

    @property
    def message(self) -> str:
        return gettext("Sign in first.")

    def has_permission(self, source: Any, info, **kwargs: Any) -> bool:
        return info.context.user.is_authenticated


class IsStaff(BasePermission):
    """Active staff holding one of ``permissions`` (``kernel.permissions.staff_can``); build
    it with :func:`staff_with`, which every staff field uses to name what it needs."""

    error_extensions = {"code": "FORBIDDEN"}
    permissions: tuple[str, ...] = ()

    @property
    def message(self) -> str:
        return gettext("Staff only.")

    def has_permission(self, source: Any, info, **kwargs: Any) -> bool:
        return staff_can(info.context.user, *self.permissions)


def staff_with(*permissions: str) -> list[type[BasePermission]]:
    """The permission classes of a staff field: signed in, then staff holding one of
    ``permissions`` (an anonymous caller gets UNAUTHENTICATED, anyone else FORBIDDEN)."""
    if not permissions:
        raise ValueError("a staff field names the permission it needs")
    rule = type("IsStaffWith", (IsStaff,), {"permissions": tuple(permissions)})
    return [IsAuthenticated, rule]


REVIEWER = staff_with(*(kind for kind in Perm.ALL if ".review_" in kind))


def forbidden() -> GraphQLError:
    return GraphQLError(gettext("Staff only."), extensions={"code": "FORBIDDEN"})
