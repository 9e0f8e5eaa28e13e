"""Publishing listings: drafts, submission to review, delisting, ownership."""

import dataclasses
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction

from accounts.models import IdentityKind, User
from agreements.models import AgreementKind
from agreements.services import agreement_check_accepted
from kernel.clock import local_today, now
from kernel.errors import CommonErrorCode, DomainError, ErrorCollector
from kernel.money import clean_amount
from kernel.text import clean_text
from reviews.models import ReviewStatus
from reviews.services import review_submit
from shops.errors import ShopErrorCode
from shops.models import Shop

from .errors import ListingErrorCode
from .legal_status import listing_legal_status_check
from .models import (
    EDITABLE_STATUSES,
    LegalStatus,
    LegalStatusCheckStage,
    LegalStatusOutcome,
    Listing,
    ListingLicence,
    ListingStatus,
    ListingType,
    Ownership,
    OwnershipChange,
    TransactionType,
)
from .patent_numbers import normalize_ipc, parse_patent_number

SEASON_IDENTITIES = {
    IdentityKind.UNIVERSITY,
    IdentityKind.RESEARCH_INSTITUTE,
    IdentityKind.STATE_OWNED_ENTERPRISE,
}
MAX_NAMES = 20
_NAME_SPACES = re.compile(r"\s+")


@dataclass
class PatentDetails:
    number: str | None = None
    patent_type: str | None = None
    application_date: date | None = None
    grant_date: date | None = None
    inventors: list[str] = dataclasses.field(default_factory=list)
    ipc_classes: list[str] = dataclasses.field(default_factory=list)
    legal_status: str | None = None


@dataclass
class AchievementDetails:
    maturity: str | None = None
    team: str | None = None


@dataclass
class LicenceTerms:
    """A licence's terms (transaction type LICENSE): how exclusive, for how long (years, or
    from a day to a day) and where."""

    kind: str | None = None
    term_years: int | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    territory: str | None = None


MAX_LICENCE_YEARS = 50


@dataclass
class ListingForm:
    """What the seller fills in. Every field may be empty in a draft; submission needs the
    fields its type requires."""

    title: str | None = None
    field: str | None = None
    description: str | None = None
    rights_holders: list[str] = dataclasses.field(default_factory=list)
    transaction_type: str | None = None
    start_price: Decimal | None = None
    season_opt_in: bool = False
    patent: PatentDetails | None = None
    achievement: AchievementDetails | None = None
    licence: LicenceTerms | None = None


# -- helpers --------------------------------------------------------------------------


def entity_name_key(name: str) -> str:
    """Names compare without spaces and with half-width brackets:
    南京大学（鼓楼） = 南京大学(鼓楼)."""
    return _NAME_SPACES.sub("", name).replace("（", "(").replace("）", ")")


def ownership_for(*, shop: Shop, rights_holders: list[str]) -> str:
    """Own (自有) when a rights holder is the shop's verified entity, agent (代理) otherwise."""
    entity = entity_name_key(shop.identity.user.verification.name)
    own = any(entity_name_key(holder) == entity for holder in rights_holders)
    return Ownership.OWN if own else Ownership.AGENT


def season_eligible_for(*, ownership: str, identity_kind: str) -> bool:
    """Own listings of universities, research institutes and state-owned enterprises."""
    return ownership == Ownership.OWN and identity_kind in SEASON_IDENTITIES


def season_eligible(listing: Listing) -> bool:
    return season_eligible_for(
        ownership=listing.ownership, identity_kind=listing.shop.identity.kind
    )


def _open_shop_of(user: User, shop_id: int) -> Shop:
    shop = (
        Shop.objects.select_related("identity__user__verification")
        .filter(pk=shop_id, identity__user=user, status=ReviewStatus.APPROVED)
        .first()
    )
    if shop is None:
        raise DomainError(ShopErrorCode.SHOP_NOT_OPEN, field="shopId")
    return shop


def _own_listing(user: User, listing_id: int, *, lock: bool = True) -> Listing:
    listings = Listing.objects.select_related("shop__identity__user__verification")
    if lock:
        listings = listings.select_for_update(of=("self",))
    listing = listings.filter(pk=listing_id, shop__identity__user=user).first()
    if listing is None:
        raise DomainError(CommonErrorCode.NOT_FOUND, field="id")
    return listing


