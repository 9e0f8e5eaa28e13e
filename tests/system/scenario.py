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


def layout(bidding_in: float, ends_in: float) -> dict:
    """A lot in its notice phase that bids from ``bidding_in`` s and ends at ``ends_in`` s,
    one approved bidder, a verified buyer who has still to register (with an upload), and a
    reviewer of registrations. The auction day (which sets the registration deadline) is
    two days on: the test compresses a notice phase of days into seconds."""
    from django.contrib.auth.models import Permission

    from accounts.services.tokens import api_token_issue
    from kernel.clock import SHANGHAI, db_now
    from tests.factories import UserFactory, VerificationFactory, auction_session, bidder, season
    from tests.factories import lot as make_lot

    at = db_now()
    session = auction_session(
        phase="NOTICE",
        season_obj=season(anti_sniping_minutes=0),
        auction_day=(at + timedelta(days=2)).astimezone(SHANGHAI).date(),
        notice_starts_at=at - timedelta(hours=1),
        bidding_starts_at=at + timedelta(seconds=bidding_in),
        bidding_ends_at=at + timedelta(seconds=ends_in),
    )
    the_lot = make_lot(session_obj=session, start_price=Decimal("100000.00"))
    registered = bidder(the_lot)
    buyer = UserFactory()
    VerificationFactory(user=buyer, kind="PERSONAL", name="竞买人", credit_code="")
    staff = UserFactory(is_staff=True, name="系统测试审核员")
    staff.user_permissions.add(Permission.objects.get(codename="review_registration"))
    return {
        "lot": the_lot.pk,
        "start_price": str(the_lot.start_price),
        "increment": str(the_lot.increment),
        "registered_token": api_token_issue(user=registered)[1],
        "buyer_token": api_token_issue(user=buyer)[1],
        "staff_token": api_token_issue(user=staff)[1],
    }


def layout_outcome(lot_id: int) -> dict:
    """What the database holds for the lot afterwards: bids, deals, notices, the outbox."""
    from auctions.models import Bid
    from deals.models import Deal
    from files.models import FileKind, PrivateFile
    from notifications.models import SmsMessage

    deals = list(Deal.objects.filter(lot_id=lot_id).values_list("pk", "notice_id"))
    return {
        "seqs": list(
            Bid.objects.filter(lot_id=lot_id).order_by("seq").values_list("seq", flat=True)
        ),
        "deals": [{"deal": pk, "notice": notice and str(notice)} for pk, notice in deals],
        "notice_files": PrivateFile.objects.filter(
            kind=FileKind.DEAL_NOTICE, pk__in=[notice for _, notice in deals if notice]
        ).count(),
        "sms": [
            {"phone": phone, "text": text, "status": status, "attempts": attempts}
            for phone, text, status, attempts in SmsMessage.objects.order_by("pk").values_list(
                "phone", "text", "status", "attempts"
            )
        ],
    }


if __name__ == "__main__":
    _setup()
    what, *args = sys.argv[1:]
    if what == "lot":
        result = lot(float(args[0]), float(args[1]), int(args[2]))
    elif what == "layout":
        result = layout(float(args[0]), float(args[1]))
    elif what == "layout-outcome":
        result = layout_outcome(int(args[0]))
    else:
        result = pending_verification()
    print(json.dumps(result))
