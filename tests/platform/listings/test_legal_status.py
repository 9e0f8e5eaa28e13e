"""Legal status look-ups through the HTTP patent provider (the fake service)."""

import pytest

from auctions.services.legal_status import lots_legal_status_check_due
from listings.legal_status import legal_status_lookup
from listings.models import LegalStatusCheck
from tests.factories import ListingFactory, lot
from tests.platform.listings.test_patent_providers import FULL_PATENT, service  # noqa: F401

pytestmark = pytest.mark.django_db
NUMBER = FULL_PATENT["number"]


@pytest.mark.parametrize(
    ("reported", "expected"),
    [
        ("GRANTED", ("GRANTED", "SELLABLE")),
        ("PENDING", ("PENDING", "SELLABLE")),
        ("LAPSED", ("LAPSED", "UNSELLABLE")),
        ("INVALIDATED", ("INVALIDATED", "UNSELLABLE")),
        ("TRANSFERRED", ("TRANSFERRED", "UNSELLABLE")),
        ("PLEDGED", ("PLEDGED", "UNSELLABLE")),
        ("SOMETHING_NEW", ("OTHER", "SELLABLE")),
    ],
)
def test_the_http_provider_reports_each_legal_status(service, reported, expected):  # noqa: F811
    service.answer(f"/v1/patents/{NUMBER}", {**FULL_PATENT, "legalStatus": reported})

    assert legal_status_lookup(NUMBER) == expected


def test_an_unknown_patent_or_a_silent_service_is_recorded_not_guessed(service):  # noqa: F811
    service.answer(f"/v1/patents/{NUMBER}", {"error": "not found"}, status=404)
    assert legal_status_lookup(NUMBER) == ("", "NOT_FOUND")
    service.answer(f"/v1/patents/{NUMBER}", b"<html>", status=500)
    assert legal_status_lookup(NUMBER) == ("", "UNAVAILABLE")


def test_a_lapse_reported_by_the_http_service_at_the_opening_proposes_a_pull(service):  # noqa: F811
    listing = ListingFactory(status="IN_AUCTION", patent_number=NUMBER, legal_status="GRANTED")
    the_lot = lot(phase="BIDDING", listing=listing)
    service.answer(f"/v1/patents/{NUMBER}", {**FULL_PATENT, "legalStatus": "LAPSED"})

    assert lots_legal_status_check_due() == 1

    check = LegalStatusCheck.objects.get()
    assert (check.stage, check.status, check.outcome, check.lot_id) == (
        "BIDDING_OPEN",
        "LAPSED",
        "UNSELLABLE",
        the_lot.pk,
    )
    assert the_lot.pulls.get().status == "PENDING"
    assert [request.path for request in service.requests] == [f"/v1/patents/{NUMBER}"]
    assert lots_legal_status_check_due() == 0
