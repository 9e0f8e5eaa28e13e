from cross_web import HTTPException
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware, get_token
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from strawberry.django.views import GraphQLView
from strawberry.exceptions import MissingQueryError
from strawberry.http.ides import get_graphql_ide_html
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from kernel.metrics import GRAPHQL_OPERATIONS, operation_label
from schema.context import Context
from schema.error_codes import mark_parse_errors

from . import graphiql

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
HTTP_OPERATIONS = {
    "GET": {OperationType.QUERY},
    "POST": {OperationType.QUERY, OperationType.MUTATION},
}


def graphiql_page_source() -> str:
    """Strawberry's GraphiQL page as it ships (assets on a CDN)."""
    return get_graphql_ide_html(graphql_ide="graphiql")


class _CsrfCheck(CsrfViewMiddleware):
    """Django's CSRF check, answering the reason instead of a response; an origin allowed to
    make credentialed CORS requests (``CORS_ALLOWED_ORIGINS``) is a trusted origin too."""

    def _reject(self, request, reason):
        return reason

    @cached_property
    def allowed_origins_exact(self):
        return super().allowed_origins_exact | set(settings.CORS_ALLOWED_ORIGINS)


@method_decorator(csrf_exempt, name="dispatch")
class PlatformGraphQLView(GraphQLView):
    """Strawberry's view with the platform's authentication rules.

    Like Django REST framework's SessionAuthentication: a request authenticated by the
    session cookie must pass Django's CSRF check; a bearer-token request and an anonymous
    one carry no ambient credential and need none. GET sets the CSRF cookie for browser
    clients and answers the token in an ``X-CSRFToken`` header too, for a page on an
    allowed other origin (CORS exposes it), which cannot read this site's cookies. A bearer
    token that is not valid (unknown, expired, revoked) is a 401, ``extensions.code``
    ``UNAUTHENTICATED`` with ``reason: INVALID_TOKEN``, before anything runs.

    GraphQL over HTTP (graphql-http's audit passes every MUST and SHOULD): a client that
    accepts ``application/graphql-response+json`` gets it, and then a request that fails
    before execution (parse, validation, variable coercion) is a 400 with no ``data``; GET
    runs queries (cacheable), never mutations (405, ``Allow: POST``); subscriptions are for
    the WebSocket only (400 over HTTP).
    """

    def dispatch(self, request: HttpRequest, *args, **kwargs):
        if getattr(request, "auth_via_token", False) and request.auth_token is None:
            # RFC 6750: a bearer token that is unknown, expired or revoked is refused, not
            # treated as anonymous (the client would think it signed in and see nothing).
            response = _refusal(
                gettext("Your sign-in has expired or is not valid: sign in again."),
                status=401,
                code="UNAUTHENTICATED",
                reason="INVALID_TOKEN",
            )
            response["WWW-Authenticate"] = 'Bearer error="invalid_token"'
            return response
        if request.method == "GET":
            token = get_token(request)
            response = self._dispatch(request, *args, **kwargs)
            response["X-CSRFToken"] = token
            return response
        if request.user.is_authenticated and not request.auth_via_token:
            reason = _CsrfCheck(lambda r: None).process_view(request, None, (), {})
            if reason:
                return _refusal(
                    gettext(
                        "CSRF check failed: send the csrftoken cookie's value in the "
                        "X-CSRFToken header."
                    ),
                    status=403,
                    code="CSRF_FAILED",
                )
        return self._dispatch(request, *args, **kwargs)

    def _dispatch(self, request: HttpRequest, *args, **kwargs):
        response = super().dispatch(request, *args, **kwargs)
        if response.status_code == 405:
            response["Allow"] = "POST" if request.method == "GET" else "GET, POST"
        return response

    def execute_single(
        self, request, request_adapter, sub_response, context, root_value, request_data
    ):
        """Strawberry's, with the operations HTTP may run: GET queries only (a mutation is
        then 405), POST queries and mutations; subscriptions go over the WebSocket (400
        here: Strawberry would otherwise run them over HTTP, into a null error)."""
        method = request_adapter.method
        operation = operation_label(request_data.operation_name, request_data.query)
        try:
            result = self.schema.execute_sync(
                request_data.query,
                root_value=root_value,
                variable_values=request_data.variables,
                context_value=context,
                operation_name=request_data.operation_name,
                allowed_operation_types=HTTP_OPERATIONS[method],
                operation_extensions=request_data.extensions,
            )
        except CannotGetOperationTypeError as e:
            GRAPHQL_OPERATIONS.labels(operation, "rejected").inc()
            raise HTTPException(400, e.as_http_error_reason()) from e
        except InvalidOperationTypeError as e:
            GRAPHQL_OPERATIONS.labels(operation, "rejected").inc()
            status = (
                405 if method == "GET" and e.operation_type != OperationType.SUBSCRIPTION else 400
            )
            raise HTTPException(status, e.as_http_error_reason(method)) from e
        except MissingQueryError as e:
            GRAPHQL_OPERATIONS.labels(operation, "rejected").inc()
            raise HTTPException(400, "No GraphQL query found in the request") from e
        # issue 13: by name and outcome (a payload's `errors` list is a domain answer: ok)
        GRAPHQL_OPERATIONS.labels(operation, "error" if result.errors else "ok").inc()
        return result

    def process_result(self, request, result):
        mark_parse_errors(result.errors)
        return super().process_result(request, result)

    def create_response(self, response_data, sub_response):
        response = super().create_response(response_data, sub_response)
        if GRAPHQL_RESPONSE_JSON in self.request.headers.get("Accept", ""):
            response["Content-Type"] = f"{GRAPHQL_RESPONSE_JSON}; charset=utf-8"
            if _failed_before_execution(response_data):
                del response_data["data"]
                response.content = self.encode_json(response_data)
                response.status_code = 400
        return response

    def render_graphql_ide(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse(graphiql.page_html(graphiql_page_source()))

    def get_context(self, request, response) -> Context:
        return Context(request=request, response=response)


def _refusal(message: str, *, status: int, code: str, **extensions) -> JsonResponse:
    """A request refused before GraphQL runs, as a GraphQL response with one error."""
    error = {"message": message, "extensions": {"code": code, **extensions}}
    return JsonResponse(
        {"errors": [error]}, status=status, json_dumps_params={"ensure_ascii": False}
    )


def _failed_before_execution(response_data) -> bool:
    """No data and only errors without a path: the document or its variables were refused
    before any field ran (a field error nulling the whole result has a path)."""
    return (
        isinstance(response_data, dict)
        and response_data.get("data") is None
        and bool(response_data.get("errors"))
        and not any(error.get("path") for error in response_data["errors"])
    )


def graphql_view():
    from schema import schema

    return PlatformGraphQLView.as_view(
        schema=schema,
        graphql_ide="graphiql" if settings.GRAPHQL_IDE else None,
        allow_queries_via_get=True,
        multipart_uploads_enabled=True,
    )
