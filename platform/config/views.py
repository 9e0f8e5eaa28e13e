from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware, get_token
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.views.decorators.csrf import csrf_exempt
from strawberry.django.views import GraphQLView
from strawberry.http.ides import get_graphql_ide_html

from schema.context import Context

from . import graphiql


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
    allowed other origin (CORS exposes it), which cannot read this site's cookies.
    """

    def dispatch(self, request: HttpRequest, *args, **kwargs):
        if request.method == "GET":
            token = get_token(request)
            response = super().dispatch(request, *args, **kwargs)
            response["X-CSRFToken"] = token
            return response
        if not request.auth_via_token and request.user.is_authenticated:
            reason = _CsrfCheck(lambda r: None).process_view(request, None, (), {})
            if reason:
                return JsonResponse(
                    {
                        "errors": [
                            {
                                "message": "CSRF check failed: send the csrftoken cookie's "
                                "value in the X-CSRFToken header.",
                                "extensions": {"code": "CSRF_FAILED"},
                            }
                        ]
                    },
                    status=403,
                )
        return super().dispatch(request, *args, **kwargs)

    def render_graphql_ide(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse(graphiql.page_html(graphiql_page_source()))

    def get_context(self, request, response) -> Context:
        return Context(request=request, response=response)


def graphql_view():
    from schema import schema

    return PlatformGraphQLView.as_view(
        schema=schema,
        graphql_ide="graphiql" if settings.GRAPHQL_IDE else None,
        allow_queries_via_get=False,
        multipart_uploads_enabled=True,
    )
