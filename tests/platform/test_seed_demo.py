from datetime import datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from accounts.models import User
from auctions.models import AuctionSession, Lot, LotPhase
from auctions.services.bidding import bid_place
from auctions.services.registration import registration_submit
from config.management.commands.seed_demo import BUYER_PHONE
from kernel.clock import SHANGHAI, now
from tests.factories import pdf

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def lots_in(phase: str) -> list[Lot]:
    return [lot for lot in Lot.objects.select_related("session") if lot.phase_at(now()) == phase]


@pytest.mark.parametrize("hour", [(0, 30), (9, 0), (15, 59), (16, 1), (23, 59)])
def test_at_any_hour_the_demo_buyer_can_bid_at_once_and_register_for_another_lot(hour):
    moment = datetime(2026, 12, 1, *hour, tzinfo=SHANGHAI)
    with time_machine.travel(moment, tick=False):
        seed()
        buyer = User.objects.get(phone=BUYER_PHONE)
        (bidding, *_) = lots_in(LotPhase.BIDDING)
        (notice, *_) = lots_in(LotPhase.NOTICE)

        outcome = bid_place(
            user=buyer, lot_id=bidding.pk, amount=bidding.start_price, idempotency_key="demo-bid-1"
        )
        registration = registration_submit(
            user=buyer, lot_id=notice.pk, commitment_letter=pdf("承诺函.pdf")
        )

    assert outcome.bid.seq == 1
    assert registration.status == "PENDING"


def test_the_demo_is_idempotent_and_stays_live_after_its_sessions_end():
    seed()
    seed()
    assert AuctionSession.objects.count() == 2 and Lot.objects.count() == 6

    with time_machine.travel(now() + timedelta(days=3), tick=False):
        call_command("auctions_clock", stdout=StringIO())  # nobody bid: all unsold
        seed()
        seed()
        assert lots_in(LotPhase.BIDDING) and lots_in(LotPhase.NOTICE)

    assert AuctionSession.objects.count() == 4
    assert Lot.objects.filter(result="UNSOLD").count() == 6
    assert Lot.objects.filter(result="").count() == 6


def test_the_demo_staff_holds_every_staff_role():
    from config.management.commands.seed_demo import STAFF_PHONE
    from kernel.permissions import Perm, staff_can

    seed()
    staff = User.objects.get(phone=STAFF_PHONE)

    assert [p for p in Perm.ALL if not staff_can(staff, p)] == []
    assert staff.has_perm("calendars.change_holidayschedule")
