"""Not signed in / not allowed: top-level GraphQL errors with ``extensions.code``, the
message in the request's language (Chinese; English with ``Accept-Language: en``)."""

from typing import Any

from django.utils.translation import gettext
from graphql import GraphQLError
from strawberry.permission import BasePermission


class IsAuthenticated(BasePermission):
    error_extensions = {"code": "UNAUTHENTICATED"}

    @property
    def message(self) -> str:
        return gettext("Sign in first.")

    def has_permission(self, source: Any, info, **kwargs: Any) -> bool:
        return info.context.user.is_authenticated


class IsStaff(BasePermission):
    error_extensions = {"code": "FORBIDDEN"}

    @property
    def message(self) -> str:
        return gettext("Staff only.")

    def has_permission(self, source: Any, info, **kwargs: Any) -> bool:
        # Combine as [IsAuthenticated, IsStaff] so an anonymous caller gets UNAUTHENTICATED.
        return info.context.user.is_staff


STAFF = [IsAuthenticated, IsStaff]


def forbidden() -> GraphQLError:
    return GraphQLError(gettext("Staff only."), extensions={"code": "FORBIDDEN"})
