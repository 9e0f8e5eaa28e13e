"""Real-name verification (实名认证) and identity applications (身份申请)."""

from django.db import transaction

from accounts.errors import VerificationErrorCode
from accounts.models import (
    CertificateType,
    Identity,
    IdentityKind,
    User,
    Verification,
    VerificationKind,
)
from accounts.validators import normalize_credit_code, normalize_id_number
from files.models import FileKind
from files.services import file_check, file_store
from kernel.errors import CommonErrorCode, DomainError, ErrorCollector
from kernel.text import clean_text
from reviews.models import ReviewStatus
from reviews.services import review_submit


@transaction.atomic
def verification_submit(
    *,
    user: User,
    kind: str,
    name: str,
    id_number: str | None = None,
    credit_code: str | None = None,
    certificate_type: str | None = None,
    certificate=None,
) -> Verification:
    """Submit, or correct and resubmit after a rejection, the user's real-name verification."""
    existing = Verification.objects.select_for_update().filter(user=user).first()
    if existing is not None and existing.status == ReviewStatus.PENDING:
        raise DomainError(VerificationErrorCode.VERIFICATION_PENDING)
    if existing is not None and existing.status == ReviewStatus.APPROVED:
        raise DomainError(VerificationErrorCode.VERIFICATION_ALREADY_APPROVED)

    errors = ErrorCollector()
    name = clean_text(name, field="name", errors=errors, limit=100)
    verification = existing or Verification(user=user)
    verification.kind = kind
    verification.name = name
    if kind == VerificationKind.PERSONAL:
        number = normalize_id_number(id_number or "")
        if not (id_number or "").strip():
            errors.add(CommonErrorCode.REQUIRED, field="idNumber")
        elif number is None:
            errors.add(VerificationErrorCode.ID_NUMBER_INVALID, field="idNumber")
        verification.id_number = number or ""
        verification.credit_code = ""
        verification.certificate_type = ""
        verification.certificate = None
    else:
        code = normalize_credit_code(credit_code or "")
        if not (credit_code or "").strip():
            errors.add(CommonErrorCode.REQUIRED, field="creditCode")
        elif code is None:
            errors.add(VerificationErrorCode.CREDIT_CODE_INVALID, field="creditCode")
        if certificate_type not in CertificateType.values:
            errors.add(CommonErrorCode.REQUIRED, field="certificateType")
        try:
            file_check(
                upload=certificate, kind=FileKind.VERIFICATION_CERTIFICATE, field="certificate"
            )
        except DomainError as exc:
            errors.items.extend(exc.items)
        verification.id_number = ""
        verification.credit_code = code or ""
        verification.certificate_type = certificate_type or ""
    errors.raise_if_any()

    if kind == VerificationKind.INSTITUTION:
        verification.certificate = file_store(
            upload=certificate,
            kind=FileKind.VERIFICATION_CERTIFICATE,
            owner=user,
            field="certificate",
        )
    review_submit(
        subject=verification,
        actor=user,
        snapshot={
            "kind": verification.kind,
            "name": verification.name,
            "id_number": verification.id_number,
            "credit_code": verification.credit_code,
            "certificate_type": verification.certificate_type,
            "certificate": str(verification.certificate_id or ""),
        },
    )
    return verification


def _approved_verification(user: User) -> Verification:
    verification = Verification.objects.filter(user=user, status=ReviewStatus.APPROVED).first()
    if verification is None:
        raise DomainError(VerificationErrorCode.VERIFICATION_REQUIRED)
    return verification


@transaction.atomic
def identity_apply(*, user: User, kind: str, certificate=None) -> Identity:
    """Apply (or reapply after a rejection) for an identity; needs approved verification.

    Institution identities need an institution verification and a certificate; the
    individual identity needs a personal verification and no further file.
    """
    verification = _approved_verification(user)
    institutional = kind in IdentityKind.for_institutions()
    if institutional != (verification.kind == VerificationKind.INSTITUTION):
        raise DomainError(VerificationErrorCode.IDENTITY_KIND_NOT_ALLOWED, field="kind")

    identity = Identity.objects.select_for_update().filter(user=user, kind=kind).first()
    if identity is not None and identity.status == ReviewStatus.PENDING:
        raise DomainError(VerificationErrorCode.IDENTITY_PENDING, field="kind")
    if identity is not None and identity.status == ReviewStatus.APPROVED:
        raise DomainError(VerificationErrorCode.IDENTITY_ALREADY_APPROVED, field="kind")
    identity = identity or Identity(user=user, kind=kind)
    if institutional:
        identity.certificate = file_store(
            upload=certificate, kind=FileKind.IDENTITY_CERTIFICATE, owner=user, field="certificate"
        )
    review_submit(
        subject=identity,
        actor=user,
        snapshot={"kind": kind, "certificate": str(identity.certificate_id or "")},
    )
    return identity