def _clean_names(values, *, field: str, errors: ErrorCollector, limit: int) -> list[str]:
    names = []
    for value in values or []:
        name = (value or "").strip()
        if not name:
            continue
        if len(name) > 100 and not errors.has(field):
            errors.add(CommonErrorCode.TOO_LONG, field=field, limit=100)
        names.append(name[:100])
    if len(names) > limit and not errors.has(field):
        errors.add(ListingErrorCode.TOO_MANY_ITEMS, field=field, limit=limit)
    return list(dict.fromkeys(names))


def clean_price(value, *, errors: ErrorCollector, field: str = "startPrice") -> Decimal | None:
    """A listing's start price (the batch import's 起拍价 column too)."""
    return clean_amount(value, errors=errors, field=field, code=ListingErrorCode.PRICE_INVALID)


def _apply_form(listing: Listing, form: ListingForm, errors: ErrorCollector) -> None:
    """Check the form's format (not its completeness) and copy it onto ``listing``;
    refusals go to ``errors``."""
    listing.title = clean_text(form.title, field="title", errors=errors, limit=200, required=False)
    listing.field = form.field or ""
    listing.description = clean_text(
        form.description, field="description", errors=errors, limit=5000, required=False
    )
    listing.rights_holders = _clean_names(
        form.rights_holders, field="rightsHolders", errors=errors, limit=MAX_NAMES
    )
    listing.transaction_type = form.transaction_type or ""
    listing.start_price = clean_price(form.start_price, errors=errors)
    listing.season_opt_in = bool(form.season_opt_in)
    _apply_licence(listing, form.licence, errors)

    if listing.type == ListingType.PATENT:
        if form.achievement is not None:
            errors.add(ListingErrorCode.DETAILS_NOT_FOR_TYPE, field="achievement")
        _apply_patent(listing, form.patent or PatentDetails(), errors)
    else:
        if form.patent is not None:
            errors.add(ListingErrorCode.DETAILS_NOT_FOR_TYPE, field="patent")
        details = form.achievement or AchievementDetails()
        listing.maturity = details.maturity or ""
        listing.team = clean_text(
            details.team, field="achievement.team", errors=errors, limit=2000, required=False
        )

    if not listing.ownership_reviewed:
        listing.ownership = ownership_for(shop=listing.shop, rights_holders=listing.rights_holders)
    if listing.season_opt_in and not season_eligible(listing):
        errors.add(ListingErrorCode.SEASON_OPT_IN_NOT_ELIGIBLE, field="seasonOptIn")


def _apply_licence(listing: Listing, terms: LicenceTerms | None, errors: ErrorCollector) -> None:
    """Check the licence terms' format (a draft may hold part of them) and keep them on
    ``listing`` until it is saved (``_store_licence``); none given removes them."""
    terms = terms or LicenceTerms()
    territory = clean_text(
        terms.territory, field="licence.territory", errors=errors, limit=200, required=False
    )
    given = any(
        value not in (None, "")
        for value in (terms.kind, terms.term_years, terms.starts_on, terms.ends_on, territory)
    )
    if given and listing.transaction_type != TransactionType.LICENSE:
        errors.add(ListingErrorCode.LICENCE_TERMS_NOT_FOR_TRANSFER, field="licence")
    if terms.term_years is not None and (terms.starts_on or terms.ends_on):
        errors.add(ListingErrorCode.LICENCE_TERM_AMBIGUOUS, field="licence.termYears")
    elif terms.term_years is not None and not 1 <= terms.term_years <= MAX_LICENCE_YEARS:
        errors.add(ListingErrorCode.LICENCE_TERM_INVALID, field="licence.termYears")
    elif terms.starts_on and terms.ends_on and terms.ends_on <= terms.starts_on:
        errors.add(ListingErrorCode.LICENCE_TERM_INVALID, field="licence.endsOn")
    listing._pending_licence = (
        ListingLicence(
            kind=terms.kind or "",
            term_years=terms.term_years,
            starts_on=terms.starts_on,
            ends_on=terms.ends_on,
            territory=territory,
        )
        if given
        else None
    )


