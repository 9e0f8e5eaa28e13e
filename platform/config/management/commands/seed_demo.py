"""Idempotent demo data: a staff reviewer (who also runs auctions), an onboarded university
seller with listed patents, a verified buyer, the local patent registry's demo patents, and
a season whose session is in its notice phase."""

import io
import os
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth.models import Group, Permission
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Q
from reportlab.pdfgen import canvas

from accounts.models import Identity, IdentityKind, User, Verification, VerificationKind
from agreements.models import AgreementKind
from agreements.selectors import agreement_current
from auctions.models import AuctionSession, Lot, LotItem, Registration, Season
from auctions.services.registration import registration_deadline_for, registration_on_decided
from files.models import FileKind, PrivateFile
from files.services import PDF, file_save
from kernel.clock import SHANGHAI, local_today, now
from listings.models import (
    Listing,
    ListingStatus,
    ListingType,
    Ownership,
    PatentRecord,
    TechField,
    TransactionType,
)
from listings.patents import DEMO_PATENTS_CSV, patent_registry_load
from reviews.models import ReviewStatus
from shops.models import Shop

STAFF_PHONE = "13900000000"
STAFF_PASSWORD = "demo-Staff-2026"
SELLER_PHONE = "13800000001"
SELLER_PASSWORD = "demo-Seller-2026"
BUYER_PHONE = "13800000002"
BUYER_PASSWORD = "demo-Buyer-2026"
REVIEWERS = "审核员"
AUCTION_MANAGERS = "竞价管理员"
DEMO_LISTINGS = 6
LIVE_LOTS = 2  # of the demo listings, in the session whose bidding is on


