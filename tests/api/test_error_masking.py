"""Production masks internals only: an error raised for the client keeps its message and
code."""

from graphql import GraphQLError, located_error

from kernel.errors import CommonErrorCode, DomainError
from schema import _should_mask
from schema.errors import client_error


def test_a_client_error_raised_by_a_resolver_is_not_masked():
    raised = client_error(DomainError(CommonErrorCode.NOT_FOUND, field="lotId"))

    assert _should_mask(located_error(raised, path=["lotEvents"])) is False


def test_an_internal_exception_is_masked():
    assert _should_mask(located_error(ValueError("SELECT ... failed"), path=["lot"])) is True


def test_an_auth_error_is_not_masked():
    error = GraphQLError("请先登录。", extensions={"code": "UNAUTHENTICATED"})

    assert _should_mask(located_error(error, path=["me"])) is False