def listing_licence(listing: Listing) -> ListingLicence | None:
    """A listing's licence terms: as just applied from a form, else as stored (None for a
    transfer, or a licence whose terms the seller left to the contract)."""
    if hasattr(listing, "_pending_licence"):
        return listing._pending_licence
    if listing.transaction_type != TransactionType.LICENSE:
        return None
    return getattr(listing, "licence_terms", None)  # a missing one-to-one: AttributeError


def licence_terms_given(listing: Listing) -> bool:
    return listing_licence(listing) is not None


def _store_licence(listing: Listing) -> None:
    """Save the terms the form gave (after the listing itself), or remove old ones."""
    terms = listing.__dict__.pop("_pending_licence", None)
    if terms is None:
        ListingLicence.objects.filter(listing=listing).delete()
        return
    ListingLicence.objects.update_or_create(
        listing=listing,
        defaults={
            "kind": terms.kind,
            "term_years": terms.term_years,
            "starts_on": terms.starts_on,
            "ends_on": terms.ends_on,
            "territory": terms.territory,
        },
    )
    listing.__dict__.pop("licence_terms", None)
    if hasattr(listing, "_state"):
        listing._state.fields_cache.pop("licence_terms", None)


def _check_licence_complete(listing: Listing, errors: ErrorCollector) -> None:
    """A licence listing may leave its terms to the contract (the guide's form only asks for
    the transaction type); once any term is given, all of them are needed."""
    terms = listing_licence(listing)
    if listing.transaction_type != TransactionType.LICENSE or terms is None:
        return
    if not terms.kind:
        errors.add(CommonErrorCode.REQUIRED, field="licence.kind")
    if not terms.territory:
        errors.add(CommonErrorCode.REQUIRED, field="licence.territory")
    if not terms.term_years and not (terms.starts_on and terms.ends_on):
        errors.add(ListingErrorCode.LICENCE_TERM_REQUIRED, field="licence.termYears")


def _apply_patent(listing: Listing, details: PatentDetails, errors: ErrorCollector) -> None:
    listing.patent_number = ""
    if details.number and details.number.strip():
        number = parse_patent_number(details.number)
        if number is None:
            errors.add(ListingErrorCode.PATENT_NUMBER_INVALID, field="patent.number")
        else:
            listing.patent_number = number.canonical
            if details.patent_type and details.patent_type != number.patent_type:
                errors.add(
                    ListingErrorCode.PATENT_TYPE_MISMATCH,
                    field="patent.patentType",
                    expected=number.patent_type,
                )
    listing.patent_type = details.patent_type or ""
    today = local_today()
    for name, value in (
        ("applicationDate", details.application_date),
        ("grantDate", details.grant_date),
    ):
        if value and value > today:
            errors.add(ListingErrorCode.DATE_IN_FUTURE, field=f"patent.{name}")
    if (
        details.application_date
        and details.grant_date
        and (details.grant_date < details.application_date)
    ):
        errors.add(ListingErrorCode.GRANT_BEFORE_APPLICATION, field="patent.grantDate")
    listing.application_date = details.application_date
    listing.grant_date = details.grant_date
    listing.inventors = _clean_names(
        details.inventors, field="patent.inventors", errors=errors, limit=50
    )
    classes = []
    for value in details.ipc_classes or []:
        ipc = _NAME_SPACES.sub(" ", (value or "").strip().upper())
        if not ipc:
            continue
        if normalize_ipc(ipc) is None:
            errors.add(ListingErrorCode.IPC_CLASS_INVALID, field="patent.ipcClasses", value=ipc)
        classes.append(ipc)
    listing.ipc_classes = classes
    listing.legal_status = details.legal_status or ""


