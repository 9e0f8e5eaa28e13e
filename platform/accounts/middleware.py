from django.contrib.auth.models import AnonymousUser

from .services.tokens import api_token_authenticate


class BearerTokenMiddleware:
    """``Authorization: Bearer <token>`` authenticates API clients (mobile apps).

    Such a request carries no ambient credential, so it is marked ``auth_via_token`` and the
    GraphQL view skips the CSRF check for it. An invalid token leaves the request anonymous.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _, raw = header.partition(" ")
        request.auth_token = None
        request.auth_via_token = False
        if scheme.lower() == "bearer" and raw.strip():
            request.auth_via_token = True
            found = api_token_authenticate(raw.strip())
            if found is not None:
                request.user, request.auth_token = found
            else:
                request.user = AnonymousUser()
        return self.get_response(request)
