from django.utils.translation import gettext_lazy as _

from kernel.errors import ErrorCode


class AccountErrorCode(ErrorCode):
    INVALID_PHONE = "INVALID_PHONE", _("Enter a valid mainland China mobile number.")
    PHONE_ALREADY_REGISTERED = (
        "PHONE_ALREADY_REGISTERED",
        _("This mobile number is already registered; log in instead."),
    )
    PHONE_NOT_REGISTERED = (
        "PHONE_NOT_REGISTERED",
        _("This mobile number is not registered; register first."),
    )
    SMS_CODE_TOO_SOON = (
        "SMS_CODE_TOO_SOON",
        _("A code was sent just now; try again in {seconds} seconds."),
    )
    SMS_DAILY_LIMIT_REACHED = (
        "SMS_DAILY_LIMIT_REACHED",
        _("Too many codes were requested today; try again tomorrow."),
    )
    SMS_CODE_INVALID = "SMS_CODE_INVALID", _("The verification code is wrong.")
    SMS_CODE_EXPIRED = (
        "SMS_CODE_EXPIRED",
        _("The verification code has expired; request a new one."),
    )
    SMS_CODE_TOO_MANY_ATTEMPTS = (
        "SMS_CODE_TOO_MANY_ATTEMPTS",
        _("Too many wrong tries for this code; request a new one."),
    )
    CREDENTIALS_REQUIRED = (
        "CREDENTIALS_REQUIRED",
        _("Give either the verification code or the password."),
    )
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS", _("The mobile number or password is wrong.")
    LOGIN_LOCKED = (
        "LOGIN_LOCKED",
        _("Too many wrong passwords; try again later or log in with an SMS code."),
    )
    ACCOUNT_DISABLED = "ACCOUNT_DISABLED", _("This account is disabled.")
    TOO_MANY_ATTEMPTS = (
        "TOO_MANY_ATTEMPTS",
        _("Too many wrong codes from your network; try again later."),
    )
    PASSWORD_INVALID = "PASSWORD_INVALID", _("The password is not acceptable: {detail}")
    CURRENT_PASSWORD_WRONG = "CURRENT_PASSWORD_WRONG", _("The current password is wrong.")
    TOKEN_NOT_FOUND = "TOKEN_NOT_FOUND", _("No such token of yours.")
    SESSION_NEEDS_HTTP = (
        "SESSION_NEEDS_HTTP",
        _("A browser session is set by an HTTP request; over the WebSocket use mode TOKEN."),
    )


class VerificationErrorCode(ErrorCode):
    ID_NUMBER_INVALID = (
        "ID_NUMBER_INVALID",
        _("The resident ID number is not valid (check its digits and birth date)."),
    )
    CREDIT_CODE_INVALID = (
        "CREDIT_CODE_INVALID",
        _("The unified social credit code is not valid (check its digits)."),
    )
    VERIFICATION_PENDING = (
        "VERIFICATION_PENDING",
        _("Your verification is waiting for review; it cannot be changed now."),
    )
    VERIFICATION_ALREADY_APPROVED = (
        "VERIFICATION_ALREADY_APPROVED",
        _("Your real-name verification is already approved."),
    )
    VERIFICATION_REQUIRED = (
        "VERIFICATION_REQUIRED",
        _("Complete and pass real-name verification first."),
    )
    IDENTITY_KIND_NOT_ALLOWED = (
        "IDENTITY_KIND_NOT_ALLOWED",
        _("This identity does not match your verification (personal or institution)."),
    )
    IDENTITY_PENDING = (
        "IDENTITY_PENDING",
        _("This identity application is waiting for review."),
    )
    IDENTITY_ALREADY_APPROVED = (
        "IDENTITY_ALREADY_APPROVED",
        _("This identity is already approved."),
    )
