"""Case 3 of issue 9: no public query costs more with more bids; costly documents are refused."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from auctions.models import Bid, Lot, Registration
from auctions.services.chain import GENESIS, bid_hash
from tests.api.helpers import counting, gid
from tests.factories import bidder, lot

pytestmark = pytest.mark.django_db

HALL = """
query($session: ID) { lots(first: 50, sessionId: $session) { edges { node {
    bids(first: 100) { totalCount edges { node { seq hash bidderNumber } } }
    bidChain { verified length headHash brokenAtSeq }
} } } }"""


def lot_with_bids(count: int) -> Lot:
    """A lot whose log holds ``count`` valid, chained bids (written in bulk)."""
    the_lot = lot(start_price=Decimal("100000.00"))
    registration = Registration.objects.get(user=bidder(the_lot))
    at = the_lot.session.bidding_starts_at
    prev = GENESIS
    bids = []
    for seq in range(1, count + 1):
        amount = Decimal("100000.00") + 1000 * (seq - 1)
        placed_at = at + timedelta(microseconds=seq)
        digest = bid_hash(
            prev_hash=prev,
            lot_id=the_lot.pk,
            seq=seq,
            bidder_number=registration.bidder_number,
            amount=amount,
            placed_at=placed_at,
            is_proxy=False,
        )
        bids.append(
            Bid(
                lot=the_lot,
                registration=registration,
                seq=seq,
                amount=amount,
                bidder_number=registration.bidder_number,
                placed_at=placed_at,
                ends_at_after=the_lot.ends_at,
                prev_hash=prev,
                hash=digest,
            )
        )
        prev = digest
    Bid.objects.bulk_create(bids, batch_size=2000)
    Lot.objects.filter(pk=the_lot.pk).update(
        last_seq=count, bid_count=count, head_hash=prev, current_price=bids[-1].amount
    )
    return the_lot


def hall_queries(client, session: str) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as captured:
        response = client(HALL, {"session": session})
    assert "errors" not in response, response
    return len(captured), response["data"]


def counts_for(make_gql, bids: int) -> tuple[int, int, dict]:
    """SQL queries of the hall query on a lot with ``bids`` bids: before its chain was
    verified (at most one budget of bids recomputed) and once it is."""
    the_lot = lot_with_bids(bids)
    session = gid("AuctionSession", the_lot.session_id)
    client = make_gql()
    client("{ lots(first: 1) { totalCount } }")  # warm per-process caches (content types)
    cold, _ = hall_queries(client, session)
    the_lot.refresh_from_db()
    Lot.objects.filter(pk=the_lot.pk).update(  # as once the backlog is verified
        chain_verified_seq=the_lot.last_seq, chain_verified_hash=the_lot.head_hash
    )
    warm, data = hall_queries(client, session)
    return cold, warm, data


def test_the_hall_query_costs_the_same_at_100_and_10000_bids(make_gql):
    cold_small, warm_small, _ = counts_for(make_gql, 100)
    cold_large, warm_large, large = counts_for(make_gql, 10_000)

    assert (cold_large, warm_large) == (cold_small, warm_small)
    print(
        f"SQL queries, hall query: 100 bids {cold_small}/{warm_small}, "
        f"10,000 bids {cold_large}/{warm_large} (cold/verified)"
    )
    node = large["lots"]["edges"][0]["node"]
    assert node["bids"]["totalCount"] == 10_000
    assert len(node["bids"]["edges"]) == 100
    assert node["bids"]["edges"][0]["node"]["seq"] == 10_000
    assert node["bidChain"]["verified"] is True


def test_a_long_log_is_verified_over_requests_each_bid_once(make_gql):
    lot_with_bids(4500)
    client = make_gql()

    lengths = []
    for _ in range(3):
        chain = client("{ lots(first: 1) { edges { node { bidChain { verified length } } } } }")
        lengths.append(chain["data"]["lots"]["edges"][0]["node"]["bidChain"])

    assert lengths == [
        {"verified": False, "length": 2000},
        {"verified": False, "length": 4000},
        {"verified": True, "length": 4500},
    ]


def test_a_tampered_bid_is_reported_where_the_chain_breaks(make_gql):
    the_lot = lot_with_bids(50)
    Bid.objects.filter(lot=the_lot, seq=20).update(amount=Decimal("999999.00"))

    chain = make_gql()(
        "{ lots(first: 1) { edges { node { bidChain { verified brokenAtSeq } } } } }"
    )

    assert chain["data"]["lots"]["edges"][0]["node"]["bidChain"] == {
        "verified": False,
        "brokenAtSeq": 20,
    }


@pytest.mark.parametrize(
    "query",
    [
        # 100 lots x 100 bids = 10,100 nodes
        "{ lots(first: 100) { edges { node { bids { edges { node { hash } } } } } } }",
        # 15 aliases of a 100-lot page with 10 bids each
        "{ "
        + " ".join(
            f"a{i}: lots(first: 100) {{ edges {{ node {{ bids(first: 10) {{ totalCount }} }} }} }}"
            for i in range(15)
        )
        + " }",
    ],
)
def test_a_document_asking_for_too_many_nodes_is_refused_before_it_runs(gql, query):
    lot_with_bids(3)

    with CaptureQueriesContext(connection) as captured:
        result = gql(query)

    assert result["data"] is None
    assert [e["extensions"]["code"] for e in result["errors"]] == ["QUERY_TOO_EXPENSIVE"]
    assert len(captured) == 0


def test_nodes_counts_each_id_asked_for(gql):
    query = """query($ids: [ID!]!) { nodes(ids: $ids) { ... on Lot {
        bids(first: 100) { totalCount } } } }"""
    the_lot = lot()

    few = gql(query, {"ids": [gid("Lot", the_lot.pk)] * 10})
    many = gql(query, {"ids": [gid("Lot", the_lot.pk)] * 100})

    assert "errors" not in few, few
    assert [e["extensions"]["code"] for e in many["errors"]] == ["QUERY_TOO_EXPENSIVE"]


def test_the_page_size_from_a_variable_counts(gql):
    query = """query($n: Int) { lots(first: 100) { edges { node {
        bids(first: $n) { totalCount } } } } }"""

    for _ in range(2):  # the second time from the costs kept per document and variables
        small = gql(query, {"n": 10})
        large = gql(query, {"n": 100})

        assert "errors" not in small
        assert [e["extensions"]["code"] for e in large["errors"]] == ["QUERY_TOO_EXPENSIVE"]


def test_the_verify_command_stores_its_result_for_the_api(make_gql):
    from django.core.management import call_command

    good, bad = lot_with_bids(30), lot_with_bids(30)
    Bid.objects.filter(lot=bad, seq=7).update(bidder_number="999999")

    with pytest.raises(Exception, match="1 lot"):
        call_command("bid_chain_verify", stdout=io.StringIO())

    good.refresh_from_db()
    bad.refresh_from_db()
    assert (good.chain_verified_seq, good.chain_broken_at_seq) == (30, None)
    assert bad.chain_broken_at_seq == 7


def test_a_cost_is_worked_out_once_per_page_size_and_number_of_ids(gql, monkeypatch):
    import schema.cost

    calls = counting(monkeypatch, schema.cost, "document_cost")
    schema.cost.COSTS.clear()
    query = """query($ids: [ID!]!, $n: Int) { nodes(ids: $ids) { ... on Lot {
        bids(first: $n) { totalCount } } } }"""
    ids = [gid("Lot", lot().pk) for _ in range(3)]
    for one in ids:  # other ids, the same number of them: the same cost
        assert "errors" not in gql(query, {"ids": [one], "n": 5})
    assert len(calls) == 1
    gql(query, {"ids": ids[:2], "n": 5})
    gql(query, {"ids": ids[:1], "n": 6})
    assert len(calls) == 3
