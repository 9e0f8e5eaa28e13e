"""A deal's transaction certificate is rendered and stored after the delivery
confirmation commits, exactly once, even when a worker dies in between or two workers try
at once (issue 13)."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine

from auctions.services.bidding import bid_place
from auctions.services.clock import lots_finalize_due
from deals import services as deal_services
from deals.models import Deal, DealStatus, DocumentKind, IssuedDocument
from deals.services import (
    deal_contract_upload,
    deal_delivery_confirm,
    deal_payment_proof_upload,
    deals_issue_certificates,
    deals_issue_notices,
)
from files.models import PrivateFile
from notifications.models import Notification
from tests.concurrency import postgres_only, run_together
from tests.factories import bidder, lot, pdf, png


def delivered(key: str = "c-000001") -> Deal:
    the_lot = lot(start_price=Decimal("100000.00"))
    buyer = bidder(the_lot)
    bid_place(user=buyer, lot_id=the_lot.pk, amount=Decimal("100000"), idempotency_key=key)
    with time_machine.travel(the_lot.ends_at + timedelta(minutes=6), tick=False):
        assert lots_finalize_due() == 1
    deals_issue_notices()
    deal = Deal.objects.get(lot=the_lot)
    deal_contract_upload(user=deal.seller, deal_id=deal.pk, contract=pdf())
    deal_payment_proof_upload(user=buyer, deal_id=deal.pk, proof=png())
    deal_delivery_confirm(user=buyer, deal_id=deal.pk)
    deal.refresh_from_db()
    return deal


def certificates() -> int:
    return PrivateFile.objects.filter(kind="CERTIFICATE").count()


def told_certified() -> int:
    return Notification.objects.filter(kind="deal.certified").count()


@pytest.mark.django_db
def test_the_confirmation_commits_without_a_certificate_and_it_follows_once():
    deal = delivered()
    assert (deal.status, deal.certificate_id, deal.certified_at) == (
        DealStatus.DELIVERED,
        None,
        None,
    )
    assert deal.chain_head == deal.lot.head_hash
    assert (certificates(), told_certified()) == (0, 0)

    assert deals_issue_certificates() == 1
    assert deals_issue_certificates() == 0

    deal.refresh_from_db()
    assert deal.status == DealStatus.CERTIFIED and deal.certified_at is not None
    assert deal.certificate.name == f"交易凭证-{deal.serial}.pdf"
    assert deal.certificate.owner_id == deal.buyer_id
    assert list(deal.certificate.readers.values_list("pk", flat=True)) == [deal.seller_id]
    assert certificates() == 1
    assert told_certified() == 2  # buyer and seller, once
    assert IssuedDocument.objects.filter(deal=deal, kind=DocumentKind.CERTIFICATE).count() == 1


@pytest.mark.django_db
def test_a_worker_that_dies_after_storing_the_certificate_leaves_it_to_the_next_round(
    monkeypatch,
):
    deal = delivered()
    stored = []
    real_file_save = deal_services.file_save

    def save_then_die(**kwargs):
        stored.append(real_file_save(**kwargs).stored_name)
        raise SystemExit("worker killed")  # the bytes are in the store, nothing committed

    monkeypatch.setattr(deal_services, "file_save", save_then_die)
    with pytest.raises(SystemExit):
        deals_issue_certificates()
    deal.refresh_from_db()
    assert (deal.status, deal.certificate_id) == (DealStatus.DELIVERED, None)
    assert (certificates(), told_certified(), len(stored)) == (0, 0, 1)
    assert not IssuedDocument.objects.filter(deal=deal, kind=DocumentKind.CERTIFICATE).exists()

    monkeypatch.undo()
    assert deals_issue_certificates() == 1
    deal.refresh_from_db()
    assert deal.status == DealStatus.CERTIFIED
    assert deal.certificate.stored_name != stored[0]  # the orphan is files_prune's
    assert (certificates(), told_certified()) == (1, 2)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_workers_issuing_certificates_at_once_make_each_certificate_once():
    deals = [delivered(f"c-00000{n}") for n in range(3)]

    results = run_together([deals_issue_certificates, deals_issue_certificates])

    assert sum(results) == 3  # every deal claimed by exactly one
    assert certificates() == 3
    assert told_certified() == 6
    assert (
        Deal.objects.filter(pk__in=[d.pk for d in deals], status=DealStatus.CERTIFIED).count() == 3
    )
