"""Django's authentication (the admin login) through the API's password check, so both
count failures in one place and share the lockout.

A refusal raises ``PermissionDenied``, which ends ``authenticate()`` at once: Django's own
``ModelBackend``, listed after this one only so that sessions signed in before it still
resolve to their user, never gets to check a password itself.
"""

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from kernel.addresses import client_address_from
from kernel.errors import DomainError

from .services.auth import user_login_with_password


class PhonePasswordBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get("phone")
        if username is None or password is None:
            return None
        address = client_address_from(request.META) if request is not None else None
        try:
            return user_login_with_password(
                phone=username, password=password, client_address=address
            )
        except DomainError as exc:
            raise PermissionDenied from exc