def _check_complete(listing: Listing, errors: ErrorCollector) -> None:
    """What submission needs beyond a draft's format checks; refusals go to ``errors``."""
    required = {
        "title": listing.title,
        "field": listing.field,
        "description": listing.description,
        "rightsHolders": listing.rights_holders,
        "transactionType": listing.transaction_type,
        "startPrice": listing.start_price,
    }
    if listing.type == ListingType.PATENT:
        required |= {
            "patent.number": listing.patent_number,
            "patent.patentType": listing.patent_type,
            "patent.applicationDate": listing.application_date,
            "patent.inventors": listing.inventors,
            "patent.legalStatus": listing.legal_status,
        }
        if listing.legal_status == "GRANTED":
            required["patent.grantDate"] = listing.grant_date
    else:
        required["achievement.maturity"] = listing.maturity
    for name, value in required.items():
        if value in (None, "", []):
            errors.add(CommonErrorCode.REQUIRED, field=name)
    _check_licence_complete(listing, errors)


def listing_validate(*, shop: Shop, type: str, form: ListingForm) -> Listing:
    """Check ``form`` as submission would (format, completeness, season opt-in), without
    saving; every refusal at once in one DomainError. Returns the unsaved listing (for
    batch import, which checks many rows before it creates any)."""
    listing = Listing(shop=shop, type=type, status=ListingStatus.DRAFT)
    errors = ErrorCollector()
    _apply_form(listing, form, errors)
    _check_complete(listing, errors)
    errors.raise_if_any()
    return listing


# -- services -------------------------------------------------------------------------


@transaction.atomic
def listing_create(
    *, user: User, shop_id: int, type: str, agreement_version: str, form: ListingForm
) -> Listing:
    """Save a new draft in one of the user's open shops, with 《商品发布协议》 accepted."""
    shop = _open_shop_of(user, shop_id)
    agreement = agreement_check_accepted(
        kind=AgreementKind.LISTING_AGREEMENT, version=agreement_version, field="agreementVersion"
    )
    listing = Listing(
        shop=shop,
        type=type,
        status=ListingStatus.DRAFT,
        agreement=agreement,
        agreement_accepted_at=now(),
    )
    errors = ErrorCollector()
    _apply_form(listing, form, errors)
    errors.raise_if_any()
    listing.save()
    _store_licence(listing)
    return listing


@transaction.atomic
def listing_update(
    *, user: User, listing_id: int, form: ListingForm, agreement_version: str | None = None
) -> Listing:
    """Replace the form of a draft, a rejected or a delisted listing (its status stays)."""
    listing = _own_listing(user, listing_id)
    if listing.status not in EDITABLE_STATUSES:
        raise DomainError(ListingErrorCode.LISTING_NOT_EDITABLE, field="id")
    if agreement_version is not None:
        listing.agreement = agreement_check_accepted(
            kind=AgreementKind.LISTING_AGREEMENT,
            version=agreement_version,
            field="agreementVersion",
        )
        listing.agreement_accepted_at = now()
    errors = ErrorCollector()
    _apply_form(listing, form, errors)
    errors.raise_if_any()
    listing.save()
    _store_licence(listing)
    return listing


@transaction.atomic
def listing_submit(*, user: User, listing_id: int) -> Listing:
    """Send a complete listing to staff review (also after a rejection or a delisting)."""
    listing = _own_listing(user, listing_id)
    if listing.status not in EDITABLE_STATUSES:
        raise DomainError(ListingErrorCode.LISTING_NOT_EDITABLE, field="id")
    agreement_check_accepted(
        kind=AgreementKind.LISTING_AGREEMENT,
        version=listing.agreement.version,
        field="agreementVersion",
    )
    errors = ErrorCollector()
    _check_complete(listing, errors)
    if listing.season_opt_in and not season_eligible(listing):
        errors.add(ListingErrorCode.SEASON_OPT_IN_NOT_ELIGIBLE, field="seasonOptIn")
    errors.raise_if_any()
    # issue 14: the legal status as the patent provider knows it now, recorded.
    check = listing_legal_status_check(listing=listing, stage=LegalStatusCheckStage.SUBMISSION)
    if check is not None and check.outcome == LegalStatusOutcome.UNSELLABLE:
        raise DomainError(
            ListingErrorCode.PATENT_NOT_SELLABLE,
            field="patent.number",
            params={"status": LegalStatus(check.status).label},
        )
    try:
        # The partial unique constraint decides races between two submissions of one patent.
        with transaction.atomic():
            review_submit(subject=listing, actor=user, snapshot=listing_snapshot(listing))
    except IntegrityError as exc:
        raise DomainError(ListingErrorCode.PATENT_ALREADY_LISTED, field="patent.number") from exc
    return listing


