"""The priority purchase right (优先购买权) through GraphQL over HTTP: staff mark two holders
of different order before bidding, an ordinary bidder bids, the holders match, and the
earlier in order wins the lot at that price; the bid record, the chain and the deal say so."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pdfminer.high_level import extract_text

from auctions.models import Registration
from auctions.services.bidding import bid_place
from kernel.clock import now
from tests.api.helpers import download, error_codes, gid
from tests.factories import (
    UserFactory,
    VerificationFactory,
    _private_pdf,
    auction_session,
    bidder,
    lot,
    pdf,
    staff_user,
)

pytestmark = pytest.mark.django_db

REGISTER = """
mutation($input: RegistrationSubmitInput!) {
  registrationSubmit(input: $input) { registration { id } errors { code } }
}"""
APPROVE = "mutation($id: ID!) { reviewApprove(input: {id: $id}) { errors { code } } }"
MARK = """
mutation($input: RegistrationPriorityMarkInput!) {
  registrationPriorityMark(input: $input) {
    registration { id bidderNumber
      priorityRight { order basis reason markedAt markedByName waivedAt } }
    errors { code field message }
  }
}"""
BID = """
mutation($input: BidPlaceInput!) {
  bidPlace(input: $input) {
    bid { seq amount bidderNumber underPriorityRight } lot { currentPrice }
    errors { code field message }
  }
}"""
LOT = """
query($id: ID!) {
  lot(id: $id) {
    currentPrice result finalPrice winnerBidderNumber priorityRightHolderCount
    bids(first: 10) { edges { node { seq amount bidderNumber underPriorityRight hash } } }
    bidChain { verified length }
    myRegistration { bidderNumber priorityRight { order basis waivedAt } }
  }
}"""
MY_DEALS = """{ myDeals(role: BUYER) { edges { node { price wonUnderPriorityRight
  notice { url } } } } }"""


def registrant(signed_in_as, staff, the_lot, phone: str):
    """A verified buyer who registered through the API and was approved by staff."""
    user = UserFactory(phone=phone)
    VerificationFactory(user=user, kind="PERSONAL", name="竞买人", credit_code="")
    client = signed_in_as(user)
    response = client.upload(
        REGISTER,
        {"input": {"lotId": gid("Lot", the_lot.pk), "commitmentLetter": None}},
        {"input.commitmentLetter": pdf("承诺函.pdf")},
    ).json()["data"]["registrationSubmit"]
    assert response["errors"] == []
    registration_id = response["registration"]["id"]
    assert staff(APPROVE, {"id": registration_id})["data"]["reviewApprove"]["errors"] == []
    return client, registration_id


def mark(staff, registration_id, order, basis="CO_OWNER", reason="专利权共有人（登记簿）"):
    variables = {"input": {"id": registration_id, "order": order, "basis": basis, "reason": reason}}
    return staff(MARK, variables)["data"]["registrationPriorityMark"]


def bid(client, the_lot, amount: str, key: str):
    variables = {
        "input": {"lotId": gid("Lot", the_lot.pk), "amount": amount, "idempotencyKey": key}
    }
    return client(BID, variables)["data"]["bidPlace"]


def test_the_earlier_holder_matching_the_highest_bid_wins_the_lot_at_that_price(
    signed_in_as, sms_outbox
):
    # given: a lot in its notice phase, an ordinary registrant and three holders
    the_lot = lot(phase="NOTICE")
    staff = signed_in_as(staff_user())
    ordinary, _ = registrant(signed_in_as, staff, the_lot, "13700000001")
    first, first_id = registrant(signed_in_as, staff, the_lot, "13700000002")
    second, second_id = registrant(signed_in_as, staff, the_lot, "13700000003")
    idle, idle_id = registrant(signed_in_as, staff, the_lot, "13700000004")
    marked = mark(staff, first_id, 1)
    assert marked["errors"] == []
    assert marked["registration"]["priorityRight"]["order"] == 1
    assert marked["registration"]["priorityRight"]["markedByName"] == "审核员甲"
    assert sms_outbox[-1][0] == "13700000002" and "优先购买权人（顺序1）" in sms_outbox[-1][1]
    assert mark(staff, second_id, 2, basis="LICENSEE", reason="普通许可合同")["errors"] == []
    assert mark(staff, idle_id, 3)["errors"] == []
    lot_id = gid("Lot", the_lot.pk)
    public = signed_in_as(UserFactory())(LOT, {"id": lot_id})["data"]["lot"]
    assert public["priorityRightHolderCount"] == 3 and public["myRegistration"] is None
    assert ordinary(LOT, {"id": lot_id})["data"]["lot"]["myRegistration"]["priorityRight"] is None

    with time_machine.travel(the_lot.session.bidding_starts_at + timedelta(minutes=1)):
        # when: the ordinary bidder bids, the later holder matches, the earlier one matches
        opening = bid(ordinary, the_lot, "105000", "prio-api-0001")
        second_match = bid(second, the_lot, "105000", "prio-api-0002")
        ordinary_equal = bid(ordinary, the_lot, "105000", "prio-api-0003")
        first_match = bid(first, the_lot, "105000", "prio-api-0004")
        second_again = bid(second, the_lot, "105000", "prio-api-0005")
        first_again = bid(first, the_lot, "105000", "prio-api-0006")
        late_mark = mark(staff, first_id, 2)
        english = second(
            BID,
            {"input": {"lotId": lot_id, "amount": "105000", "idempotencyKey": "prio-api-0007"}},
            headers={"Accept-Language": "en"},
        )["data"]["bidPlace"]["errors"][0]["message"]

    # then: each answer, in the order the rules give
    assert opening["errors"] == [] and opening["bid"]["underPriorityRight"] is False
    assert second_match["errors"] == [] and second_match["bid"]["underPriorityRight"] is True
    assert second_match["lot"]["currentPrice"] == "105000.00"
    assert error_codes(ordinary_equal) == ["BID_TOO_LOW"]
    assert first_match["errors"] == [] and first_match["bid"]["underPriorityRight"] is True
    assert error_codes(second_again) == ["PRIORITY_MATCH_OUTRANKED"]
    assert error_codes(first_again) == ["PRIORITY_ALREADY_LEADING"]
    assert error_codes(late_mark) == ["PRIORITY_MARK_CLOSED"]
    assert second_again["errors"][0]["field"] == "amount"
    assert english.startswith("A priority right holder earlier in order")
    assert second_again["errors"][0]["message"].startswith("顺序在先")

    # the lot ends: the earlier holder wins at the matched price
    with time_machine.travel(the_lot.ends_at + timedelta(seconds=1)):
        call_command("auctions_clock")
    ended = first(LOT, {"id": lot_id})["data"]["lot"]
    first_number = first_match["bid"]["bidderNumber"]
    assert (ended["result"], ended["finalPrice"]) == ("SOLD", "105000.00")
    assert ended["winnerBidderNumber"] == first_number
    assert [
        (b["node"]["seq"], b["node"]["amount"], b["node"]["underPriorityRight"])
        for b in ended["bids"]["edges"]
    ] == [(3, "105000.00", True), (2, "105000.00", True), (1, "105000.00", False)]
    assert ended["bids"]["edges"][0]["node"]["bidderNumber"] == first_number
    assert ended["bidChain"] == {"verified": True, "length": 3}
    assert ended["myRegistration"]["priorityRight"] == {
        "order": 1,
        "basis": "CO_OWNER",
        "waivedAt": None,
    }
    deals = first(MY_DEALS)["data"]["myDeals"]["edges"]
    notice_url = deals[0]["node"].pop("notice")["url"]
    assert deals == [{"node": {"price": "105000.00", "wonUnderPriorityRight": True}}]
    notice = extract_text(io.BytesIO(download(notice_url)))
    assert "依法行使优先购买权" in notice and "竞得方式" in notice
    # the holder who never bid has waived the right; the one who matched has not
    waived = idle(LOT, {"id": lot_id})["data"]["lot"]["myRegistration"]["priorityRight"]
    assert waived["waivedAt"] is not None
    kept = second(LOT, {"id": lot_id})["data"]["lot"]["myRegistration"]["priorityRight"]
    assert kept["waivedAt"] is None


def test_staff_cannot_mark_a_registration_still_pending(signed_in_as):
    the_lot = lot(phase="NOTICE")
    staff = signed_in_as(staff_user())
    user = UserFactory(phone="13700000009")
    VerificationFactory(user=user, kind="PERSONAL", name="竞买人", credit_code="")
    pending = (
        signed_in_as(user)
        .upload(
            REGISTER,
            {"input": {"lotId": gid("Lot", the_lot.pk), "commitmentLetter": None}},
            {"input.commitmentLetter": pdf("承诺函.pdf")},
        )
        .json()["data"]["registrationSubmit"]["registration"]["id"]
    )

    result = mark(staff, pending, 1)

    assert error_codes(result) == ["PRIORITY_MARK_NOT_APPROVED"]
    assert result["registration"] is None


def test_a_bidder_cannot_mark_itself_a_holder(signed_in_as):
    the_lot = lot(phase="NOTICE")
    staff = signed_in_as(staff_user())
    client, registration_id = registrant(signed_in_as, staff, the_lot, "13700000010")

    response = client(
        MARK, {"input": {"id": registration_id, "order": 1, "basis": "CO_OWNER", "reason": "x"}}
    )

    assert response["errors"][0]["extensions"]["code"] == "FORBIDDEN"


HALL = """
{ lots(first: 50) { edges { node {
    id priorityRightHolderCount
    myRegistration { bidderNumber priorityRight { order basis markedByName waivedAt } }
    bids(first: 5) { edges { node { seq underPriorityRight } } }
} } } }"""


def _held_lot(session, user, staff):
    """A lot where ``user`` is a marked holder that matched an ordinary bidder."""
    the_lot = lot(session_obj=session)
    Registration.objects.create(
        lot=the_lot,
        user=user,
        commitment_letter=_private_pdf(user),
        status="APPROVED",
        submitted_at=now(),
        bidder_number=f"{the_lot.pk:03d}900",
        priority_order=1,
        priority_basis="LICENSEE",
        priority_reason="独占许可",
        priority_marked_by=staff,
        priority_marked_at=now(),
    )
    for who, key in ((bidder(the_lot), "o"), (user, "h")):
        bid_place(
            user=who,
            lot_id=the_lot.pk,
            amount=Decimal("100000.00"),
            idempotency_key=f"hall-{key}-{the_lot.pk:05d}",
        )


def test_the_hall_with_priority_fields_does_not_grow_with_the_page(signed_in_as):
    user, staff, session = UserFactory(), staff_user(), auction_session()
    client = signed_in_as(user)

    def count() -> tuple[int, dict]:
        client(HALL)  # warm per-process caches
        with CaptureQueriesContext(connection) as captured:
            response = client(HALL)
        assert "errors" not in response, response
        return len(captured), response["data"]["lots"]["edges"]

    _held_lot(session, user, staff)
    small, _ = count()
    for _ in range(3):
        _held_lot(session, user, staff)
    large, edges = count()

    assert large == small
    assert len(edges) == 4
    node = edges[0]["node"]
    assert node["priorityRightHolderCount"] == 1
    assert node["myRegistration"]["priorityRight"]["markedByName"] == "审核员甲"
    assert [b["node"]["underPriorityRight"] for b in node["bids"]["edges"]] == [True, False]
