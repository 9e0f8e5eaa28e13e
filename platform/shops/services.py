import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from accounts.models import User, VerificationKind
from accounts.selectors import approved_identity
from agreements.models import AgreementKind
from agreements.services import agreement_check_accepted
from kernel.clock import now
from kernel.errors import DomainError, ErrorCollector
from kernel.text import clean_text
from reviews.models import ReviewStatus
from reviews.services import review_record_change, review_submit

from .errors import ShopErrorCode
from .models import Shop

# Mobile or landline (area code, optional extension), as printed on a business card.
_CONTACT_PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?)$")


def _clean_details(
    errors: ErrorCollector,
    *,
    description: str,
    contact_name: str,
    contact_phone: str,
    contact_email: str,
) -> dict[str, str]:
    """The shop's description and contacts, stripped; refusals go to ``errors``."""
    details = {
        "description": clean_text(
            description, field="description", errors=errors, limit=2000, required=False
        ),
        "contact_name": clean_text(contact_name, field="contactName", errors=errors, limit=50),
        "contact_phone": clean_text(contact_phone, field="contactPhone", errors=errors, limit=20),
        "contact_email": clean_text(
            contact_email, field="contactEmail", errors=errors, limit=254, required=False
        ),
    }
    phone = details["contact_phone"]
    if phone and not errors.has("contactPhone") and not _CONTACT_PHONE.match(phone):
        errors.add(ShopErrorCode.CONTACT_PHONE_INVALID, field="contactPhone")
    if details["contact_email"] and not errors.has("contactEmail"):
        try:
            validate_email(details["contact_email"])
        except ValidationError:
            errors.add(ShopErrorCode.CONTACT_EMAIL_INVALID, field="contactEmail")
    return details


@transaction.atomic
def shop_apply(
    *,
    user: User,
    identity_id: int,
    notice_version: str,
    name: str,
    description: str = "",
    contact_name: str,
    contact_phone: str,
    contact_email: str = "",
) -> Shop:
    """Apply to open the shop of an approved identity, or correct and reapply after rejection."""
    identity = approved_identity(user=user, identity_id=identity_id)
    if identity is None:
        raise DomainError(ShopErrorCode.IDENTITY_NOT_APPROVED, field="identityId")
    shop = Shop.objects.select_for_update().filter(identity=identity).first()
    if shop is not None and shop.status == ReviewStatus.PENDING:
        raise DomainError(ShopErrorCode.SHOP_PENDING, field="identityId")
    if shop is not None and shop.status == ReviewStatus.APPROVED:
        raise DomainError(ShopErrorCode.SHOP_ALREADY_OPEN, field="identityId")
    notice = agreement_check_accepted(
        kind=AgreementKind.SHOP_NOTICE, version=notice_version, field="noticeVersion"
    )

    errors = ErrorCollector()
    name = clean_text(name, field="name", errors=errors, limit=100)
    details = _clean_details(
        errors,
        description=description,
        contact_name=contact_name,
        contact_phone=contact_phone,
        contact_email=contact_email,
    )
    verification = user.verification
    if (
        name
        and not errors.has("name")
        and verification.kind == VerificationKind.INSTITUTION
        and name != verification.name
    ):
        errors.add(
            ShopErrorCode.SHOP_NAME_MUST_MATCH_INSTITUTION, field="name", name=verification.name
        )
    errors.raise_if_any()

    shop = shop or Shop(identity=identity)
    shop.name = name
    for field, value in details.items():
        setattr(shop, field, value)
    shop.notice_accepted = notice
    shop.notice_accepted_at = now()
    review_submit(
        subject=shop,
        actor=user,
        snapshot={
            "name": name,
            **details,
            "notice_version": notice.version,
        },
    )
    return shop


@transaction.atomic
def shop_update(
    *,
    user: User,
    shop_id: int,
    description: str = "",
    contact_name: str,
    contact_phone: str,
    contact_email: str = "",
) -> Shop:
    """Change an open shop's description and contacts (its name is fixed by its review).

    These are not reviewed again; the change is recorded in the shop's review history.
    """
    shop = (
        Shop.objects.select_for_update()
        .filter(pk=shop_id, identity__user=user, status=ReviewStatus.APPROVED)
        .first()
    )
    if shop is None:
        raise DomainError(ShopErrorCode.SHOP_NOT_OPEN, field="id")
    errors = ErrorCollector()
    details = _clean_details(
        errors,
        description=description,
        contact_name=contact_name,
        contact_phone=contact_phone,
        contact_email=contact_email,
    )
    errors.raise_if_any()
    for field, value in details.items():
        setattr(shop, field, value)
    shop.save(update_fields=list(details))
    review_record_change(subject=shop, actor=user, snapshot=details)
    return shop
