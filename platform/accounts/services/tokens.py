"""Bearer tokens for API clients (mobile apps)."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings

from accounts.errors import AccountErrorCode
from accounts.models import ApiToken, User
from kernel.clock import now
from kernel.errors import DomainError

TOKEN_PREFIX = "pat_"
# Touch last_used_at at most this often, so authenticating is not a write per request.
LAST_USED_RESOLUTION = timedelta(minutes=5)


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def api_token_issue(*, user: User, name: str = "") -> tuple[ApiToken, str]:
    """Create a token; the raw value is returned once and never stored."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    issued = now()
    token = ApiToken.objects.create(
        user=user,
        name=(name or "")[:100],
        key_digest=_digest(raw),
        prefix=raw[:12],
        created_at=issued,
        expires_at=issued + settings.API_TOKEN_LIFETIME,
    )
    return token, raw


def api_token_authenticate(raw: str) -> tuple[User, ApiToken] | None:
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_digest=_digest(raw), revoked_at__isnull=True, expires_at__gt=now())
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    current = now()
    if token.last_used_at is None or current - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=current)
    return token.user, token


def api_token_revoke(*, user: User, token_id: int) -> ApiToken:
    token = ApiToken.objects.filter(pk=token_id, user=user).first()
    if token is None:
        raise DomainError(AccountErrorCode.TOKEN_NOT_FOUND, field="id")
    if token.revoked_at is None:
        token.revoked_at = now()
        token.save(update_fields=["revoked_at"])
    return token
