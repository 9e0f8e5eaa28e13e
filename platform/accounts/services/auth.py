"""Registration and login by mobile number: SMS codes, passwords."""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F

from accounts.errors import AccountErrorCode
from accounts.events import credentials_revoked_publish
from accounts.models import SmsCode, SmsCodePurpose, User
from accounts.services.tokens import api_tokens_revoke_others
from accounts.validators import normalize_phone
from kernel.clock import SHANGHAI, now
from kernel.errors import DomainError
from kernel.locks import serialize_on
from kernel.throttle import throttle_blocked, throttle_clear, throttle_hit
from notifications.services import sms_send


def _phone_or_error(phone: str, *, field: str = "phone") -> str:
    normalized = normalize_phone(phone)
    if normalized is None:
        raise DomainError(AccountErrorCode.INVALID_PHONE, field=field)
    return normalized


def _code_digest(*, phone: str, purpose: str, code: str) -> str:
    # Keyed with SECRET_KEY: a leaked table does not let anyone test the 10^6 candidates.
    message = f"{phone}:{purpose}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def _start_of_local_day():
    return now().astimezone(SHANGHAI).replace(hour=0, minute=0, second=0, microsecond=0)


NOTICE_REGISTERED = (
    "【省技术产权交易市场】有人用本号码申请注册，但本号码已注册，请直接登录。"
    "如非本人操作，请忽略本短信。"
)
NOTICE_NOT_REGISTERED = (
    "【省技术产权交易市场】有人用本号码申请登录，但本号码尚未注册，请先注册。"
    "如非本人操作，请忽略本短信。"
)


