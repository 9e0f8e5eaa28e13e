"""Settlement: the deal notice, the contract within 5 working days, the payment proof,
delivery and the transaction certificate; reminders, overdue marks and defaults."""

import secrets
from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction

from auctions.models import Bid, Lot
from auctions.services.chain import bid_chain_verify
from calendars.workdays import WorkCalendar
from files.models import FileKind
from files.services import PDF, file_save, file_store
from kernel.clock import SHANGHAI, local_today, now
from kernel.errors import DomainError, ErrorCollector
from kernel.permissions import Perm, staff_require
from kernel.text import clean_text
from listings.models import Listing, ListingStatus, TransactionType
from listings.services import listing_licence
from notifications.services import notify

from .documents import (
    LICENSE,
    TRANSFER,
    CertificateData,
    ContractFill,
    DealNoticeData,
    LicenceInfo,
    SubjectItem,
    VerificationMark,
    certificate_pdf,
    contract_template_pdf,
    deal_notice_pdf,
    format_date,
)
from .errors import DealErrorCode
from .models import Deal, DealStatus, DocumentKind, DutyRun, IssuedDocument, Strike

CONTRACT_WORKING_DAYS = 5


def _buyer_name(deal: Deal) -> str:
    return deal.buyer.verification.name


def _seller_name(deal: Deal) -> str:
    return deal.seller.verification.name


_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I/L to misread
_CODE_LENGTH = 8
_SERIAL_SUFFIX = {DocumentKind.NOTICE: "TZ", DocumentKind.CERTIFICATE: "PZ"}


def _document_register(
    deal: Deal, *, kind: str, issued_on, chain_head: str
) -> tuple[IssuedDocument, VerificationMark]:
    """The verification record of a deal's notice or certificate, made once: a reissued
    notice keeps its serial and code. Records what the document states, as it states it."""
    document = IssuedDocument.objects.filter(deal=deal, kind=kind).first()
    if document is None:
        document = IssuedDocument.objects.create(
            deal=deal,
            kind=kind,
            serial=f"{deal.serial}-{_SERIAL_SUFFIX[kind]}",
            code="".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_LENGTH)),
            issued_on=issued_on,
            lot_title=deal.lot.subject_title()[:300],
            price=deal.price,
            dealt_on=deal.dealt_at.astimezone(SHANGHAI).date(),
            buyer_name=_buyer_name(deal),
            seller_name=_seller_name(deal),
            bid_chain_head=chain_head,
        )
    query = urlencode({"serial": document.serial, "code": document.code})
    mark = VerificationMark(
        serial=document.serial,
        code=f"{document.code[:4]}-{document.code[4:]}",
        url=f"{settings.DOCUMENT_VERIFY_URL}?{query}",
    )
    return document, mark


def _share(file, *users) -> None:
    file.readers.add(*[user for user in users if user.pk != file.owner_id])


def won_under_priority_right(*, lot: Lot, registration) -> bool:
    """Whether the winner's highest bid (its last) was a match under the priority purchase
    right (优先购买权): it won at a price an ordinary bidder had bid first."""
    last = (
        Bid.objects.filter(lot=lot, registration=registration)
        .order_by("-seq")
        .values_list("under_priority_right", flat=True)
        .first()
    )
    return bool(last)


def deal_open(*, lot: Lot, registration=None, price: Decimal | None = None, rank: int = 1) -> Deal:
    """Create a deal of a lot that just sold (inside the clock's transaction, so a lot is
    never sold without its deal): the winner's, or one of the winners' of a lot sold as
    several licences (``rank`` among them, at their own ``price``). Its notice is rendered
    and stored after that transaction commits, by ``deals_issue_notices`` (the worker's
    ``documents`` loop): no PDF rendering or storage write holds the lots' locks."""
    listing = lot.listing
    registration = registration or lot.winner
    dealt_at = lot.finalized_at
    deadline = WorkCalendar().deadline(dealt_at.astimezone(SHANGHAI).date(), CONTRACT_WORKING_DAYS)
    deal = Deal.objects.create(
        lot=lot,
        licence_rank=rank,
        registration=registration,
        buyer=registration.user,
        seller=listing.shop.identity.user,
        shop=listing.shop,
        price=lot.final_price if price is None else price,
        won_under_priority_right=won_under_priority_right(lot=lot, registration=registration),
        dealt_at=dealt_at,
        contract_deadline=deadline.day,
        contract_deadline_provisional=deadline.provisional,
    )
    deal.serial = f"JSJY-{dealt_at.astimezone(SHANGHAI):%Y}-{deal.pk:06d}"
    deal.save(update_fields=["serial"])
    return deal


