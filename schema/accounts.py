import enum
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
import strawberry_django
from strawberry import relay
from strawberry.file_uploads import Upload

from accounts.models import (
    ApiToken,
    CertificateType,
    Identity,
    IdentityKind,
    SmsCodePurpose,
    User,
    Verification,
    VerificationKind,
)
from accounts.selectors import identities_visible_to, users_visible_to, verifications_visible_to
from schema.connections import Connection

from .context import Info
from .errors import Error
from .fields import blank_as_null
from .files import FileType
from .reviews import ReviewableInterface, ReviewStatusEnum
from .visibility import visible_rows

if TYPE_CHECKING:
    from .shops import ShopType

SmsCodePurposeEnum = strawberry.enum(
    SmsCodePurpose, name="SmsCodePurpose", description="What an SMS code will be used for."
)
VerificationKindEnum = strawberry.enum(
    VerificationKind,
    name="VerificationKind",
    description="个人 (a person, by resident ID) or 机构 (an institution, by credit code).",
)
CertificateTypeEnum = strawberry.enum(
    CertificateType,
    name="CertificateType",
    description="事业单位法人证书 / 社会团体法人登记证书 / 营业执照.",
)
IdentityKindEnum = strawberry.enum(
    IdentityKind,
    name="IdentityKind",
    description="高校, 科研院所, 国有企业, 其他企业, 社会组织 need an institution "
    "verification; 个人 (INDIVIDUAL) a personal one.",
)


@strawberry.enum(description="How a successful login or registration authenticates you.")
class AuthMode(enum.Enum):
    SESSION = strawberry.enum_value(
        "SESSION",
        description="Browsers: a session cookie; later POSTs send the X-CSRFToken header.",
    )
    TOKEN = strawberry.enum_value(
        "TOKEN",
        description="Apps: a bearer token in the payload; send it as `Authorization: Bearer`.",
    )


@strawberry_django.type(
    User, name="User", description="A registered user (you, or for staff anyone)."
)
class UserType(relay.Node):
    phone: str = strawberry_django.field(description="Mainland mobile number.")
    is_staff: bool = strawberry_django.field(description="Exchange staff.")
    date_joined: datetime = strawberry_django.field(description="When the user registered.")

    @strawberry_django.field(only=["password"], description="Whether a password is set.")
    def has_password(self) -> bool:
        return self.has_usable_password()

    verification: "VerificationType | None" = strawberry_django.field(
        description="Your real-name verification (null before the first submission)."
    )

    identities: list["IdentityType"] = strawberry_django.field(
        description="Your identity applications."
    )
    tokens: "Connection[ApiTokenType]" = strawberry_django.connection(
        description="Your API tokens (newest first), including revoked and expired ones."
    )

    get_queryset = visible_rows(users_visible_to)


@strawberry_django.type(
    Verification,
    name="Verification",
    description="Real-name verification (实名认证), personal or institution.",
)
class VerificationType(ReviewableInterface):
    status: ReviewStatusEnum = strawberry_django.field(description="Where it stands in review.")
    kind: VerificationKindEnum = strawberry_django.field(description="Personal or institution.")
    name: str = strawberry_django.field(description="The person's or institution's name.")
    id_number: str | None = blank_as_null(
        "id_number", description="Resident ID number (personal; null for an institution)."
    )
    credit_code: str | None = blank_as_null(
        "credit_code", description="Unified social credit code (institution; null for a person)."
    )
    certificate_type: CertificateTypeEnum | None = blank_as_null(
        "certificate_type", CertificateTypeEnum, description="Certificate type (institution)."
    )
    certificate: FileType | None = strawberry_django.field(description="Certificate (institution).")
    user: UserType = strawberry_django.field(description="The applicant.")

    get_queryset = visible_rows(verifications_visible_to)


@strawberry_django.type(
    Identity, name="Identity", description="An identity application (身份申请)."
)
class IdentityType(ReviewableInterface):
    status: ReviewStatusEnum = strawberry_django.field(description="Where it stands in review.")
    kind: IdentityKindEnum = strawberry_django.field(
        description="The kind of identity applied for (高校, 企业, 个人 …)."
    )
    certificate: FileType | None = strawberry_django.field(
        description="The certificate uploaded with the application (institutions)."
    )
    user: UserType = strawberry_django.field(description="The applicant.")
    shop: Annotated["ShopType", strawberry.lazy("schema.shops")] | None = strawberry_django.field(
        description="The shop opened (or applied for) under this identity."
    )

    get_queryset = visible_rows(identities_visible_to)


