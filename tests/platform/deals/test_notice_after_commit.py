"""A deal's notice is rendered and stored after the lots' finalize transaction commits,
exactly once, even when a worker dies in between or two workers try at once (issue 13)."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine

from auctions.services.bidding import bid_place
from auctions.services.clock import lots_finalize_due
from deals import services as deal_services
from deals.models import Deal
from deals.services import deals_issue_notices
from files.models import PrivateFile
from tests.concurrency import postgres_only, run_together
from tests.factories import bidder, lot


def sold() -> Deal:
    the_lot = lot(start_price=Decimal("100000.00"))
    buyer = bidder(the_lot)
    bid_place(user=buyer, lot_id=the_lot.pk, amount=Decimal("100000"), idempotency_key="n-000001")
    with time_machine.travel(the_lot.ends_at + timedelta(minutes=6), tick=False):
        assert lots_finalize_due() == 1
    return Deal.objects.get(lot=the_lot)


def notices() -> int:
    return PrivateFile.objects.filter(kind="DEAL_NOTICE").count()


@pytest.mark.django_db
def test_the_finalize_transaction_opens_the_deal_and_the_notice_follows_it_once():
    deal = sold()
    assert deal.notice_id is None
    assert notices() == 0

    assert deals_issue_notices() == 1
    assert deals_issue_notices() == 0

    deal.refresh_from_db()
    assert deal.notice.name == f"网络竞价成交通知书-{deal.serial}.pdf"
    assert deal.notice.owner_id == deal.buyer_id
    assert list(deal.notice.readers.values_list("pk", flat=True)) == [deal.seller_id]
    assert notices() == 1


@pytest.mark.django_db
def test_a_worker_that_dies_while_issuing_a_notice_leaves_it_to_the_next_round(monkeypatch):
    deal = sold()

    def die(*args):
        raise SystemExit("worker killed")

    monkeypatch.setattr(deal_services, "_share", die)  # after the PDF was stored
    with pytest.raises(SystemExit):
        deals_issue_notices()
    deal.refresh_from_db()
    assert (deal.notice_id, notices()) == (None, 0)

    monkeypatch.undo()
    assert deals_issue_notices() == 1
    deal.refresh_from_db()
    assert deal.notice_id is not None
    assert notices() == 1


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_workers_issuing_notices_at_once_make_each_notice_once():
    deals = [sold() for _ in range(3)]

    results = run_together([deals_issue_notices, deals_issue_notices])

    assert sorted(results) in ([0, 3], [1, 2])  # every deal claimed by exactly one
    assert sum(results) == 3
    assert notices() == 3
    assert Deal.objects.filter(pk__in=[d.pk for d in deals], notice__isnull=True).count() == 0
