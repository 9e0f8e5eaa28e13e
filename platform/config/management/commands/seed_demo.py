"""Idempotent demo data: a staff reviewer and an onboarded university seller."""

import os

from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import Identity, IdentityKind, User, Verification, VerificationKind
from agreements.models import AgreementKind
from agreements.selectors import agreement_current
from kernel.clock import now
from reviews.models import ReviewStatus
from shops.models import Shop

STAFF_PHONE = "13900000000"
STAFF_PASSWORD = "demo-Staff-2026"
SELLER_PHONE = "13800000001"
SELLER_PASSWORD = "demo-Seller-2026"
REVIEWERS = "审核员"


class Command(BaseCommand):
    help = "Create the demo staff account and a demo seller with an open shop (idempotent)."

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
        port = os.environ.get("PORT", "8000")
        self.stdout.write(
            "Demo data ready.\n"
            f"  staff (reviewer): phone {STAFF_PHONE}  password {STAFF_PASSWORD}\n"
            f"  seller (university, open shop): phone {SELLER_PHONE}  password {SELLER_PASSWORD}\n"
            f"  GraphiQL: http://127.0.0.1:{port}/graphql   admin: http://127.0.0.1:{port}/admin/"
        )
