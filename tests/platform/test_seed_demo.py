from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from auctions.models import AuctionSession, Lot
from kernel.clock import now

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_the_demo_is_idempotent_and_stays_live_after_its_session_ends():
    assert "6 lots in the next session" in seed()
    seed()
    assert AuctionSession.objects.count() == 1 and Lot.objects.count() == 6

    with time_machine.travel(now() + timedelta(days=3), tick=False):
        call_command("auctions_clock", stdout=StringIO())  # nobody bid: all unsold
        assert "6 lots in the next session" in seed()
        seed()

    assert AuctionSession.objects.count() == 2
    assert Lot.objects.filter(result="UNSOLD").count() == 6
    assert Lot.objects.filter(result="").count() == 6
