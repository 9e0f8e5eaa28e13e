"""The optimizer's plan kept per document for signed-out viewers (schema/plans.py): a
later request runs the very SQL the first one did and gets the same answer; nothing is
kept for signed-in viewers or where a hint depends on the request."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from schema.plans import PLANS
from shops.models import Shop
from tests.factories import ListingFactory, UserFactory, auction_session, lot, open_shop

pytestmark = pytest.mark.django_db

LOTS = """query($n: Int) { lots(first: $n) { edges { node { id currentPrice phase
    listing { title shop { name } } } } } }"""
LISTINGS = """{ listings(first: 20) { edges { node { id title type status
    shop { name } } } } }"""
STANDING = """{ lots(first: 20) { edges { node { id viewerStanding } } } }"""


@pytest.fixture(autouse=True)
def no_plans():
    PLANS.clear()
    yield
    PLANS.clear()


@pytest.fixture
def hall():
    session = auction_session()
    shops = [open_shop(name="南京示范大学"), open_shop(name="东南示范学院", phone="13712340021")]
    for shop in shops:
        lot(session_obj=session, listing=ListingFactory(shop=shop, status="IN_AUCTION"))
        ListingFactory(shop=shop, status="LISTED")
    return shops


def _run(client, query, variables=None):
    with CaptureQueriesContext(connection) as captured:
        response = client(query, variables)
    return response, [query["sql"] for query in captured]


@pytest.mark.parametrize(
    "query, variables", [(LOTS, {"n": 10}), (LOTS, {"n": 3}), (LISTINGS, None)]
)
def test_a_kept_plan_runs_the_first_requests_sql(gql, hall, query, variables, monkeypatch):
    first = _run(gql, query, variables)
    assert len(PLANS), "nothing was kept"
    assert _run(gql, query, variables) == first
    assert _run(gql, query, variables) == first
    monkeypatch.setattr(PLANS, "key", lambda queryset, info: None)  # strawberry-django's own
    assert _run(gql, query, variables) == first


def test_the_plans_rules_are_asked_again_for_each_request(gql, hall):
    before, _ = _run(gql, LISTINGS)
    assert "东南示范学院" in str(before)
    Shop.objects.filter(pk=hall[1].pk).update(status="REJECTED")
    after, _ = _run(gql, LISTINGS)
    assert "东南示范学院" not in str(after) and after["errors"][0]["path"][-1] == "shop"


def test_nothing_is_kept_for_a_signed_in_viewer(signed_in_as, hall):
    client = signed_in_as(UserFactory())
    client(LISTINGS)
    assert not len(PLANS)


def test_nothing_is_kept_where_a_hint_is_given_the_request(gql, hall):
    gql(STANDING)  # viewerStanding's annotations are built for the viewer
    assert not len(PLANS)
    gql(LISTINGS)
    assert len(PLANS)


def test_another_document_or_other_variables_make_plans_of_their_own(gql, hall):
    gql(LOTS, {"n": 10})
    gql(LOTS, {"n": 3})
    gql(LISTINGS)
    assert len(PLANS) == 3
