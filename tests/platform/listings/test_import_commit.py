"""Listing the valid rows of a checked import (上架), with the season opt-in."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agreements.models import AgreementKind
from kernel.errors import DomainError
from listings.imports import services
from listings.imports.services import (
    listing_import_commit,
    listing_import_process,
    listing_import_upload,
)
from listings.models import Listing, ListingImport, ListingImportRow
from listings.services import listing_snapshot
from reviews.models import ReviewRecord
from tests.factories import ListingFactory, current_agreement, open_shop
from tests.platform.listings import patent_row, workbook_bytes, xlsx_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    return open_shop()


@pytest.fixture(autouse=True)
def version():
    return current_agreement(AgreementKind.LISTING_AGREEMENT).version


def checked(shop, rows, *, process=True):
    listing_import = listing_import_upload(
        user=shop.identity.user,
        shop_id=shop.pk,
        type="PATENT",
        upload=xlsx_upload(workbook_bytes("PATENT", rows)),
    )
    if process:
        return listing_import_process(import_id=listing_import.pk)
    return listing_import


def commit(shop, listing_import, *, season_opt_in=False, user=None, version=None):
    return listing_import_commit(
        user=user or shop.identity.user,
        import_id=listing_import.pk,
        season_opt_in=season_opt_in,
        agreement_version=version or current_agreement(AgreementKind.LISTING_AGREEMENT).version,
    )


def refusal(*args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        commit(*args, **kwargs)
    return caught.value


def rows_of(listing_import):
    return list(
        ListingImportRow.objects.filter(listing_import=listing_import).select_related("listing")
    )


def test_the_valid_rows_become_listings_submitted_for_review(shop, version):
    listing_import = checked(shop, [patent_row(1), patent_row(2, 专利名称=None), patent_row(3)])

    committed = commit(shop, listing_import)

    assert committed.status == "COMMITTED"
    assert committed.committed_rows == 2
    assert committed.committed_at is not None
    one, two, three = rows_of(committed)
    assert (one.status, two.status, three.status) == ("COMMITTED", "INVALID", "COMMITTED")
    assert two.listing is None
    listing = one.listing
    assert listing.status == "PENDING_REVIEW"
    assert listing.shop == shop
    assert listing.title == "一种锂电池正极材料及其制备方法1"
    assert listing.patent_number == patent_row(1)["专利号"]
    assert listing.patent_type == "UTILITY_MODEL"
    assert listing.inventors == ["张三", "李四"]
    assert str(listing.start_price) == "120000.00"
    assert listing.ownership == "OWN"
    assert listing.agreement.version == version
    assert listing.submitted_at == listing.agreement_accepted_at == committed.committed_at
    assert listing.season_opt_in is False
    assert Listing.objects.count() == 2


def test_each_listing_gets_the_review_record_a_single_submission_gets(shop):
    listing_import = checked(shop, [patent_row(1), patent_row(2)])

    commit(shop, listing_import)

    records = ReviewRecord.objects.order_by("subject_id")
    listings = Listing.objects.order_by("pk")
    assert [(r.subject_id, r.action, r.actor_id) for r in records] == [
        (listing.pk, "SUBMITTED", shop.identity.user.pk) for listing in listings
    ]
    assert {r.subject_type for r in records} == {ContentType.objects.get_for_model(Listing)}
    assert [r.snapshot for r in records] == [listing_snapshot(listing) for listing in listings]
    assert records[0].at == listings[0].submitted_at


def test_the_season_opt_in_applies_to_own_rows_and_agent_rows_are_listed_without_it(shop):
    listing_import = checked(shop, [patent_row(1), patent_row(2, 专利权人="某某科技有限公司")])

    committed = commit(shop, listing_import, season_opt_in=True)

    own, agent = rows_of(committed)
    assert (own.ownership, own.season_opt_in, own.listing.season_opt_in) == ("OWN", True, True)
    assert (agent.ownership, agent.season_opt_in, agent.listing.season_opt_in) == (
        "AGENT",
        False,
        False,
    )
    assert agent.listing.status == "PENDING_REVIEW"
    assert committed.season_opt_in is True


def test_a_shop_of_an_ineligible_identity_cannot_opt_in(db):
    shop = open_shop(identity_kind="OTHER_ENTERPRISE", name="某某科技有限公司")
    listing_import = checked(shop, [patent_row(1, 专利权人="某某科技有限公司")])

    error = refusal(shop, listing_import, season_opt_in=True)

    assert error.codes == ["SEASON_OPT_IN_NOT_ELIGIBLE"]
    assert error.items[0].field == "seasonOptIn"
    assert Listing.objects.count() == 0
    assert commit(shop, listing_import).committed_rows == 1


def test_the_listing_agreement_must_be_accepted(shop):
    listing_import = checked(shop, [patent_row(1)])

    error = refusal(shop, listing_import, version="2025.9")

    assert error.codes == ["AGREEMENT_NOT_ACCEPTED"]
    assert error.items[0].field == "agreementVersion"
    assert Listing.objects.count() == 0


def test_an_import_is_committed_once(shop):
    listing_import = checked(shop, [patent_row(1)])
    commit(shop, listing_import)

    assert refusal(shop, listing_import).codes == ["IMPORT_ALREADY_COMMITTED"]
    assert Listing.objects.count() == 1


def test_an_import_still_being_checked_cannot_be_committed(shop):
    listing_import = checked(shop, [patent_row(1)], process=False)

    assert refusal(shop, listing_import).codes == ["IMPORT_NOT_READY"]


def test_a_failed_import_cannot_be_committed(shop):
    listing_import = checked(shop, [patent_row(1)], process=False)
    ListingImport.objects.filter(pk=listing_import.pk).update(status="FAILED")

    assert refusal(shop, listing_import).codes == ["IMPORT_FAILED"]


def test_an_import_without_a_valid_row_has_nothing_to_commit(shop):
    listing_import = checked(shop, [patent_row(1, 专利名称=None)])

    assert refusal(shop, listing_import).codes == ["NOTHING_TO_COMMIT"]


def test_someone_elses_import_is_not_found(shop):
    listing_import = checked(shop, [patent_row(1)])
    other = open_shop(name="东南示范大学")

    error = refusal(shop, listing_import, user=other.identity.user)

    assert (error.codes, error.items[0].field) == (["NOT_FOUND"], "id")


def test_a_shop_closed_since_the_upload_cannot_list(shop):
    listing_import = checked(shop, [patent_row(1)])
    shop.status = "REJECTED"
    shop.save()

    assert refusal(shop, listing_import).codes == ["SHOP_NOT_OPEN"]


def test_a_patent_listed_elsewhere_since_the_check_is_skipped_and_the_rest_listed(shop):
    listing_import = checked(shop, [patent_row(1), patent_row(2)])
    ListingFactory(patent_number=patent_row(2)["专利号"], status="PENDING_REVIEW")

    committed = commit(shop, listing_import)

    one, two = rows_of(committed)
    assert (one.status, two.status) == ("COMMITTED", "DUPLICATE")
    assert [e["code"] for e in two.errors] == ["PATENT_ALREADY_LISTED"]
    assert (committed.committed_rows, committed.valid_rows, committed.duplicate_rows) == (1, 1, 1)


def test_a_concurrent_listing_of_the_same_patent_refuses_the_commit_and_creates_nothing(
    shop, monkeypatch
):
    listing_import = checked(shop, [patent_row(1), patent_row(2)])
    # The other listing is submitted between the re-check and the insert.
    ListingFactory(patent_number=patent_row(2)["专利号"], status="PENDING_REVIEW")
    monkeypatch.setattr(services, "_active_keys", lambda **kwargs: set())

    error = refusal(shop, listing_import)

    assert (error.codes, error.items[0].field) == (["PATENT_ALREADY_LISTED"], "id")
    assert Listing.objects.filter(shop=shop).count() == 0
    assert ReviewRecord.objects.count() == 0
    listing_import.refresh_from_db()
    assert listing_import.status == "DONE"
    assert {row.status for row in rows_of(listing_import)} == {"VALID"}


def test_committing_costs_a_fixed_number_of_queries_whatever_the_row_count(shop):
    def queries_for(count: int, offset: int) -> int:
        listing_import = checked(shop, [patent_row(offset + n) for n in range(count)])
        with CaptureQueriesContext(connection) as queries:
            commit(shop, listing_import)
        return len(queries)

    assert queries_for(3, 100) == queries_for(30, 200)
