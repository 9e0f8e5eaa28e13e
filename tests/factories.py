"""Factories for states the test is not about; the API tests reach them through GraphQL."""

import factory
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from stdnum.cn import ric, uscc

from accounts.models import Identity, IdentityKind, User, Verification, VerificationKind
from agreements.models import AgreementKind
from agreements.selectors import agreement_current
from kernel.clock import now
from reviews.models import ReviewStatus
from shops.models import Shop

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXE_BYTES = b"MZ\x90\x00" + b"\x00" * 64


def pdf(name: str = "certificate.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def png(name: str = "certificate.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG_BYTES, content_type="image/png")


def disguised_exe(name: str = "certificate.pdf") -> SimpleUploadedFile:
    """An executable with a PDF name and a PDF content type: must be refused by content."""
    return SimpleUploadedFile(name, EXE_BYTES, content_type="application/pdf")


def valid_id_number(body: str = "32010219900307123") -> str:
    return body + ric.calc_check_digit(body + "0")


def valid_credit_code(body: str = "12320000466001234") -> str:
    return body + uscc.calc_check_digit(body)


def current_agreement(kind: str):
    """The seeded agreement (a data migration), recreated after a transactional test's flush."""
    from agreements.models import Agreement

    found = agreement_current(kind) or Agreement.objects.filter(kind=kind).first()
    if found is not None:
        return found
    return Agreement.objects.create(
        kind=kind, version="2026.1", title=kind, body="…", effective_at=now()
    )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    phone = factory.Sequence(lambda n: f"138{n:08d}")
    password = factory.django.Password("a-Strong-pass-123")


def staff_user(phone: str = "13900000000") -> User:
    user = UserFactory(phone=phone, is_staff=True, name="审核员甲")
    user.user_permissions.set(Permission.objects.filter(codename__startswith="review_"))
    return User.objects.get(pk=user.pk)  # drop the permission cache


class VerificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Verification

    user = factory.SubFactory(UserFactory)
    kind = VerificationKind.INSTITUTION
    name = "南京示范大学"
    credit_code = factory.LazyFunction(valid_credit_code)
    certificate_type = "PUBLIC_INSTITUTION"
    status = ReviewStatus.APPROVED
    submitted_at = factory.LazyFunction(now)


class IdentityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Identity

    user = factory.SubFactory(UserFactory)
    kind = IdentityKind.UNIVERSITY
    status = ReviewStatus.APPROVED
    submitted_at = factory.LazyFunction(now)


class ShopFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shop

    identity = factory.SubFactory(IdentityFactory)
    name = "南京示范大学"
    contact_name = "王老师"
    contact_phone = "025-83591234"
    notice_accepted = factory.LazyFunction(lambda: current_agreement(AgreementKind.SHOP_NOTICE))
    notice_accepted_at = factory.LazyFunction(now)
    status = ReviewStatus.APPROVED
    submitted_at = factory.LazyFunction(now)


def verified_institution(phone: str | None = None, name: str = "南京示范大学") -> User:
    user = UserFactory(**({"phone": phone} if phone else {}))
    VerificationFactory(user=user, name=name)
    return user


def open_shop(
    *, name: str = "南京示范大学", identity_kind: str = "UNIVERSITY", phone: str | None = None
) -> Shop:
    """A seller with an approved institution verification, identity and open shop."""
    user = verified_institution(phone=phone, name=name)
    return ShopFactory(identity=IdentityFactory(user=user, kind=identity_kind), name=name)


def valid_patent_number(body: str = "202110123456") -> str:
    from listings.patent_numbers import check_character

    return f"ZL{body}.{check_character(body)}"


class ListingFactory(factory.django.DjangoModelFactory):
    """A complete patent listing, listed unless told otherwise."""

    class Meta:
        model = "listings.Listing"

    shop = factory.LazyFunction(open_shop)
    type = "PATENT"
    status = "LISTED"
    title = factory.Sequence(lambda n: f"一种高效储能材料的制备方法{n}")
    field = "NEW_MATERIALS"
    description = "本发明公开了一种高效储能材料的制备方法。"
    rights_holders = factory.LazyAttribute(lambda o: [o.shop.name])
    transaction_type = "TRANSFER"
    start_price = "100000.00"
    ownership = "OWN"
    agreement = factory.LazyFunction(lambda: current_agreement(AgreementKind.LISTING_AGREEMENT))
    agreement_accepted_at = factory.LazyFunction(now)
    patent_number = factory.Sequence(lambda n: valid_patent_number(f"2021101{n:05d}"))
    patent_type = "INVENTION"
    application_date = "2021-03-01"
    grant_date = "2023-05-01"
    inventors = ["张三"]
    ipc_classes = ["H01M 4/36"]
    legal_status = "GRANTED"
    submitted_at = factory.LazyFunction(now)
    listed_at = factory.LazyFunction(now)


