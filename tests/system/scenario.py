"""Data for the system tests, written into the product's own database from a separate
process (``python -m tests.system.scenario <what> ...``, with the product's environment);
prints what the test needs as JSON."""

import json
import os
import sys
from datetime import timedelta
from decimal import Decimal


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from accounts.models import User
    from listings.models import Listing
    from tests.factories import ListingFactory, UserFactory

    # Each run is a new process: start the factories' sequences past what earlier runs made.
    UserFactory.reset_sequence(User.objects.count() + 1000)
    ListingFactory.reset_sequence(Listing.objects.count() + 1000)


def lot(bidding_in: float, ends_in: float, bidders: int) -> dict:
    from accounts.services.tokens import api_token_issue
    from kernel.clock import db_now
    from tests.factories import auction_session, bidder, season
    from tests.factories import lot as make_lot

    at = db_now()
    start = at + timedelta(seconds=bidding_in)
    session = auction_session(
        phase="NOTICE",
        season_obj=season(anti_sniping_minutes=0),  # the lot ends when the test expects
        notice_starts_at=at - timedelta(hours=1),
        bidding_starts_at=start,
        bidding_ends_at=at + timedelta(seconds=ends_in),
    )
    the_lot = make_lot(session_obj=session, start_price=Decimal("100000.00"))
    users = [bidder(the_lot) for _ in range(bidders)]
    return {
        "lot": the_lot.pk,
        "session": session.pk,
        "start_price": str(the_lot.start_price),
        "increment": str(the_lot.increment),
        "bidders": [{"user": user.pk, "token": api_token_issue(user=user)[1]} for user in users],
    }


def pending_verification() -> dict:
    from django.contrib.auth.models import Permission

    from accounts.services.tokens import api_token_issue
    from tests.factories import UserFactory, VerificationFactory

    applicant = UserFactory()
    verification = VerificationFactory(user=applicant, status="PENDING")
    staff = UserFactory(is_staff=True, name="系统测试审核员")
    staff.user_permissions.add(Permission.objects.get(codename="review_verification"))
    return {
        "verification": verification.pk,
        "applicant_token": api_token_issue(user=applicant)[1],
        "staff_token": api_token_issue(user=staff)[1],
    }


if __name__ == "__main__":
    _setup()
    what, *args = sys.argv[1:]
    if what == "lot":
        result = lot(float(args[0]), float(args[1]), int(args[2]))
    else:
        result = pending_verification()
    print(json.dumps(result))
