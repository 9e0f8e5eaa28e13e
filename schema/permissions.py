"""Not signed in / not allowed: top-level GraphQL errors with ``extensions.code``."""

from typing import Any

from graphql import GraphQLError
from strawberry.permission import BasePermission

from kernel.permissions import Perm, staff_can


class IsAuthenticated(BasePermission):
    message = "请先登录。Sign in first."
    error_extensions = {"code": "UNAUTHENTICATED"}

    def has_permission(self, source: Any, info, **kwargs: Any) -> bool:
        return info.context.user.is_authenticated


class IsStaff(BasePermission):
    """Active staff holding one of ``permissions`` (``kernel.permissions.staff_can``); build
    it with :func:`staff_with`, which every staff field uses to name what it needs."""

    message = "仅限工作人员。Staff only."
    error_extensions = {"code": "FORBIDDEN"}
    permissions: tuple[str, ...] = ()

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
    return GraphQLError(IsStaff.message, extensions={"code": "FORBIDDEN"})