# -- auctions ----------------------------------------------------------------------------


def _private_pdf(owner):
    from files.models import PrivateFile

    return PrivateFile.objects.create(
        owner=owner,
        kind="COMMITMENT_LETTER",
        name="承诺函.pdf",
        content_type="application/pdf",
        size=len(PDF_BYTES),
        sha256="0" * 64,
        stored_name=f"test/{owner.pk}-{now().timestamp()}.pdf",
    )


def season(**overrides):
    from auctions.models import Season

    defaults = {
        "name": "2026年专利（成果）拍卖季",
        "rules": "每次加价为加价幅度的整数倍。",
        "anti_sniping_minutes": 5,
        "default_increment": "1000.00",
        "created_by": UserFactory(is_staff=True, name="场次管理员"),
    }
    return Season.objects.create(**{**defaults, **overrides})


def auction_session(*, phase: str = "BIDDING", season_obj=None, **overrides):
    """A session whose phase is ``phase`` now: NOTICE (bidding tomorrow at 10:00 Shanghai),
    BIDDING (started an hour ago, ends in an hour) or SCHEDULED."""
    from datetime import datetime, time, timedelta

    from auctions.models import AuctionSession
    from kernel.clock import SHANGHAI

    current = now()
    if phase == "BIDDING":
        start, end = current - timedelta(hours=1), current + timedelta(hours=1)
        notice = start - timedelta(days=5)
    elif phase == "NOTICE":
        day = current.astimezone(SHANGHAI).date() + timedelta(days=2)
        start = datetime.combine(day, time(10, 0), tzinfo=SHANGHAI)
        end = start + timedelta(hours=2)
        notice = current - timedelta(days=1)
    else:
        notice = current + timedelta(days=1)
        start, end = notice + timedelta(days=5), notice + timedelta(days=5, hours=2)
    values = {
        "season": season_obj or season(),
        "name": "第一场",
        "auction_day": start.astimezone(SHANGHAI).date(),
        "notice_starts_at": notice,
        "bidding_starts_at": start,
        "bidding_ends_at": end,
    }
    return AuctionSession.objects.create(**{**values, **overrides})


def lot(*, phase: str = "BIDDING", session_obj=None, **overrides):
    from auctions.models import Lot, LotItem

    session_obj = session_obj or auction_session(phase=phase)
    listing = overrides.pop("listing", None) or ListingFactory(
        status="IN_AUCTION", season_opt_in=True
    )
    values = {
        "session": session_obj,
        "listing": listing,
        "start_price": listing.start_price,
        "increment": "1000.00",
        "ends_at": session_obj.bidding_ends_at,
        "created_by": session_obj.season.created_by,
    }
    created = Lot.objects.create(**{**values, **overrides})
    LotItem.objects.create(lot=created, listing=created.listing, position=0)
    return created


def bidder(lot_obj, *, phone: str | None = None, approved: bool = True):
    """A verified user with a (by default approved) registration and bidder number."""
    from auctions.models import Registration

    user = UserFactory(**({"phone": phone} if phone else {}))
    VerificationFactory(user=user, kind="PERSONAL", name="竞买人", credit_code="")
    Registration.objects.create(
        lot=lot_obj,
        user=user,
        commitment_letter=_private_pdf(user),
        status=ReviewStatus.APPROVED if approved else ReviewStatus.PENDING,
        submitted_at=now(),
        bidder_number=f"{lot_obj.pk:03d}{lot_obj.next_bidder_number:03d}" if approved else "",
    )
    if approved:
        lot_obj.next_bidder_number += 1
        lot_obj.save(update_fields=["next_bidder_number"])
    return user
