import enum
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
import strawberry_django
from strawberry import relay
from strawberry.file_uploads import Upload
from strawberry_django.relay import DjangoListConnection

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

from .context import Info
from .errors import Error
from .fields import blank_as_null
from .files import FileType
from .reviews import ReviewableInterface, ReviewStatusEnum

if TYPE_CHECKING:
    from .shops import ShopType

SmsCodePurposeEnum = strawberry.enum(SmsCodePurpose, name="SmsCodePurpose")
VerificationKindEnum = strawberry.enum(VerificationKind, name="VerificationKind")
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
    SESSION = "SESSION"  # browsers: a session cookie; later POSTs need the X-CSRFToken header
    TOKEN = "TOKEN"  # mobile apps: a bearer token in the payload; send it as Authorization


@strawberry_django.type(
    User, name="User", description="A registered user (you, or for staff anyone)."
)
class UserType(relay.Node):
    phone: str = strawberry_django.field(description="Mainland mobile number.")
    is_staff: bool = strawberry_django.field(description="Exchange staff.")
    date_joined: datetime

    @strawberry_django.field(only=["password"], description="Whether a password is set.")
    def has_password(self) -> bool:
        return self.has_usable_password()

    verification: "VerificationType | None" = strawberry_django.field(
        description="Your real-name verification (null before the first submission)."
    )

    identities: list["IdentityType"] = strawberry_django.field(
        description="Your identity applications."
    )
    tokens: "DjangoListConnection[ApiTokenType]" = strawberry_django.connection(
        description="Your API tokens (newest first), including revoked and expired ones."
    )

    @classmethod
    def get_queryset(cls, queryset, info: Info, **kwargs):
        return queryset & users_visible_to(info.context.user)


@strawberry_django.type(
    Verification,
    name="Verification",
    description="Real-name verification (实名认证), personal or institution.",
)
class VerificationType(relay.Node, ReviewableInterface):
    status: ReviewStatusEnum
    kind: VerificationKindEnum
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

    @classmethod
    def get_queryset(cls, queryset, info: Info, **kwargs):
        return queryset & verifications_visible_to(info.context.user)


@strawberry_django.type(
    Identity, name="Identity", description="An identity application (身份申请)."
)
class IdentityType(relay.Node, ReviewableInterface):
    status: ReviewStatusEnum
    kind: IdentityKindEnum
    certificate: FileType | None = strawberry_django.field(
        description="The certificate uploaded with the application (institutions)."
    )
    user: UserType = strawberry_django.field(description="The applicant.")
    shop: Annotated["ShopType", strawberry.lazy("schema.shops")] | None = strawberry_django.field(
        description="The shop opened (or applied for) under this identity."
    )

    @classmethod
    def get_queryset(cls, queryset, info: Info, **kwargs):
        return queryset & identities_visible_to(info.context.user)


@strawberry_django.type(ApiToken, name="ApiToken", description="A bearer token of yours.")
class ApiTokenType(relay.Node):
    name: str | None = blank_as_null("name", description="The device name given; null if none.")
    prefix: str = strawberry_django.field(description="The first characters, to recognise it.")
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def get_queryset(cls, queryset, info: Info, **kwargs):
        user = info.context.user
        return queryset.filter(user=user) if user.is_authenticated else queryset.none()


# Inputs and payloads


@strawberry.input
class SmsCodeSendInput:
    phone: str = strawberry.field(description="Mainland mobile number.")
    purpose: SmsCodePurposeEnum


@strawberry.type
class SmsCodeSendPayload:
    sent_to: str | None = strawberry.field(description="The masked number the code went to.")
    expires_in_seconds: int | None
    resend_after_seconds: int | None
    errors: list[Error]


@strawberry.input
class RegisterInput:
    phone: str
    code: str = strawberry.field(description="The 6-digit SMS code (purpose REGISTER).")
    password: str | None = strawberry.field(default=None, description="Optional password.")
    mode: AuthMode = AuthMode.SESSION
    token_name: str | None = strawberry.field(
        default=None, description="With mode TOKEN: a name for the device."
    )


@strawberry.input
class LoginInput:
    phone: str
    code: str | None = strawberry.field(
        default=None, description="The SMS code (purpose LOGIN); or give password."
    )
    password: str | None = None
    mode: AuthMode = AuthMode.SESSION
    token_name: str | None = None


@strawberry.type
class AuthPayload:
    user: UserType | None
    token: str | None = strawberry.field(
        description="With mode TOKEN: the bearer token. Shown once; store it securely."
    )
    token_expires_at: datetime | None
    errors: list[Error]


@strawberry.type
class LogoutPayload:
    errors: list[Error]


@strawberry.input
class PasswordSetInput:
    password: str
    current_password: str | None = strawberry.field(
        default=None, description="Required when a password is already set."
    )


@strawberry.type
class UserPayload:
    user: UserType | None
    errors: list[Error]


@strawberry.input
class TokenRevokeInput:
    id: relay.GlobalID = strawberry.field(description="An ApiToken id of yours.")


@strawberry.type
class TokenRevokePayload:
    token: ApiTokenType | None
    errors: list[Error]


@strawberry.input(
    description="Personal: name and idNumber. Institution: name, creditCode, "
    "certificateType and the certificate file (PDF, JPEG or PNG)."
)
class VerificationSubmitInput:
    kind: VerificationKindEnum
    name: str
    id_number: str | None = None
    credit_code: str | None = None
    certificate_type: CertificateTypeEnum | None = None
    certificate: Upload | None = None


@strawberry.type
class VerificationPayload:
    verification: VerificationType | None
    errors: list[Error]


@strawberry.input(description="Institution kinds need the certificate file (PDF, JPEG or PNG).")
class IdentityApplyInput:
    kind: IdentityKindEnum
    certificate: Upload | None = None


@strawberry.type
class IdentityPayload:
    identity: IdentityType | None
    errors: list[Error]
