"""Case 2 of issue 9: nobody decides a review of their own application (four eyes)."""

import pytest

from accounts.models import Verification
from auctions.models import Registration
from listings.models import Listing
from reviews.models import ReviewRecord, ReviewStatus
from tests.api import operations as op
from tests.api.helpers import error_codes, gid
from tests.factories import (
    IdentityFactory,
    ListingFactory,
    ShopFactory,
    VerificationFactory,
    bidder,
    lot,
    staff_user,
)

pytestmark = pytest.mark.django_db


def registration_of(user, the_lot, **extra) -> Registration:
    """A pending registration of ``user`` for ``the_lot`` (made directly, as a factory)."""
    letter = the_lot.created_by.files.create(
        kind="COMMITMENT_LETTER",
        name="a.pdf",
        content_type="application/pdf",
        size=1,
        sha256="0" * 64,
        stored_name=f"test/letter-{user.pk}-{the_lot.pk}.pdf",
    )
    return Registration.objects.create(
        lot=the_lot,
        user=user,
        commitment_letter=letter,
        status=ReviewStatus.PENDING,
        submitted_at=the_lot.session.notice_starts_at,
        **extra,
    )


def test_a_reviewer_cannot_approve_their_own_verification(signed_in_as):
    reviewer = staff_user()
    mine = VerificationFactory(user=reviewer, status=ReviewStatus.PENDING)

    result = signed_in_as(reviewer)(op.REVIEW_APPROVE, {"id": gid("Verification", mine.pk)})

    assert result["data"]["reviewApprove"]["subject"] is None
    assert error_codes(result["data"]["reviewApprove"]) == ["OWN_APPLICATION"]
    assert Verification.objects.get().status == ReviewStatus.PENDING
    assert not ReviewRecord.objects.exists()


def test_a_reviewer_cannot_reject_their_own_listing(signed_in_as):
    reviewer = staff_user()
    shop = ShopFactory(identity=IdentityFactory(user=reviewer))
    mine = ListingFactory(shop=shop, status="PENDING_REVIEW", submitted_at=shop.submitted_at)

    result = signed_in_as(reviewer)(
        op.REVIEW_REJECT, {"id": gid("Listing", mine.pk), "reason": "材料不全"}
    )

    assert error_codes(result["data"]["reviewReject"]) == ["OWN_APPLICATION"]
    assert Listing.objects.get().status == "PENDING_REVIEW"


def test_a_reviewer_cannot_approve_their_own_buyer_registration(signed_in_as):
    # given a reviewer who registered to bid
    the_lot = lot(phase="NOTICE")
    reviewer = staff_user()
    registration = registration_of(reviewer, the_lot)

    result = signed_in_as(reviewer)(op.REVIEW_APPROVE, {"id": gid("Registration", registration.pk)})

    assert error_codes(result["data"]["reviewApprove"]) == ["OWN_APPLICATION"]
    registration.refresh_from_db()
    assert (registration.status, registration.bidder_number) == (ReviewStatus.PENDING, "")


def test_another_reviewer_may_decide_it(signed_in_as):
    the_lot = lot(phase="NOTICE")
    applicant = bidder(the_lot, approved=False)
    registration = applicant.registrations.get()

    result = signed_in_as(staff_user())(
        op.REVIEW_APPROVE, {"id": gid("Registration", registration.pk)}
    )

    assert result["data"]["reviewApprove"]["errors"] == []
    registration.refresh_from_db()
    assert registration.bidder_number


def test_the_refusal_is_in_english_on_request(signed_in_as):
    reviewer = staff_user()
    mine = VerificationFactory(user=reviewer, status=ReviewStatus.PENDING)

    result = signed_in_as(reviewer)(
        op.REVIEW_APPROVE, {"id": gid("Verification", mine.pk)}, headers={"Accept-Language": "en"}
    )

    assert result["data"]["reviewApprove"]["errors"][0]["message"] == (
        "You cannot decide your own application: another reviewer must."
    )


def test_a_reviewer_cannot_confirm_the_deposit_of_their_own_registration(signed_in_as):
    the_lot = lot(phase="NOTICE")
    reviewer = staff_user()
    registration = registration_of(
        reviewer, the_lot, deposit_required=True, deposit_amount="5000.00"
    )

    result = signed_in_as(reviewer)(
        """mutation($id: ID!) { registrationDepositConfirm(input: {id: $id}) {
             registration { id } errors { code } } }""",
        {"id": gid("Registration", registration.pk)},
    )["data"]["registrationDepositConfirm"]

    assert error_codes(result) == ["OWN_APPLICATION"]
    registration.refresh_from_db()
    assert registration.deposit_confirmed_at is None
