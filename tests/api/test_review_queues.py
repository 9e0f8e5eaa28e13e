import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import UserFactory, VerificationFactory, staff_user

QUEUE = """
query(
  $first: Int, $after: String, $status: ReviewStatus, $kind: VerificationKind, $search: String
) {
  verificationQueue(first: $first, after: $after, status: $status, kind: $kind, search: $search) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node {
      id name kind status user { phone }
      certificate { name url }
      reviewHistory { action actorName at }
    } }
  }
}"""


@pytest.fixture
def staff(signed_in_as):
    return signed_in_as(staff_user())


def pending(count, **kwargs):
    return [VerificationFactory(status="PENDING", **kwargs) for _ in range(count)]


def test_the_queue_pages_with_cursors_oldest_first(staff):
    made = pending(5)
    first = staff(QUEUE, {"first": 2})["data"]["verificationQueue"]
    assert first["totalCount"] == 5
    assert first["pageInfo"]["hasNextPage"] is True
    second = staff(QUEUE, {"first": 2, "after": first["pageInfo"]["endCursor"]})
    names = [
        e["node"]["user"]["phone"]
        for e in first["edges"] + second["data"]["verificationQueue"]["edges"]
    ]
    assert names == [v.user.phone for v in made[:4]]


def test_the_queue_filters_by_status_kind_and_search(staff):
    pending(2)
    VerificationFactory(status="PENDING", kind="PERSONAL", name="李四", credit_code="")
    VerificationFactory(status="APPROVED", name="东南示范学院")

    def total(**variables):
        return staff(QUEUE, variables)["data"]["verificationQueue"]["totalCount"]

    assert total() == 3
    assert total(kind="PERSONAL") == 1
    assert total(status="APPROVED") == 1
    assert total(status=None) == 4
    assert total(search="李四") == 1


def test_more_than_100_per_page_is_refused(staff):
    response = staff(QUEUE, {"first": 101})
    assert response["data"] is None
    assert (
        "101" not in response["errors"][0]["message"] or "100" in response["errors"][0]["message"]
    )


def test_a_page_costs_the_same_number_of_queries_whatever_its_size(staff):
    pending(2)
    with CaptureQueriesContext(connection) as small:
        staff(QUEUE, {"first": 2})
    pending(18)
    with CaptureQueriesContext(connection) as large:
        response = staff(QUEUE, {"first": 20})
    assert len(response["data"]["verificationQueue"]["edges"]) == 20
    assert len(large) == len(small)


def test_the_queue_is_for_staff_only(make_gql, signed_in_as):
    pending(1)
    anonymous = make_gql()(QUEUE)
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    applicant = signed_in_as(UserFactory())
    assert applicant(QUEUE)["errors"][0]["extensions"]["code"] == "FORBIDDEN"
