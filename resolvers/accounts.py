import strawberry
import strawberry_django
from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, update_session_auth_hash
from django.contrib.auth import login as session_login
from django.contrib.auth import logout as session_logout
from django.middleware.csrf import CsrfViewMiddleware
from graphql import GraphQLError

from accounts.errors import AccountErrorCode
from accounts.models import ApiToken
from accounts.services.auth import (
    sms_code_send,
    user_login_with_code,
    user_login_with_password,
    user_password_set,
    user_register,
)
from accounts.services.tokens import (
    api_token_issue,
    api_token_revoke,
    api_tokens_revoke_all,
    session_end_publish,
)
from accounts.services.verification import identity_apply, verification_submit
from accounts.validators import mask_phone
from kernel.errors import DomainError
from schema.accounts import (
    AuthMode,
    AuthPayload,
    IdentityApplyInput,
    IdentityPayload,
    LoginInput,
    LogoutInput,
    LogoutPayload,
    PasswordSetInput,
    RegisterInput,
    SmsCodeSendInput,
    SmsCodeSendPayload,
    TokenRevokeInput,
    TokenRevokePayload,
    UserPayload,
    UserType,
    VerificationPayload,
    VerificationSubmitInput,
)
from schema.context import Info
from schema.errors import errors_from
from schema.permissions import IsAuthenticated

from .ids import decode_id


class _CsrfCheck(CsrfViewMiddleware):
    def _reject(self, request, reason):
        return reason


def _require_csrf_for_session(info: Info, mode: AuthMode) -> None:
    """A login that sets the session cookie needs the CSRF token like every cookie request:
    another site must not sign a browser in to the attacker's account (login CSRF)."""
    if mode != AuthMode.SESSION:
        return
    request = info.context.request
    if _CsrfCheck(lambda r: None).process_view(request, None, (), {}):
        raise GraphQLError(
            "CSRF check failed: a session login needs the csrftoken cookie's value in the "
            "X-CSRFToken header.",
            extensions={"code": "CSRF_FAILED"},
        )


def _signed_in(info: Info, user, mode: AuthMode, token_name: str | None) -> AuthPayload:
    if mode == AuthMode.TOKEN:
        token, raw = api_token_issue(user=user, name=token_name or "")
        return AuthPayload(user=user, token=raw, token_expires_at=token.expires_at, errors=[])
    session_login(info.context.request, user, backend="accounts.backends.PhonePasswordBackend")
    info.context.user = user
    return AuthPayload(user=user, token=None, token_expires_at=None, errors=[])


def _session_possible(info: Info, mode: AuthMode) -> None:
    if mode == AuthMode.SESSION and info.context.over_websocket:
        raise DomainError(AccountErrorCode.SESSION_NEEDS_HTTP, field="mode")


def _keep_session(info: Info, user) -> None:
    """The caller's own session stays signed in after a password change."""
    if not info.context.over_websocket:
        update_session_auth_hash(info.context.request, user)
        return
    session = info.context.session
    if session is not None and session.session_key:
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()


@strawberry.type
class AccountQuery:
    @strawberry_django.field(description="You, or null when not signed in.")
    def me(self, info: Info) -> UserType | None:
        user = info.context.user
        return user if user.is_authenticated else None