def listing_snapshot(listing: Listing) -> dict:
    return {
        "type": listing.type,
        "title": listing.title,
        "field": listing.field,
        "description": listing.description,
        "rights_holders": listing.rights_holders,
        "transaction_type": listing.transaction_type,
        "start_price": str(listing.start_price),
        "season_opt_in": listing.season_opt_in,
        "ownership": listing.ownership,
        "agreement_version": listing.agreement.version,
        "patent_number": listing.patent_number,
        "patent_type": listing.patent_type,
        "application_date": listing.application_date and listing.application_date.isoformat(),
        "grant_date": listing.grant_date and listing.grant_date.isoformat(),
        "inventors": listing.inventors,
        "ipc_classes": listing.ipc_classes,
        "legal_status": listing.legal_status,
        "maturity": listing.maturity,
        "team": listing.team,
        "licence": _licence_snapshot(listing_licence(listing)),
    }


def _licence_snapshot(terms: ListingLicence | None) -> dict | None:
    if terms is None:
        return None
    return {
        "kind": terms.kind,
        "term_years": terms.term_years,
        "starts_on": terms.starts_on and terms.starts_on.isoformat(),
        "ends_on": terms.ends_on and terms.ends_on.isoformat(),
        "territory": terms.territory,
    }


def listing_on_decided(listing: Listing) -> None:
    if listing.status == ListingStatus.LISTED:
        listing.listed_at = now()
        listing.delisted_at = None
        listing.save(update_fields=["listed_at", "delisted_at"])


@transaction.atomic
def listing_delist(*, user: User, listing_id: int) -> Listing:
    """Take a listed listing off sale, until an auction takes it (下架)."""
    listing = _own_listing(user, listing_id)
    if listing.status == ListingStatus.IN_AUCTION:
        raise DomainError(ListingErrorCode.LISTING_IN_AUCTION, field="id")
    if listing.status != ListingStatus.LISTED:
        raise DomainError(ListingErrorCode.LISTING_NOT_LISTED, field="id")
    listing.status = ListingStatus.DELISTED
    listing.delisted_at = now()
    listing.save(update_fields=["status", "delisted_at", "updated_at"])
    return listing


@transaction.atomic
def ownership_change_apply(
    *, user: User, listing_id: int, requested: str, reason: str
) -> OwnershipChange:
    """Ask staff to set a listing's ownership other than the platform judged it."""
    listing = _own_listing(user, listing_id)
    if listing.status not in EDITABLE_STATUSES:
        raise DomainError(ListingErrorCode.LISTING_NOT_EDITABLE, field="listingId")
    if listing.ownership == requested:
        raise DomainError(ListingErrorCode.OWNERSHIP_UNCHANGED, field="requested")
    if OwnershipChange.objects.filter(listing=listing, status=ReviewStatus.PENDING).exists():
        raise DomainError(ListingErrorCode.OWNERSHIP_CHANGE_PENDING, field="listingId")
    errors = ErrorCollector()
    reason = clean_text(reason, field="reason", errors=errors, limit=1000)
    errors.raise_if_any()
    change = OwnershipChange(listing=listing, requested=requested, reason=reason, applicant=user)
    review_submit(
        subject=change,
        actor=user,
        snapshot={
            "listing": listing.pk,
            "from": listing.ownership,
            "to": requested,
            "reason": reason,
        },
    )
    return change


def ownership_change_on_decided(change: OwnershipChange) -> None:
    if change.status != ReviewStatus.APPROVED:
        return
    listing = (
        Listing.objects.select_for_update(of=("self",))
        .select_related("shop__identity")
        .get(pk=change.listing_id)
    )
    listing.ownership = change.requested
    listing.ownership_reviewed = True
    if listing.season_opt_in and not season_eligible(listing):
        # An agent listing may not stay in the auction season (it is not yet in a lot:
        # ownership changes are open to editable listings only, and lots check again).
        listing.season_opt_in = False
    listing.save(update_fields=["ownership", "ownership_reviewed", "season_opt_in", "updated_at"])