def deal_subjects(deal: Deal) -> list[SubjectItem]:
    """Every listing the deal's lot sold (a package lists each patent), for its documents."""
    return [
        SubjectItem(
            title=listing.title,
            type_label=listing.get_type_display(),
            patent_number=listing.patent_number or None,
            patent_type_label=listing.get_patent_type_display() or None,
            application_date=listing.application_date,
            grant_date=listing.grant_date,
            rights_holders="、".join(listing.rights_holders or []),
        )
        for listing in deal.lot.listings_in_order()
    ]


def deal_licence(deal: Deal) -> LicenceInfo | None:
    """The licence the deal grants (its lot's terms), or None for a transfer or a licence
    whose terms the seller left to the contract."""
    lot = deal.lot
    terms = listing_licence(lot.listing)
    if terms is None:
        return None
    if terms.term_years:
        term = f"{terms.term_years}年（自合同生效之日起）"
    else:
        term = f"{format_date(terms.starts_on)}至{format_date(terms.ends_on)}"
    return LicenceInfo(
        kind=terms.kind,
        kind_label=terms.get_kind_display(),
        term=term,
        territory=terms.territory,
        count=lot.licence_count,
        rank=deal.licence_rank,
    )


def deals_issue_notices(*, limit: int = 20) -> int:
    """Render and store the notice of deals opened without one yet, each exactly once.

    Each deal is claimed under its row lock (``skip_locked``: several workers share the
    work), re-checked, and its notice file recorded in the same transaction as the claim:
    a worker that dies before the commit leaves nothing recorded (the bytes it stored are
    orphans for ``files_prune``) and the next round renders the notice again, identical
    (dated the day of the deal). Returns how many notices were issued.
    """
    issued = 0
    waiting = Deal.objects.filter(notice__isnull=True).order_by("pk")
    for deal_id in list(waiting.values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            deal = (
                Deal.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("lot__session__season", "lot__listing", "registration")
                .prefetch_related("lot__items__listing")  # a package's listings, read once
                .filter(pk=deal_id, notice__isnull=True)
                .first()
            )
            if deal is None:
                continue
            _notice_issue(deal, issued_on=deal.dealt_at.astimezone(SHANGHAI).date())
            deal.save(update_fields=["notice"])
            issued += 1
    return issued


def _notice_issue(deal: Deal, *, issued_on) -> None:
    """(Re)write the deal notice PDF, shared with both parties."""
    lot = deal.lot
    listing = lot.listing
    _, verification = _document_register(
        deal, kind=DocumentKind.NOTICE, issued_on=issued_on, chain_head=lot.head_hash
    )
    pdf = deal_notice_pdf(
        DealNoticeData(
            serial=deal.serial,
            issued_on=issued_on,
            listing_title=lot.subject_title(),
            listing_type_label=listing.get_type_display(),
            patent_number=listing.patent_number or None,
            season_name=lot.session.season.name,
            session_name=lot.session.name,
            buyer_name=_buyer_name(deal),
            buyer_bidder_number=deal.registration.bidder_number,
            seller_name=_seller_name(deal),
            final_price=deal.price,
            deal_at=deal.dealt_at,
            contract_deadline=deal.contract_deadline,
            contract_deadline_provisional=deal.contract_deadline_provisional,
            verification=verification,
            items=tuple(deal_subjects(deal)),
            licence=deal_licence(deal),
            under_priority_right=deal.won_under_priority_right,
        )
    )
    deal.notice = file_save(
        content=ContentFile(pdf),
        name=f"网络竞价成交通知书-{deal.serial}.pdf",
        kind=FileKind.DEAL_NOTICE,
        owner=deal.buyer,
        file_type=PDF,
    )
    _share(deal.notice, deal.seller)


def contract_kind(listing) -> str:
    """Which default contract a listing's deal uses: a licence for a licensing listing,
    otherwise a transfer."""
    return LICENSE if listing.transaction_type == TransactionType.LICENSE else TRANSFER


def deal_contract_draft(*, deal: Deal) -> bytes:
    """The platform's contract template for this deal's transaction type, with the
    parties, the patent, the price and the dates written in (nothing is stored)."""
    listing = deal.lot.listing
    notice = IssuedDocument.objects.filter(deal=deal, kind=DocumentKind.NOTICE).first()
    return contract_template_pdf(
        contract_kind(listing),
        ContractFill(
            deal_serial=deal.serial,
            notice_serial=notice.serial if notice else deal.serial,
            listing_title=deal.lot.subject_title(),
            patent_number=listing.patent_number or None,
            patent_type_label=listing.get_patent_type_display() or None,
            application_date=listing.application_date,
            grant_date=listing.grant_date,
            rights_holders="、".join(listing.rights_holders or []),
            buyer_name=_buyer_name(deal),
            seller_name=_seller_name(deal),
            price=deal.price,
            deal_at=deal.dealt_at,
            contract_deadline=deal.contract_deadline,
            items=tuple(deal_subjects(deal)),
            licence=deal_licence(deal),
        ),
    )


def _locked_deal(deal_id: int) -> Deal:
    deal = (
        Deal.objects.select_for_update(of=("self",))
        .select_related("buyer__verification", "seller__verification", "lot__listing")
        .filter(pk=deal_id)
        .first()
    )
    if deal is None:
        raise DomainError(DealErrorCode.NOT_A_PARTY, field="dealId")
    return deal


def _party_deal(user, deal_id: int, *, buyer_only: bool = False) -> Deal:
    deal = _locked_deal(deal_id)
    if user.pk not in (deal.buyer_id, deal.seller_id):
        raise DomainError(DealErrorCode.NOT_A_PARTY, field="dealId")
    if buyer_only and user.pk != deal.buyer_id:
        raise DomainError(DealErrorCode.BUYER_ONLY, field="dealId")
    if deal.status == DealStatus.CANCELLED:
        raise DomainError(DealErrorCode.DEAL_CANCELLED, field="dealId")
    return deal


def _expect(deal: Deal, *statuses: str) -> None:
    if deal.status not in statuses:
        raise DomainError(
            DealErrorCode.STEP_OUT_OF_ORDER,
            field="dealId",
            params={"status": deal.get_status_display()},
        )


def _tell_both(deal: Deal, *, kind: str, title: str, text: str) -> None:
    for user in (deal.buyer, deal.seller):
        notify(user=user, kind=kind, title=title, text=text, subject=deal)


@transaction.atomic
def deal_contract_upload(*, user, deal_id: int, contract) -> Deal:
    """Either party uploads the signed contract (PDF); a later upload replaces it until the
    payment proof arrives."""
    deal = _party_deal(user, deal_id)
    _expect(deal, DealStatus.NOTICE_ISSUED, DealStatus.CONTRACT_UPLOADED)
    deal.contract = file_store(
        upload=contract, kind=FileKind.CONTRACT, owner=user, field="contract"
    )
    _share(deal.contract, deal.buyer, deal.seller)
    deal.contract_uploaded_by = user
    deal.contract_uploaded_at = now()
    deal.status = DealStatus.CONTRACT_UPLOADED
    deal.save()
    return deal


@transaction.atomic
def deal_payment_proof_upload(*, user, deal_id: int, proof) -> Deal:
    """The buyer uploads the payment proof (PDF or image) after the contract."""
    deal = _party_deal(user, deal_id, buyer_only=True)
    _expect(deal, DealStatus.CONTRACT_UPLOADED, DealStatus.PAID)
    deal.payment_proof = file_store(
        upload=proof, kind=FileKind.PAYMENT_PROOF, owner=user, field="paymentProof"
    )
    _share(deal.payment_proof, deal.seller)
    deal.paid_at = now()
    deal.status = DealStatus.PAID
    deal.save()
    notify(
        user=deal.seller,
        kind="deal.paid",
        title="买受人已上传付款凭证",
        text=f"【省技术产权交易市场】成交{deal.serial}的买受人已上传付款凭证，请核对并办理交割。",
        subject=deal,
    )
    return deal


@transaction.atomic
def deal_delivery_confirm(*, user, deal_id: int) -> Deal:
    """The buyer confirms delivery (交割) of a deal whose bid log verifies. The transaction
    certificate follows the commit (``deals_issue_certificates``, the worker's documents
    loop): the deal is DELIVERED, its certificate pending, until then."""
    deal = _party_deal(user, deal_id, buyer_only=True)
    _expect(deal, DealStatus.PAID)
    lot = Lot.objects.select_related("session__season").get(pk=deal.lot_id)
    check = bid_chain_verify(lot)
    if not check.verified:
        raise DomainError(DealErrorCode.CHAIN_NOT_VERIFIED, field="dealId")
    deal.delivered_at = now()
    deal.chain_head = check.head_hash
    deal.status = DealStatus.DELIVERED
    deal.save(update_fields=["delivered_at", "chain_head", "status"])
    return deal


def deals_issue_certificates(*, limit: int = 20) -> int:
    """Render and store the transaction certificate of each delivered deal, exactly once.

    As ``deals_issue_notices``: the deal is claimed under its row lock (``skip_locked``),
    re-checked (still DELIVERED, no certificate), and the certificate file, the deal's
    CERTIFIED status and the parties' messages are recorded in the claim's transaction. A
    worker that dies after storing the PDF but before the commit leaves nothing recorded
    (the bytes are an orphan for ``files_prune``) and the next round issues it again,
    identical but for its verification code (dated the day of delivery). Returns how many
    certificates were issued."""
    issued = 0
    waiting = Deal.objects.filter(status=DealStatus.DELIVERED, certificate__isnull=True)
    for deal_id in list(waiting.order_by("pk").values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            deal = (
                Deal.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related(
                    "buyer__verification",
                    "seller__verification",
                    "lot__session__season",
                    "lot__listing",
                )
                .prefetch_related("lot__items__listing")  # a package's listings, read once
                .filter(pk=deal_id, status=DealStatus.DELIVERED, certificate__isnull=True)
                .first()
            )
            if deal is None:
                continue
            _certificate_issue(deal)
            issued += 1
    return issued


def _certificate_issue(deal: Deal) -> None:
    lot = deal.lot  # joined by the claim
    check = bid_chain_verify(lot)
    delivered_on = deal.delivered_at.astimezone(SHANGHAI).date()
    _, verification = _document_register(
        deal, kind=DocumentKind.CERTIFICATE, issued_on=delivered_on, chain_head=deal.chain_head
    )
    pdf = certificate_pdf(
        CertificateData(
            serial=deal.serial,
            issued_on=delivered_on,
            listing_title=lot.subject_title(),
            listing_type_label=lot.listing.get_type_display(),
            patent_number=lot.listing.patent_number or None,
            buyer_name=_buyer_name(deal),
            seller_name=_seller_name(deal),
            final_price=deal.price,
            deal_at=deal.dealt_at,
            contract_uploaded_on=deal.contract_uploaded_at.astimezone(SHANGHAI).date(),
            paid_on=deal.paid_at.astimezone(SHANGHAI).date(),
            delivered_on=delivered_on,
            bid_count=check.length,
            bid_chain_head=deal.chain_head,
            # verified when delivery was confirmed; a log altered since shows here
            bid_chain_verified=check.verified and check.head_hash == deal.chain_head,
            verification=verification,
            items=tuple(deal_subjects(deal)),
            licence=deal_licence(deal),
        )
    )
    deal.certificate = file_save(
        content=ContentFile(pdf),
        name=f"交易凭证-{deal.serial}.pdf",
        kind=FileKind.CERTIFICATE,
        owner=deal.buyer,
        file_type=PDF,
    )
    _share(deal.certificate, deal.seller)
    deal.certified_at = now()
    deal.status = DealStatus.CERTIFIED
    deal.save(update_fields=["certificate", "certified_at", "status"])
    _tell_both(
        deal,
        kind="deal.certified",
        title="交易凭证已出具",
        text=f"【省技术产权交易市场】成交{deal.serial}已确认交割，《交易凭证》已出具，"
        "可在交易记录中下载。",
    )


def deals_issue_documents() -> int:
    """One round of the worker's documents loop: new deals' notices, then delivered deals'
    certificates. Returns how many documents were issued."""
    return deals_issue_notices() + deals_issue_certificates()


@transaction.atomic
def deal_transfer_record(
    *,
    user,
    deal_id: int,
    patent_transfer_registered_on=None,
    patent_transfer_number: str | None = None,
    tech_contract_registered_on=None,
    tech_contract_number: str | None = None,
) -> Deal:
    """Record the patent office's transfer registration and the technology-contract
    registration (技术合同认定登记) once the contract exists."""
    deal = _party_deal(user, deal_id)
    _expect(
        deal,
        DealStatus.CONTRACT_UPLOADED,
        DealStatus.PAID,
        DealStatus.DELIVERED,
        DealStatus.CERTIFIED,
    )
    errors = ErrorCollector()
    dealt_on = deal.dealt_at.astimezone(SHANGHAI).date()
    for field, day in (
        ("patentTransferRegisteredOn", patent_transfer_registered_on),
        ("techContractRegisteredOn", tech_contract_registered_on),
    ):
        if day is not None and not dealt_on <= day <= local_today():
            errors.add(DealErrorCode.REGISTRATION_DATE_INVALID, field=field)
    if patent_transfer_number is not None:
        deal.patent_transfer_number = clean_text(
            patent_transfer_number,
            field="patentTransferNumber",
            errors=errors,
            limit=64,
            required=False,
        )
    if tech_contract_number is not None:
        deal.tech_contract_number = clean_text(
            tech_contract_number,
            field="techContractNumber",
            errors=errors,
            limit=64,
            required=False,
        )
    errors.raise_if_any()
    if patent_transfer_registered_on is not None:
        deal.patent_transfer_registered_on = patent_transfer_registered_on
    if tech_contract_registered_on is not None:
        deal.tech_contract_registered_on = tech_contract_registered_on
    deal.save()
    return deal


@transaction.atomic
def deal_cancel(*, actor, deal_id: int, reason: str) -> Deal:
    """Staff cancel a deal whose buyer defaulted: the buyer gets a strike, the listing may
    be put up again."""
    staff_require(actor, Perm.MANAGE_DEALS)
    deal = _locked_deal(deal_id)
    # A delivered deal is not a default: the transfer happened, and its certificate is
    # being issued by the worker (deals_issue_certificates) right after.
    _expect(deal, DealStatus.NOTICE_ISSUED, DealStatus.CONTRACT_UPLOADED, DealStatus.PAID)
    errors = ErrorCollector()
    reason = clean_text(reason, field="reason", errors=errors, limit=1000)
    errors.raise_if_any()
    deal.status = DealStatus.CANCELLED
    deal.cancelled_at = now()
    deal.cancelled_by = actor
    deal.cancel_reason = reason
    deal.save()
    Strike.objects.create(user=deal.buyer, deal=deal, reason=reason, created_by=actor)
    # The package's listings may be put up again, unless other licensees of the same lot
    # keep their deals (a lot sold as several non-exclusive licences).
    others = Deal.objects.filter(lot_id=deal.lot_id).exclude(pk=deal.pk)
    if not others.exclude(status=DealStatus.CANCELLED).exists():
        Listing.objects.filter(
            pk__in=[listing.pk for listing in deal.lot.listings_in_order()]
        ).update(status=ListingStatus.UNSOLD, updated_at=now())
    _tell_both(
        deal,
        kind="deal.cancelled",
        title="成交已取消",
        text=f"【省技术产权交易市场】成交{deal.serial}因买受人违约已取消，原因：{reason}。",
    )
    return deal


def deals_remind_and_mark_overdue() -> tuple[int, int]:
    """The worker's daily duties: remind both parties the working day before the contract
    deadline; mark the deal overdue (and tell both) once the deadline has passed without a
    contract. Each happens once per deal, whichever worker gets there first."""
    today = local_today()
    calendar = WorkCalendar()
    reminded = overdue = 0
    waiting = Deal.objects.filter(status=DealStatus.NOTICE_ISSUED)
    for deal in waiting.filter(reminder_sent_at__isnull=True, contract_deadline__gte=today):
        if calendar.previous_working_day(deal.contract_deadline) > today:
            continue
        with transaction.atomic():
            if not Deal.objects.filter(pk=deal.pk, reminder_sent_at__isnull=True).update(
                reminder_sent_at=now()
            ):
                continue
            _tell_both(
                deal,
                kind="deal.reminder",
                title="合同签署即将截止",
                text=f"【省技术产权交易市场】成交{deal.serial}的技术交易合同须于"
                f"{deal.contract_deadline:%Y年%m月%d日}前签署并上传，请尽快办理。",
            )
            reminded += 1
    for deal in waiting.filter(overdue_at__isnull=True, contract_deadline__lt=today):
        with transaction.atomic():
            if not Deal.objects.filter(pk=deal.pk, overdue_at__isnull=True).update(
                overdue_at=now()
            ):
                continue
            _tell_both(
                deal,
                kind="deal.overdue",
                title="合同签署已逾期",
                text=f"【省技术产权交易市场】成交{deal.serial}未在"
                f"{deal.contract_deadline:%Y年%m月%d日}前上传技术交易合同，已标记逾期。",
            )
            overdue += 1
    return reminded, overdue


def deals_settle_provisional_deadlines() -> int:
    """Recount the open deadlines counted on the statutory-holiday fallback, now that the
    schedule changed. A deadline that is no longer provisional, or that moved, gets a new
    notice; both parties are told when the day moved. Returns how many moved."""
    calendar = WorkCalendar()
    moved = 0
    open_deals = Deal.objects.filter(
        status=DealStatus.NOTICE_ISSUED, contract_deadline_provisional=True
    ).values_list("pk", flat=True)
    for deal_id in open_deals:
        with transaction.atomic():
            deal = _locked_deal(deal_id)
            if not deal.contract_deadline_provisional or deal.status != DealStatus.NOTICE_ISSUED:
                continue
            deadline = calendar.deadline(
                deal.dealt_at.astimezone(SHANGHAI).date(), CONTRACT_WORKING_DAYS
            )
            old_day = deal.contract_deadline
            if deadline.day == old_day and deadline.provisional:
                continue
            deal.contract_deadline = deadline.day
            deal.contract_deadline_provisional = deadline.provisional
            if deadline.day != old_day:
                # The reminder and the overdue mark follow the new day.
                deal.reminder_sent_at = None
                if deadline.day >= local_today():
                    deal.overdue_at = None
            _notice_issue(deal, issued_on=deal.dealt_at.astimezone(SHANGHAI).date())
            deal.save()
            if deadline.day != old_day:
                moved += 1
                _tell_both(
                    deal,
                    kind="deal.deadline_moved",
                    title="合同签署截止日已调整",
                    text=f"【省技术产权交易市场】{deadline.day.year}年节假日安排已公布，成交"
                    f"{deal.serial}的合同签署截止日由{old_day:%Y年%m月%d日}调整为"
                    f"{deadline.day:%Y年%m月%d日}，成交通知书已更新。",
                )
    return moved


DAILY_DUTIES = "deals.daily"
DAILY_DUTIES_FROM_HOUR = 8  # Beijing time: reminders go out in the morning, not at midnight


def deals_daily_duties() -> bool:
    """The worker's daily round, once a day whichever worker ticks first after 08:00:
    contract reminders and overdue marks, provisional deadlines recounted, and the staff
    warned from 1 November while next year's holiday schedule is missing. Returns whether
    this call ran it."""
    from calendars.services import calendar_warn_missing_next_year

    global _daily_duties_seen_on
    local_now = now().astimezone(SHANGHAI)
    today = local_now.date()
    # The worker ticks every second: once this process has seen today's round done (by it
    # or another worker), the rest of the day costs no query. The database row decides.
    if local_now.hour < DAILY_DUTIES_FROM_HOUR or _daily_duties_seen_on == today:
        return False
    DutyRun.objects.get_or_create(name=DAILY_DUTIES)
    due = DutyRun.objects.filter(name=DAILY_DUTIES).exclude(ran_on__gte=today)
    previous = due.values_list("ran_on", flat=True).first()
    # One conditional UPDATE claims the day: of several workers only one sees a row change.
    if not due.update(ran_on=today):
        _daily_duties_seen_on = today
        return False
    try:
        deals_remind_and_mark_overdue()
        deals_settle_provisional_deadlines()
        calendar_warn_missing_next_year()
    except BaseException:
        DutyRun.objects.filter(name=DAILY_DUTIES).update(ran_on=previous)
        raise
    _daily_duties_seen_on = today
    return True


_daily_duties_seen_on = None
