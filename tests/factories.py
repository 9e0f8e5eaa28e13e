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
    notice_accepted = factory.LazyFunction(lambda: agreement_current(AgreementKind.SHOP_NOTICE))
    notice_accepted_at = factory.LazyFunction(now)
    status = ReviewStatus.APPROVED
    submitted_at = factory.LazyFunction(now)


def verified_institution(phone: str | None = None, name: str = "南京示范大学") -> User:
    user = UserFactory(**({"phone": phone} if phone else {}))
    VerificationFactory(user=user, name=name)
    return user
