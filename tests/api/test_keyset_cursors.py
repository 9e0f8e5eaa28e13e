"""Issue 10: lists whose order moves under the reader (the hall's lots by end or price,
bid records, review queues) page with keyset cursors: the next page starts after the last
row seen, so rows inserted before it, leaving the list or moving do not make the rows that
stayed put skip or repeat (an offset cursor would)."""

import base64
from datetime import timedelta
from decimal import Decimal

import pytest

from auctions.models import Registration
from auctions.services.bidding import bid_place
from notifications.services import notify
from reviews.services import review_decide
from tests.api.helpers import gid
from tests.factories import UserFactory, auction_session, bidder, lot, staff_user

pytestmark = pytest.mark.django_db

LOTS = """
query($after: String, $sort: LotSort!, $phase: LotPhase) {
  lots(first: 2, after: $after, sort: $sort, phase: $phase) {
    pageInfo { hasNextPage endCursor }
    edges { node { id } }
  }
}"""


def read_all_lots(client, *, sort="ENDING_SOONEST", phase=None, between_pages=()):
    """Every page of the hall; ``between_pages[i]`` runs after page i was read."""
    seen, after, page = [], None, 0
    while True:
        result = client(LOTS, {"after": after, "sort": sort, "phase": phase})
        assert "errors" not in result, result
        lots = result["data"]["lots"]
        seen += [edge["node"]["id"] for edge in lots["edges"]]
        if page < len(between_pages):
            between_pages[page]()
        page += 1
        if not lots["pageInfo"]["hasNextPage"]:
            return seen
        after = lots["pageInfo"]["endCursor"]


def place(the_lot, amount, key):
    bid_place(
        user=bidder(the_lot),
        lot_id=the_lot.pk,
        amount=Decimal(amount),
        idempotency_key=f"keyset-{key:05d}",
    )


def test_lots_ending_or_added_while_paging_the_hall_neither_skip_nor_repeat_others(gql):
    session = auction_session()
    lots = [
        lot(session_obj=session, ends_at=session.bidding_ends_at + timedelta(minutes=n))
        for n in range(6)
    ]

    def the_first_lot_ends():  # it leaves the BIDDING filter: an offset would skip one
        lots[0].result = "UNSOLD"
        lots[0].save()

    def a_lot_ending_sooner_is_added():  # before the cursor: an offset would repeat one
        lot(session_obj=session, ends_at=session.bidding_ends_at - timedelta(minutes=9))

    seen = read_all_lots(
        gql, phase="BIDDING", between_pages=[the_first_lot_ends, a_lot_ending_sooner_is_added]
    )

    assert seen == [gid("Lot", one.pk) for one in lots]


def test_a_lot_overtaking_others_by_price_does_not_make_the_next_page_repeat_one(gql):
    session = auction_session()
    prices = ["600000", "500000", "400000", "300000", "200000", "100000"]
    lots = [lot(session_obj=session, start_price=price) for price in prices]

    def the_cheapest_is_bid_to_the_top():
        place(lots[5], "700000", 1)

    seen = read_all_lots(
        gql, sort="PRICE_HIGH_TO_LOW", between_pages=[the_cheapest_is_bid_to_the_top]
    )

    # the moved lot went behind the reader; every other lot is seen exactly once
    assert seen == [gid("Lot", one.pk) for one in lots[:5]]


BIDS = """
query($id: ID!, $after: String) { lot(id: $id) { bids(first: 2, after: $after) {
  pageInfo { hasNextPage endCursor } edges { node { seq } }
} } }"""


def test_new_bids_while_paging_the_bid_record_do_not_repeat_older_ones(gql):
    the_lot = lot(start_price="100000.00")
    for n in range(5):
        place(the_lot, 100000 + 1000 * n, 10 + n)
    first = gql(BIDS, {"id": gid("Lot", the_lot.pk)})["data"]["lot"]["bids"]
    place(the_lot, "105000", 20)
    place(the_lot, "106000", 21)

    second = gql(BIDS, {"id": gid("Lot", the_lot.pk), "after": first["pageInfo"]["endCursor"]})

    seqs = [e["node"]["seq"] for e in second["data"]["lot"]["bids"]["edges"]]
    assert [e["node"]["seq"] for e in first["edges"]] == [5, 4]
    assert seqs == [3, 2]


QUEUE = """
query($after: String) { registrationQueue(first: 2, after: $after) {
  pageInfo { hasNextPage endCursor } edges { node { id } }
} }"""


def test_decisions_taken_while_paging_a_queue_do_not_make_the_next_page_skip_one(signed_in_as):
    the_lot = lot(phase="NOTICE")
    users = [bidder(the_lot, approved=False) for _ in range(4)]
    registrations = [Registration.objects.get(user=user) for user in users]
    reviewer = staff_user()
    client = signed_in_as(reviewer)
    first = client(QUEUE)["data"]["registrationQueue"]
    review_decide(model=Registration, pk=registrations[0].pk, actor=reviewer, approve=True)

    second = client(QUEUE, {"after": first["pageInfo"]["endCursor"]})["data"]

    ids = [e["node"]["id"] for e in first["edges"] + second["registrationQueue"]["edges"]]
    assert ids == [gid("Registration", r.pk) for r in registrations]


def codes(result) -> list[str]:
    return [error["extensions"]["code"] for error in result["errors"]]


@pytest.mark.parametrize(
    "cursor",
    [
        base64.b64encode(b"arrayconnection:1").decode(),  # an offset cursor of old
        "not-a-cursor",
        base64.b64encode(b"orderedcursor:[1,2,3]").decode(),
    ],
)
def test_an_old_or_invalid_cursor_is_bad_user_input(gql, cursor):
    lot()

    result = gql(LOTS, {"after": cursor, "sort": "ENDING_SOONEST"})

    assert codes(result) == ["BAD_USER_INPUT"]
    assert result["errors"][0]["message"] == "游标无效：请使用接口返回的游标。"


def test_a_keyset_page_over_100_is_bad_user_input(gql):
    result = gql("{ lots(first: 101) { edges { node { id } } } }")

    assert codes(result) == ["BAD_USER_INPUT"]


def test_a_cursor_of_another_order_is_bad_user_input(gql):
    session = auction_session()
    for price in ("100000", "200000", "300000"):
        lot(session_obj=session, start_price=price)
    by_price = gql(LOTS, {"sort": "PRICE_LOW_TO_HIGH"})["data"]["lots"]["pageInfo"]

    result = gql(LOTS, {"after": by_price["endCursor"], "sort": "ENDING_SOONEST"})

    assert codes(result) == ["BAD_USER_INPUT"]


INBOX = """
query($after: String) { notifications(first: 2, after: $after) {
  pageInfo { hasNextPage endCursor } edges { node { title } }
} }"""


def test_new_messages_while_paging_the_inbox_do_not_repeat_older_ones(signed_in_as):
    user = UserFactory()
    for n in range(4):
        notify(user=user, kind="lot.won", title=f"第{n}条", text=f"【测试】第{n}条", sms=False)
    client = signed_in_as(user)
    first = client(INBOX)["data"]["notifications"]
    notify(user=user, kind="lot.won", title="新的一条", text="【测试】新的一条", sms=False)

    second = client(INBOX, {"after": first["pageInfo"]["endCursor"]})["data"]["notifications"]

    titles = [e["node"]["title"] for e in first["edges"] + second["edges"]]
    assert titles == ["第3条", "第2条", "第1条", "第0条"]
