"""Issue 10, consistency: the same question answered the same way everywhere."""

import pytest

from kernel.clock import now
from tests.factories import ListingFactory, staff_user, valid_patent_number

pytestmark = pytest.mark.django_db

LISTING_QUEUE = """
query($search: String) { listingQueue(search: $search) { totalCount edges { node { title } } } }"""


def test_the_listing_queue_search_matches_patent_numbers_as_the_hall_does(signed_in_as):
    staff = signed_in_as(staff_user())
    ListingFactory(
        status="PENDING_REVIEW",
        submitted_at=now(),
        title="一种储能电池",
        patent_number=valid_patent_number("202110123456"),
    )
    ListingFactory(
        status="PENDING_REVIEW",
        submitted_at=now(),
        title="一种光伏组件",
        patent_number=valid_patent_number("202220654321"),
    )

    def titles(search):
        queue = staff(LISTING_QUEUE, {"search": search})["data"]["listingQueue"]
        return sorted(edge["node"]["title"] for edge in queue["edges"])

    assert titles("储能") == ["一种储能电池"]
    assert titles("2022206543") == ["一种光伏组件"]  # part of the number
    assert titles(valid_patent_number("202110123456").lower()) == ["一种储能电池"]
    assert titles(None) == ["一种储能电池", "一种光伏组件"]
