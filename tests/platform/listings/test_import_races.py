"""Batch import under concurrency, on PostgreSQL with real threads: each import is checked by
one worker, and one patent is listed once however two commits interleave."""

import threading

import pytest

from agreements.models import AgreementKind
from kernel.errors import DomainError
from listings.imports import services
from listings.imports.services import (
    listing_import_commit,
    listing_import_process,
    listing_import_upload,
    listing_imports_process_queued,
)
from listings.models import Listing, ListingImport, ListingImportRow
from reviews.models import ReviewRecord
from tests.concurrency import postgres_only, run_together
from tests.factories import current_agreement, open_shop
from tests.platform.listings import patent_row, workbook_bytes, xlsx_upload

pytestmark = [pytest.mark.django_db(transaction=True), postgres_only]


def uploaded(shop, rows):
    return listing_import_upload(
        user=shop.identity.user,
        shop_id=shop.pk,
        type="PATENT",
        upload=xlsx_upload(workbook_bytes("PATENT", rows)),
    )


def test_two_workers_asked_for_the_same_import_check_it_once():
    listing_import = uploaded(open_shop(), [patent_row(n) for n in range(20)])

    results = run_together([lambda: listing_import_process(import_id=listing_import.pk)] * 2)

    assert sorted(type(r).__name__ for r in results) == ["ListingImport", "NoneType"]
    assert ListingImportRow.objects.count() == 20
    assert ListingImport.objects.get().status == "DONE"


def test_two_workers_share_the_queue_without_checking_an_import_twice():
    shop = open_shop()
    for offset in (0, 100, 200):
        uploaded(shop, [patent_row(offset + n) for n in range(10)])

    results = run_together([listing_imports_process_queued] * 2)

    assert sum(results) == 3
    assert set(ListingImport.objects.values_list("status", flat=True)) == {"DONE"}
    assert ListingImportRow.objects.count() == 30


def test_two_commits_of_the_same_patent_at_once_list_it_once_and_the_other_creates_nothing(
    monkeypatch,
):
    version = current_agreement(AgreementKind.LISTING_AGREEMENT).version
    first = open_shop()
    second = open_shop(name="东南示范大学")
    imports = [
        listing_import_process(import_id=uploaded(first, [patent_row(1), patent_row(2)]).pk),
        listing_import_process(
            import_id=uploaded(second, [patent_row(3), patent_row(2, 专利权人="东南示范大学")]).pk
        ),
    ]
    # Both commits pass the re-check before either inserts: the constraint must decide.
    checked = threading.Barrier(2, timeout=10)
    active_keys = services._active_keys

    def racing_active_keys(**kwargs):
        keys = active_keys(**kwargs)
        checked.wait()
        return keys

    monkeypatch.setattr(services, "_active_keys", racing_active_keys)

    results = run_together(
        [
            lambda i=i, shop=shop: listing_import_commit(
                user=shop.identity.user,
                import_id=imports[i].pk,
                season_opt_in=False,
                agreement_version=version,
            )
            for i, shop in enumerate((first, second))
        ]
    )

    refused = [r for r in results if isinstance(r, DomainError)]
    committed = [r for r in results if isinstance(r, ListingImport)]
    assert len(refused) == len(committed) == 1, results
    assert (refused[0].codes, refused[0].items[0].field) == (["PATENT_ALREADY_LISTED"], "id")
    assert Listing.objects.filter(patent_number=patent_row(2)["专利号"]).count() == 1
    assert Listing.objects.count() == ReviewRecord.objects.count() == 2
    loser = ListingImport.objects.exclude(pk=committed[0].pk).get()
    assert loser.status == "DONE"
    assert set(loser.rows.values_list("status", flat=True)) == {"VALID"}
