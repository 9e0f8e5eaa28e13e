"""Bearer tokens for API clients (mobile apps)."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings

from accounts.errors import AccountErrorCode
from accounts.events import credentials_revoked_publish, session_credential, token_credential
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
        credentials_revoked_publish(user_id=user.pk, credentials=[token_credential(token.pk)])
    return token


def api_tokens_revoke_others(*, user: User, keep_token_id: int | None) -> int:
    """Revoke every live token of ``user`` but ``keep_token_id``; returns how many."""
    return (
        ApiToken.objects.filter(user=user, revoked_at__isnull=True)
        .exclude(pk=keep_token_id)
        .update(revoked_at=now())
    )


def api_tokens_revoke_all(*, user: User) -> int:
    """Revoke every live token of ``user`` (signing out the apps on every device); their
    sockets close. Returns how many."""
    ids = list(
        ApiToken.objects.filter(user=user, revoked_at__isnull=True).values_list("pk", flat=True)
    )
    if ids:
        ApiToken.objects.filter(pk__in=ids).update(revoked_at=now())
        credentials_revoked_publish(
            user_id=user.pk, credentials=[token_credential(pk) for pk in ids]
        )
    return len(ids)


def session_end_publish(*, user: User, session_key: str | None) -> None:
    """A browser session ended (logout): its sockets close."""
    if session_key:
        credentials_revoked_publish(user_id=user.pk, credentials=[session_credential(session_key)])


def credential_valid(*, user_id: int, credential: str) -> bool:
    """Whether a socket's credential still signs its user in (token live and unexpired,
    session present and matching the current password, user active)."""
    kind, _, ident = credential.partition(".")
    if kind == "token":
        return ApiToken.objects.filter(
            pk=int(ident),
            user_id=user_id,
            user__is_active=True,
            revoked_at__isnull=True,
            expires_at__gt=now(),
        ).exists()
    return False  # sessions are checked by session_valid (they need the key itself)


def session_valid(*, user_id: int, session_key: str) -> bool:
    from importlib import import_module

    from django.utils.crypto import constant_time_compare

    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    if not store.exists(session_key):
        return False
    data = store.load()
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or str(data.get("_auth_user_id")) != str(user_id):
        return False
    return constant_time_compare(data.get("_auth_user_hash", ""), user.get_session_auth_hash())
