"""Not signed in / not allowed: top-level GraphQL errors with ``extensions.code``."""

from typing import Any

from graphql import GraphQLError
from strawberry.permission import BasePermission


class IsAuthenticated(BasePermission):
    message = "请先登录。Sign in first."
    error_extensions = {"code": "UNAUTHENTICATED"}

    def has_permission(self, source: Any, info, **kwargs: Any) -> bool:
        return info.context.user.is_authenticated


class IsStaff(BasePermission):
    message = "仅限工作人员。Staff only."
    error_extensions = {"code": "FORBIDDEN"}

    def has_permission(self, source: Any, info, **kwargs: Any) -> bool:
        # Combine as [IsAuthenticated, IsStaff] so an anonymous caller gets UNAUTHENTICATED.
        return info.context.user.is_staff


STAFF = [IsAuthenticated, IsStaff]


def forbidden() -> GraphQLError:
    return GraphQLError(IsStaff.message, extensions={"code": "FORBIDDEN"})