@strawberry_django.type(ApiToken, name="ApiToken", description="A bearer token of yours.")
class ApiTokenType(relay.Node):
    name: str | None = blank_as_null(
        "name", description="The device name given at login; null if none."
    )
    prefix: str = strawberry_django.field(description="The first characters, to recognise it.")
    created_at: datetime = strawberry_django.field(description="When it was issued.")
    expires_at: datetime = strawberry_django.field(description="When it stops working.")
    last_used_at: datetime | None = strawberry_django.field(
        description="When it last authenticated a request (to the nearest few minutes)."
    )
    revoked_at: datetime | None = strawberry_django.field(
        description="When it was revoked (logout or tokenRevoke); null if it was not."
    )

    @classmethod
    def get_queryset(cls, queryset, info: Info, **kwargs):
        user = info.context.user
        return queryset.filter(user=user) if user.is_authenticated else queryset.none()


# Inputs and payloads


@strawberry.input
class SmsCodeSendInput:
    phone: str = strawberry.field(description="Mainland mobile number.")
    purpose: SmsCodePurposeEnum = strawberry.field(description="What the code is for.")


@strawberry.type
class SmsCodeSendPayload:
    sent_to: str | None = strawberry.field(description="The masked number the code went to.")
    expires_in_seconds: int | None = strawberry.field(description="Seconds the code stays valid.")
    resend_after_seconds: int | None = strawberry.field(
        description="Seconds before another code may be asked for this number."
    )
    errors: list[Error]


@strawberry.input
class RegisterInput:
    phone: str = strawberry.field(description="Mainland mobile number the code was sent to.")
    code: str = strawberry.field(description="The 6-digit SMS code (purpose REGISTER).")
    password: str | None = strawberry.field(default=None, description="Optional password.")
    mode: AuthMode = strawberry.field(
        default=AuthMode.SESSION, description="Session cookie or bearer token."
    )
    token_name: str | None = strawberry.field(
        default=None, description="With mode TOKEN: a name for the device."
    )


@strawberry.input
class LoginInput:
    phone: str = strawberry.field(description="Mainland mobile number.")
    code: str | None = strawberry.field(
        default=None, description="The SMS code (purpose LOGIN); or give password."
    )
    password: str | None = strawberry.field(default=None, description="The password; or give code.")
    mode: AuthMode = strawberry.field(
        default=AuthMode.SESSION, description="Session cookie or bearer token."
    )
    token_name: str | None = strawberry.field(
        default=None, description="With mode TOKEN: a name for the device."
    )


@strawberry.type
class AuthPayload:
    user: UserType | None = strawberry.field(description="Who is now signed in.")
    token: str | None = strawberry.field(
        description="With mode TOKEN: the bearer token. Shown once; store it securely."
    )
    token_expires_at: datetime | None = strawberry.field(
        description="With mode TOKEN: when the token expires."
    )
    errors: list[Error]


@strawberry.type
class LogoutPayload:
    errors: list[Error]


@strawberry.input(description="The input of `logout`; optional, `logout` alone ends this sign-in.")
class LogoutInput:
    all_tokens: bool = strawberry.field(
        default=False,
        description="Also revoke every other live bearer token of yours (the apps signed in "
        "on your other devices; their sockets close). Browser sessions elsewhere end with a "
        "password change (passwordSet).",
    )


@strawberry.input
class PasswordSetInput:
    password: str = strawberry.field(description="The new password (Django's password rules).")
    current_password: str | None = strawberry.field(
        default=None, description="Required when a password is already set."
    )


@strawberry.type
class UserPayload:
    user: UserType | None = strawberry.field(description="You, changed.")
    errors: list[Error]


@strawberry.input
class TokenRevokeInput:
    id: relay.GlobalID = strawberry.field(description="An ApiToken id of yours.")


@strawberry.type
class TokenRevokePayload:
    token: ApiTokenType | None = strawberry.field(description="The revoked token.")
    errors: list[Error]


@strawberry.input(
    description="Personal: name and idNumber. Institution: name, creditCode, "
    "certificateType and the certificate file (PDF, JPEG or PNG)."
)
class VerificationSubmitInput:
    kind: VerificationKindEnum = strawberry.field(description="Personal or institution.")
    name: str = strawberry.field(description="The person's or institution's full name.")
    id_number: str | None = strawberry.field(
        default=None, description="Personal: the 18-character resident ID number."
    )
    credit_code: str | None = strawberry.field(
        default=None, description="Institution: the 18-character unified social credit code."
    )
    certificate_type: CertificateTypeEnum | None = strawberry.field(
        default=None, description="Institution: which certificate is uploaded."
    )
    certificate: Upload | None = strawberry.field(
        default=None, description="Institution: the certificate file (multipart upload)."
    )


@strawberry.type
class VerificationPayload:
    verification: VerificationType | None = strawberry.field(
        description="Your verification, now pending review."
    )
    errors: list[Error]


@strawberry.input(description="Institution kinds need the certificate file (PDF, JPEG or PNG).")
class IdentityApplyInput:
    kind: IdentityKindEnum = strawberry.field(description="The identity applied for.")
    certificate: Upload | None = strawberry.field(
        default=None, description="Institution kinds: the certificate file (multipart upload)."
    )


@strawberry.type
class IdentityPayload:
    identity: IdentityType | None = strawberry.field(
        description="The application, now pending review."
    )
    errors: list[Error]