def sms_code_send(*, phone: str, purpose: str, client_address: str | None) -> SmsCode:
    """Send a 6-digit code, within the resend interval and daily caps (per phone, per address).

    Registered or not, the caller gets the same answer (no enumeration of who is
    registered): a code to register with a registered number, or to log in with an
    unregistered one, would be of no use, so the phone gets a notice saying so instead,
    and only its owner learns it. Both count against the same caps.
    """
    phone = _phone_or_error(phone)
    registered = User.objects.filter(phone=phone).exists()
    notice = None
    if purpose == SmsCodePurpose.REGISTER and registered:
        notice = NOTICE_REGISTERED
    elif purpose == SmsCodePurpose.LOGIN and not registered:
        notice = NOTICE_NOT_REGISTERED

    with transaction.atomic():
        # Two requests for one number (or one address) must not both pass the interval and
        # the caps: the checks and the insert run one at a time per number and address.
        serialize_on(f"sms-code:{phone}", f"sms-code-address:{client_address or '-'}")
        current = now()
        last = SmsCode.objects.filter(phone=phone).order_by("-created_at").first()
        if last is not None:
            wait = last.created_at + settings.SMS_CODE_RESEND_INTERVAL - current
            if wait > timedelta(0):
                raise DomainError(
                    AccountErrorCode.SMS_CODE_TOO_SOON,
                    field="phone",
                    params={"seconds": int(wait.total_seconds()) + 1},
                )
        today = _start_of_local_day()
        if (
            SmsCode.objects.filter(phone=phone, created_at__gte=today).count()
            >= settings.SMS_CODE_DAILY_LIMIT_PER_PHONE
        ):
            raise DomainError(AccountErrorCode.SMS_DAILY_LIMIT_REACHED, field="phone")
        if (
            client_address
            and SmsCode.objects.filter(client_address=client_address, created_at__gte=today).count()
            >= settings.SMS_CODE_DAILY_LIMIT_PER_ADDRESS
        ):
            raise DomainError(AccountErrorCode.SMS_DAILY_LIMIT_REACHED, field="phone")

        code = f"{secrets.randbelow(10**6):06d}"
        # A notice's row holds the digest of a code nobody is told: it only counts.
        digest_of = secrets.token_hex(16) if notice else code
        sms_code = SmsCode.objects.create(
            phone=phone,
            purpose=purpose,
            code_hash=_code_digest(phone=phone, purpose=purpose, code=digest_of),
            client_address=client_address,
            created_at=current,
            expires_at=current + settings.SMS_CODE_LIFETIME,
        )
        minutes = int(settings.SMS_CODE_LIFETIME.total_seconds() // 60)
        template = (
            "【省技术产权交易市场】您的验证码为{code}，{minutes}分钟内有效。"
            "如非本人操作，请忽略本短信。"
        )
        if notice:
            sms_send(phone=phone, text=notice, redacted_text=notice, expires_at=sms_code.expires_at)
        else:
            sms_send(
                phone=phone,
                text=template.format(code=code, minutes=minutes),
                redacted_text=template.format(code="******", minutes=minutes),
                expires_at=sms_code.expires_at,
            )
    return sms_code


def _code_check(*, phone: str, purpose: str, code: str, client_address: str | None) -> None:
    """Consume the code, counting a wrong one against the client address too: one address
    may not probe many numbers."""
    if throttle_blocked("code-address", client_address, limit=settings.CODE_FAILURES_PER_ADDRESS):
        raise DomainError(AccountErrorCode.TOO_MANY_ATTEMPTS, field="code")
    try:
        sms_code_consume(phone=phone, purpose=purpose, code=code)
    except DomainError:
        throttle_hit("code-address", client_address, window=settings.FAILURE_WINDOW)
        raise


def sms_code_consume(*, phone: str, purpose: str, code: str) -> None:
    """Accept the latest code for (phone, purpose) once, or refuse it.

    Not atomic with the caller on purpose: a wrong try must stay counted even though the
    caller's operation is refused.
    """
    sms_code = (
        SmsCode.objects.filter(phone=phone, purpose=purpose, used_at__isnull=True)
        .order_by("-created_at")
        .first()
    )
    if sms_code is None:
        raise DomainError(AccountErrorCode.SMS_CODE_INVALID, field="code")
    if sms_code.expires_at <= now():
        raise DomainError(AccountErrorCode.SMS_CODE_EXPIRED, field="code")
    # Count the try before comparing, with a conditional UPDATE, so parallel guesses cannot
    # exceed the limit between a read and a write.
    counted = SmsCode.objects.filter(
        pk=sms_code.pk, attempts__lt=settings.SMS_CODE_MAX_ATTEMPTS
    ).update(attempts=F("attempts") + 1)
    if not counted:
        raise DomainError(AccountErrorCode.SMS_CODE_TOO_MANY_ATTEMPTS, field="code")
    expected = _code_digest(phone=phone, purpose=purpose, code=(code or "").strip())
    if not hmac.compare_digest(expected, sms_code.code_hash):
        raise DomainError(AccountErrorCode.SMS_CODE_INVALID, field="code")
    # Only one of two concurrent uses of the same code may win.
    if not SmsCode.objects.filter(pk=sms_code.pk, used_at__isnull=True).update(used_at=now()):
        raise DomainError(AccountErrorCode.SMS_CODE_INVALID, field="code")


def _validate_password(password: str, *, user: User | None, field: str = "password") -> None:
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as exc:
        raise DomainError(
            AccountErrorCode.PASSWORD_INVALID,
            field=field,
            params={"detail": " ".join(exc.messages)},
        ) from exc


def user_register(
    *, phone: str, code: str, password: str | None = None, client_address: str | None = None
) -> User:
    """The code is checked first: without it, a registered and an unregistered number get
    the same answer (only the phone's owner can have a code)."""
    phone = _phone_or_error(phone)
    if password:
        _validate_password(password, user=User(phone=phone))
    _code_check(
        phone=phone, purpose=SmsCodePurpose.REGISTER, code=code, client_address=client_address
    )
    if User.objects.filter(phone=phone).exists():
        raise DomainError(AccountErrorCode.PHONE_ALREADY_REGISTERED, field="phone")
    try:
        with transaction.atomic():
            return User.objects.create_user(phone, password or None)
    except IntegrityError as exc:  # registered concurrently with the same number
        raise DomainError(AccountErrorCode.PHONE_ALREADY_REGISTERED, field="phone") from exc


def _active_user(phone: str) -> User:
    user = User.objects.filter(phone=phone).first()
    if user is None:
        raise DomainError(AccountErrorCode.PHONE_NOT_REGISTERED, field="phone")
    if not user.is_active:
        raise DomainError(AccountErrorCode.ACCOUNT_DISABLED, field="phone")
    return user


def user_login_with_code(*, phone: str, code: str, client_address: str | None = None) -> User:
    """The code first, then the account: an unregistered number never has a login code, so
    it gets the wrong-code answer a registered one gets."""
    phone = _phone_or_error(phone)
    _code_check(phone=phone, purpose=SmsCodePurpose.LOGIN, code=code, client_address=client_address)
    return _active_user(phone)


def user_login_with_password(
    *, phone: str, password: str, client_address: str | None = None
) -> User:
    """Check a password, locked after repeated failures per number and per client address
    (the GraphQL login and the admin login share these counters)."""
    phone = _phone_or_error(phone, field="phone")
    lock = settings.PASSWORD_LOGIN_LOCK
    if throttle_blocked(
        "password-phone", phone, limit=settings.PASSWORD_LOGIN_MAX_FAILURES
    ) or throttle_blocked(
        "password-address", client_address, limit=settings.PASSWORD_LOGIN_MAX_FAILURES_PER_ADDRESS
    ):
        raise DomainError(AccountErrorCode.LOGIN_LOCKED, field="password")
    user = User.objects.filter(phone=phone).first()
    if user is None or not user.check_password(password):
        # The same answer for an unknown number and a wrong password.
        throttle_hit("password-phone", phone, window=lock)
        throttle_hit("password-address", client_address, window=lock)
        raise DomainError(AccountErrorCode.INVALID_CREDENTIALS, field="password")
    if not user.is_active:
        raise DomainError(AccountErrorCode.ACCOUNT_DISABLED, field="phone")
    throttle_clear("password-phone", phone)
    return user


@transaction.atomic
def user_password_set(
    *,
    user: User,
    password: str,
    current_password: str | None = None,
    keep_credential: str | None = None,
) -> User:
    """Set or change the password; changing one needs the current password.

    Every other credential of the user ends with the old password: other tokens are
    revoked, other sessions fail Django's session hash check, and every socket but the
    caller's (``keep_credential``) closes.
    """
    if user.has_usable_password() and not user.check_password(current_password or ""):
        raise DomainError(AccountErrorCode.CURRENT_PASSWORD_WRONG, field="currentPassword")
    _validate_password(password, user=user)
    user.set_password(password)
    user.save(update_fields=["password"])
    kind, _, ident = (keep_credential or "").partition(".")
    api_tokens_revoke_others(user=user, keep_token_id=int(ident) if kind == "token" else None)
    credentials_revoked_publish(user_id=user.pk, all_but=keep_credential or "")
    return user
