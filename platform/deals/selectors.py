import hmac
import re

from django.conf import settings
from django.core import signing
from django.db.models import Q, QuerySet
from django.urls import reverse

from kernel.permissions import Perm, staff_can

from .models import Deal, DealStatus, IssuedDocument, Strike


def deals_visible_to(user) -> QuerySet[Deal]:
    """The buyer and the seller see their deal; staff who manage deals see all."""
    if not user.is_authenticated:
        return Deal.objects.none()
    if staff_can(user, Perm.MANAGE_DEALS):
        return Deal.objects.all()
    return Deal.objects.filter(Q(buyer=user) | Q(seller=user))


def deals_of(*, user, role: str | None = None) -> QuerySet[Deal]:
    """My auctions > transaction records: as buyer, as seller, or both."""
    if role == "BUYER":
        deals = Deal.objects.filter(buyer=user)
    elif role == "SELLER":
        deals = Deal.objects.filter(seller=user)
    else:
        deals = Deal.objects.filter(Q(buyer=user) | Q(seller=user))
    return deals.order_by("-dealt_at", "-pk")


def deals_for_staff(
    *,
    status: str | None = None,
    season_id: int | None = None,
    overdue: bool | None = None,
    lacks_registration: bool | None = None,
) -> QuerySet[Deal]:
    deals = Deal.objects.order_by("-dealt_at", "-pk")
    if status:
        deals = deals.filter(status=status)
    if season_id:
        deals = deals.filter(lot__session__season_id=season_id)
    if overdue is not None:
        deals = deals.filter(overdue_at__isnull=not overdue)
    if lacks_registration:
        # F28: deals with a contract whose transfer or contract registration is not recorded.
        deals = deals.exclude(status__in=[DealStatus.NOTICE_ISSUED, DealStatus.CANCELLED]).filter(
            Q(patent_transfer_registered_on__isnull=True, lot__listing__type="PATENT")
            | Q(tech_contract_registered_on__isnull=True)
        )
    return deals


def buyer_is_barred(user) -> bool:
    """Defaults (cancelled deals) at or above the configured limit bar new registrations."""
    return Strike.objects.filter(user=user).count() >= settings.BUYER_STRIKES_TO_BAR


def document_verify(*, serial: str, code: str) -> IssuedDocument | None:
    """The issued notice or certificate with this serial, if ``code`` is its code; None for
    anything forged or altered. The code is compared in constant time; dashes, spaces and
    case do not matter (it is printed ``ABCD-EFGH``)."""
    serial = (serial or "").strip().upper()
    code = re.sub(r"[\s-]", "", code or "").upper()
    if not serial or not code or len(serial) > 40:
        return None
    document = IssuedDocument.objects.filter(serial=serial).first()
    if document is None or not hmac.compare_digest(document.code.encode(), code.encode()):
        return None
    return document


_CONTRACT_SALT = "deals.contract-draft"


def deal_contract_draft_path(*, user, deal: Deal) -> str | None:
    """A short-lived link to the deal's contract template filled with its data, for its
    parties and staff (the names and price in it are theirs)."""
    party = user.is_authenticated and user.pk in (deal.buyer_id, deal.seller_id)
    if not (party or staff_can(user, Perm.MANAGE_DEALS)):
        return None
    token = signing.TimestampSigner(salt=_CONTRACT_SALT).sign_object({"d": deal.pk, "u": user.pk})
    return reverse("deals:contract_draft", kwargs={"token": token})


def deal_from_contract_token(token: str) -> Deal | None:
    try:
        data = signing.TimestampSigner(salt=_CONTRACT_SALT).unsign_object(
            token, max_age=settings.FILE_URL_MAX_AGE
        )
    except signing.BadSignature:
        return None
    return (
        Deal.objects.select_related("lot__listing", "buyer__verification", "seller__verification")
        .filter(pk=data["d"])
        .first()
    )