@strawberry.type
class AccountMutation:
    @strawberry.mutation(
        description="Send a 6-digit SMS code (valid 5 minutes, 60 s between "
        "sends, daily caps per number and per client address)."
    )
    def sms_code_send(self, info: Info, input: SmsCodeSendInput) -> SmsCodeSendPayload:
        try:
            code = sms_code_send(
                phone=input.phone,
                purpose=input.purpose.value,
                client_address=info.context.client_address(),
            )
        except DomainError as exc:
            return SmsCodeSendPayload(
                sent_to=None,
                expires_in_seconds=None,
                resend_after_seconds=None,
                errors=errors_from(exc),
            )
        return SmsCodeSendPayload(
            sent_to=mask_phone(code.phone),
            expires_in_seconds=int(settings.SMS_CODE_LIFETIME.total_seconds()),
            resend_after_seconds=int(settings.SMS_CODE_RESEND_INTERVAL.total_seconds()),
            errors=[],
        )

    @strawberry.mutation(
        description="Register with a mobile number and its SMS code; signs you in."
    )
    def register(self, info: Info, input: RegisterInput) -> AuthPayload:
        try:
            _session_possible(info, input.mode)
            _require_csrf_for_session(info, input.mode)
            user = user_register(
                phone=input.phone,
                code=input.code,
                password=input.password,
                client_address=info.context.client_address(),
            )
        except DomainError as exc:
            return AuthPayload(
                user=None, token=None, token_expires_at=None, errors=errors_from(exc)
            )
        return _signed_in(info, user, input.mode, input.token_name)

    @strawberry.mutation(description="Log in with an SMS code or a password.")
    def login(self, info: Info, input: LoginInput) -> AuthPayload:
        try:
            _session_possible(info, input.mode)
            _require_csrf_for_session(info, input.mode)
            address = info.context.client_address()
            if input.code:
                user = user_login_with_code(
                    phone=input.phone, code=input.code, client_address=address
                )
            else:
                user = user_login_with_password(
                    phone=input.phone, password=input.password or "", client_address=address
                )
        except DomainError as exc:
            return AuthPayload(
                user=None, token=None, token_expires_at=None, errors=errors_from(exc)
            )
        return _signed_in(info, user, input.mode, input.token_name)

    @strawberry.mutation(
        description="Log out: revokes the bearer token used, or ends the session.",
        permission_classes=[IsAuthenticated],
    )
    def logout(self, info: Info, input: LogoutInput | None = None) -> LogoutPayload:
        context = info.context
        if input is not None and input.all_tokens:
            api_tokens_revoke_all(user=context.user)
        if context.auth_token is not None:
            api_token_revoke(user=context.user, token_id=context.auth_token.pk)
            return LogoutPayload(errors=[])
        session_key = context.session.session_key if context.session is not None else None
        if context.over_websocket:
            context.session.flush()
        else:
            session_logout(context.request)
        session_end_publish(user=context.user, session_key=session_key)
        return LogoutPayload(errors=[])

    @strawberry.mutation(
        description="Set a password, or change it (give currentPassword).",
        permission_classes=[IsAuthenticated],
    )
    def password_set(self, info: Info, input: PasswordSetInput) -> UserPayload:
        try:
            user = user_password_set(
                user=info.context.user,
                password=input.password,
                current_password=input.current_password,
                keep_credential=info.context.credential(),
            )
        except DomainError as exc:
            return UserPayload(user=None, errors=errors_from(exc))
        if not info.context.via_token:
            _keep_session(info, user)
        return UserPayload(user=user, errors=[])

    @strawberry.mutation(
        description="Revoke one of your API tokens.", permission_classes=[IsAuthenticated]
    )
    def token_revoke(self, info: Info, input: TokenRevokeInput) -> TokenRevokePayload:
        try:
            token = api_token_revoke(
                user=info.context.user, token_id=decode_id(input.id, ApiToken, field="id")
            )
        except DomainError as exc:
            return TokenRevokePayload(token=None, errors=errors_from(exc))
        return TokenRevokePayload(token=token, errors=[])

    @strawberry.mutation(
        description="Submit real-name verification, or correct and resubmit it after a "
        "rejection. Staff review it; you get an SMS either way.",
        permission_classes=[IsAuthenticated],
    )
    def verification_submit(
        self, info: Info, input: VerificationSubmitInput
    ) -> VerificationPayload:
        try:
            verification = verification_submit(
                user=info.context.user,
                kind=input.kind.value,
                name=input.name,
                id_number=input.id_number,
                credit_code=input.credit_code,
                certificate_type=input.certificate_type.value if input.certificate_type else None,
                certificate=input.certificate,
            )
        except DomainError as exc:
            return VerificationPayload(verification=None, errors=errors_from(exc))
        return VerificationPayload(verification=verification, errors=[])

    @strawberry.mutation(
        description="Apply for an identity (after approved verification). Staff review it.",
        permission_classes=[IsAuthenticated],
    )
    def identity_apply(self, info: Info, input: IdentityApplyInput) -> IdentityPayload:
        try:
            identity = identity_apply(
                user=info.context.user, kind=input.kind.value, certificate=input.certificate
            )
        except DomainError as exc:
            return IdentityPayload(identity=None, errors=errors_from(exc))
        return IdentityPayload(identity=identity, errors=[])