class Command(BaseCommand):
    help = (
        "Create demo accounts (staff, seller with an open shop, buyer), the demo patents of "
        "the local registry, listed listings and an auction season (idempotent)."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        reviewers, _ = Group.objects.get_or_create(name=REVIEWERS)
        reviewers.permissions.set(Permission.objects.filter(codename__startswith="review_"))

        staff, created = User.objects.get_or_create(
            phone=STAFF_PHONE, defaults={"is_staff": True, "name": "演示审核员"}
        )
        if created:
            staff.set_password(STAFF_PASSWORD)
            staff.save()
        staff.groups.add(reviewers)

        seller, created = User.objects.get_or_create(phone=SELLER_PHONE)
        if created:
            seller.set_password(SELLER_PASSWORD)
            seller.save()
        at = now()
        decided = {
            "status": ReviewStatus.APPROVED,
            "submitted_at": at,
            "decided_at": at,
            "decided_by": staff,
        }
        Verification.objects.get_or_create(
            user=seller,
            defaults={
                "kind": VerificationKind.INSTITUTION,
                "name": "江苏示范大学",
                "credit_code": "123200004660012346",
                "certificate_type": "PUBLIC_INSTITUTION",
                **decided,
            },
        )
        identity, _ = Identity.objects.get_or_create(
            user=seller, kind=IdentityKind.UNIVERSITY, defaults=decided
        )
        Shop.objects.get_or_create(
            identity=identity,
            defaults={
                "name": "江苏示范大学",
                "description": "江苏示范大学技术转移中心：专利与科技成果转化。",
                "contact_name": "王老师",
                "contact_phone": "025-83591234",
                "notice_accepted": agreement_current(AgreementKind.SHOP_NOTICE),
                "notice_accepted_at": at,
                **decided,
            },
        )
        # Staff may have loaded their own registry: demo patents go only into an empty one.
        if not PatentRecord.objects.exists():
            with DEMO_PATENTS_CSV.open(encoding="utf-8-sig", newline="") as lines:
                patent_registry_load(lines=lines)
        patents = PatentRecord.objects.count()
        shop = Shop.objects.get(identity=identity)
        managers, _ = Group.objects.get_or_create(name=AUCTION_MANAGERS)
        # The auction staff role: seasons, sessions, lots and deals (cancel defaults, export
        # results), and the working-day calendar (it gets the missing-next-year warning).
        managers.permissions.set(
            Permission.objects.filter(
                Q(codename__in=["manage_auctions", "manage_deals", "view_data_rooms"])
                | Q(content_type__app_label="calendars")
            )
        )
        staff.groups.add(managers)
        self._buyer(staff=staff)
        lots = self._auction(staff=staff, shop=shop)
        port = os.environ.get("PORT", "8000")
        self.stdout.write(
            "Demo data ready.\n"
            f"  staff (reviewer): phone {STAFF_PHONE}  password {STAFF_PASSWORD}\n"
            f"  seller (university, open shop): phone {SELLER_PHONE}  password {SELLER_PASSWORD}\n"
            f"  buyer (verified person): phone {BUYER_PHONE}  password {BUYER_PASSWORD}\n"
            f"  {patents} demo patents in the local registry; {lots} open lots: the buyer may bid "
            "on the session in its bidding phase and register for the one in its notice phase\n"
            f"  GraphiQL: http://127.0.0.1:{port}/graphql   admin: http://127.0.0.1:{port}/admin/"
        )

    def _auction(self, *, staff, shop) -> int:
        """Listed, season-opted-in listings of the seller, and at any hour of the day two
        demo sessions: one in its bidding phase now, on whose lots the demo buyer is an
        approved bidder, and one in its notice phase whose registration is open (its
        auction day is the day after tomorrow, so 16:00 the day before is still ahead)."""
        if not Listing.objects.filter(shop=shop).exists():
            self._listings(staff=staff, shop=shop)
        season = Season.objects.order_by("created_at").first() or Season.objects.create(
            name="2026年专利（成果）拍卖季",
            rules=AUCTION_RULES,
            created_by=staff,
        )
        at = now()
        live = AuctionSession.objects.filter(
            season=season, bidding_starts_at__lte=at, bidding_ends_at__gt=at + timedelta(hours=1)
        )
        if not Lot.objects.filter(session__in=live, result="").exists():
            start = at - timedelta(minutes=10)
            self._session(
                season=season,
                staff=staff,
                shop=shop,
                name=f"{at.astimezone(SHANGHAI):%m月%d日}场（演示·竞价中）",
                auction_day=start.astimezone(SHANGHAI).date(),
                notice_starts_at=start - timedelta(days=1),
                bidding_starts_at=start,
                bidding_ends_at=start + timedelta(hours=24),
                listings=LIVE_LOTS,
                approve_buyer=True,
            )
        open_for_registration = [
            session
            for session in AuctionSession.objects.filter(
                season=season, notice_starts_at__lte=at, bidding_starts_at__gt=at
            )
            if registration_deadline_for(session.auction_day) > at + timedelta(hours=1)
        ]
        if not Lot.objects.filter(session__in=open_for_registration).exists():
            day = local_today() + timedelta(days=2)
            start = datetime.combine(day, time(10), tzinfo=SHANGHAI)
            self._session(
                season=season,
                staff=staff,
                shop=shop,
                name=f"{day:%m月%d日}场（演示·公示中）",
                auction_day=day,
                notice_starts_at=at - timedelta(hours=1),
                bidding_starts_at=start,
                bidding_ends_at=start + timedelta(hours=2),
                listings=DEMO_LISTINGS - LIVE_LOTS,
                approve_buyer=False,
            )
        return Lot.objects.filter(result="", ends_at__gt=at).count()

    def _listings(self, *, staff, shop) -> None:
        agreement = agreement_current(AgreementKind.LISTING_AGREEMENT)
        at = now()
        records = [
            record
            for record in PatentRecord.objects.order_by("number")
            if shop.name in record.rights_holders
        ]
        for record in records[:DEMO_LISTINGS]:
            Listing.objects.create(
                shop=shop,
                type=ListingType.PATENT,
                status=ListingStatus.LISTED,
                title=record.title,
                field=_field_of(record.ipc_classes),
                description=record.abstract or record.title,
                rights_holders=record.rights_holders,
                transaction_type=TransactionType.TRANSFER,
                start_price=Decimal("50000.00"),
                season_opt_in=True,
                ownership=Ownership.OWN,
                agreement=agreement,
                agreement_accepted_at=at,
                patent_number=record.number,
                patent_type=record.patent_type,
                application_date=record.application_date,
                grant_date=record.grant_date,
                inventors=record.inventors,
                ipc_classes=record.ipc_classes,
                legal_status=record.legal_status,
                submitted_at=at,
                decided_at=at,
                decided_by=staff,
                listed_at=at,
            )

    def _session(self, *, season, staff, shop, listings: int, approve_buyer: bool, **times):
        """A new demo session with up to ``listings`` of the seller's available listings
        (listed, or unsold in an earlier demo session)."""
        available = list(
            Listing.objects.filter(
                shop=shop,
                status__in=[ListingStatus.LISTED, ListingStatus.UNSOLD],
                season_opt_in=True,
            ).order_by("pk")[:listings]
        )
        if not available:
            return
        session = AuctionSession.objects.create(season=season, **times)
        buyer = User.objects.get(phone=BUYER_PHONE) if approve_buyer else None
        for listing in available:
            listing.status = ListingStatus.IN_AUCTION
            listing.save(update_fields=["status"])
            lot = Lot.objects.create(
                session=session,
                listing=listing,
                start_price=listing.start_price,
                increment=season.default_increment,
                ends_at=session.bidding_ends_at,
                created_by=staff,
            )
            LotItem.objects.create(lot=lot, listing=listing, position=0)
            if buyer is not None:
                registration = Registration.objects.create(
                    lot=lot,
                    user=buyer,
                    commitment_letter=_demo_letter(buyer),
                    status=ReviewStatus.APPROVED,
                    submitted_at=now(),
                    decided_at=now(),
                    decided_by=staff,
                )
                registration_on_decided(registration)

    def _buyer(self, *, staff) -> User:
        buyer, created = User.objects.get_or_create(phone=BUYER_PHONE)
        if created:
            buyer.set_password(BUYER_PASSWORD)
            buyer.save()
            at = now()
            Verification.objects.create(
                user=buyer,
                kind=VerificationKind.PERSONAL,
                name="李明",
                id_number="320102199003071238",
                status=ReviewStatus.APPROVED,
                submitted_at=at,
                decided_at=at,
                decided_by=staff,
            )
        return buyer


def _demo_letter(buyer) -> PrivateFile:
    """A signed 《网络竞价承诺函》 stand-in for the demo buyer's registrations."""
    content = io.BytesIO()
    page = canvas.Canvas(content)
    page.drawString(72, 720, "Demo commitment letter (signed)")
    page.save()
    return file_save(
        content=ContentFile(content.getvalue()),
        name="网络竞价承诺函（演示）.pdf",
        kind=FileKind.COMMITMENT_LETTER,
        owner=buyer,
        file_type=PDF,
    )


def _field_of(ipc_classes: list[str]) -> str:
    """A rough technical field from the first IPC class, for the demo's category filter."""
    first = (ipc_classes or ["Z"])[0]
    if first.startswith("A61") or first.startswith("C12"):
        return TechField.BIOMEDICINE
    if first.startswith("A01"):
        return TechField.AGRICULTURE
    by_section = {
        "H": TechField.ELECTRONIC_INFORMATION,
        "G": TechField.ELECTRONIC_INFORMATION,
        "C": TechField.NEW_MATERIALS,
        "B": TechField.ADVANCED_MANUFACTURING,
        "F": TechField.NEW_ENERGY,
        "E": TechField.ENVIRONMENT,
    }
    return by_section.get(first[:1], TechField.OTHER)


AUCTION_RULES = """一、本届专利（成果）拍卖季采用网络竞价方式，不收取保证金。
二、意向竞买方须在拍卖日前一日16:00前上传盖章或签字的《网络竞价承诺函》，审核通过后获得竞买号。
三、竞价阶段每次加价为加价幅度的整数倍；首次出价不低于起拍价。
四、结束前5分钟内有出价的，结束时间顺延至该出价后5分钟。
五、竞价结束时出价最高且不低于保留价者为买受人；无人出价或未达保留价的，本场流拍。
六、成交后双方应在5个工作日内签署技术交易合同。"""
