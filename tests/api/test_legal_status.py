"""Legal status re-checked (issue 14, item 3): at submission, as bidding opens, at the deal."""

from datetime import date, timedelta

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core.management import call_command

from auctions.models import Lot
from listings.models import LegalStatus, PatentRecord
from notifications.models import Notification
from tests.api.helpers import error_codes, gid
from tests.factories import ListingFactory, UserFactory, bidder, lot

SUBMIT = """mutation($id: ID!) { listingSubmit(input: {id: $id}) {
  listing { status patent { legalStatus } } errors { code field } } }"""
CHECKS = """query($id: ID!) { node(id: $id) { ... on Lot { result
  legalStatusChecks { stage status previousStatus outcome needsStaff lotId } } } }"""
QUEUE = """query { lotPullQueue { id status lot { id }
  legalStatusCheck { stage status outcome } } }"""
DECIDE = """mutation($input: LotPullDecideInput!) { lotPullDecide(input: $input) {
  pull { status note decidedAt } errors { code field } } }"""
FLAGS = "query { legalStatusFlags { stage status outcome needsStaff lotId } }"
BID = """mutation($input: BidPlaceInput!) { bidPlace(input: $input) {
  bid { seq } errors { code } } }"""


def registry(number: str, status: str) -> PatentRecord:
    record, _ = PatentRecord.objects.update_or_create(
        number=number,
        defaults={
            "title": "一种高效储能材料的制备方法",
            "patent_type": "INVENTION",
            "application_date": date(2021, 3, 1),
            "rights_holders": ["南京示范大学"],
            "legal_status": status,
        },
    )
    return record


def auction_manager():
    user = UserFactory(is_staff=True, name="场次管理员")
    user.user_permissions.add(Permission.objects.get(codename="manage_auctions"))
    return user


def pulled_notices() -> list[int]:
    return sorted(Notification.objects.filter(kind="lot.pulled").values_list("user_id", flat=True))


def test_a_lapsed_patent_is_refused_at_submission_and_the_check_is_recorded(signed_in_as):
    listing = ListingFactory(status="DRAFT", legal_status="GRANTED")
    registry(listing.patent_number, LegalStatus.LAPSED)
    seller = signed_in_as(listing.shop.identity.user)

    refused = seller(SUBMIT, {"id": gid("Listing", listing.pk)})["data"]["listingSubmit"]

    assert refused["errors"] == [{"code": "PATENT_NOT_SELLABLE", "field": "patent.number"}]
    listing.refresh_from_db()
    assert listing.status == "DRAFT"


def test_a_patent_that_lapses_before_bidding_opens_is_caught_and_pulled_once_staff_decide(
    signed_in_as, gql
):
    # given: submitted while granted (the submission check records it)
    listing = ListingFactory(status="DRAFT", legal_status="GRANTED", season_opt_in=True)
    registry(listing.patent_number, LegalStatus.GRANTED)
    seller = signed_in_as(listing.shop.identity.user)
    submitted = seller(SUBMIT, {"id": gid("Listing", listing.pk)})["data"]["listingSubmit"]
    assert submitted["errors"] == []
    listing.status = "IN_AUCTION"
    listing.save(update_fields=["status"])
    the_lot = lot(phase="NOTICE", listing=listing)
    buyer = bidder(the_lot)
    waiting = bidder(the_lot, approved=False)
    registrant = signed_in_as(buyer)
    manager_user = auction_manager()
    manager = signed_in_as(manager_user)
    lot_id = gid("Lot", the_lot.pk)
    opens = the_lot.session.bidding_starts_at

    # and: the annual fee goes unpaid; the patent lapses
    registry(listing.patent_number, LegalStatus.LAPSED)

    # when: long before the opening nothing is checked
    with time_machine.travel(opens - timedelta(hours=2), tick=False):
        call_command("legal_status_check")
    assert registrant(CHECKS, {"id": lot_id})["data"]["node"]["legalStatusChecks"] == [
        {
            "stage": "SUBMISSION",
            "status": "GRANTED",
            "previousStatus": "GRANTED",
            "outcome": "SELLABLE",
            "needsStaff": False,
            "lotId": None,
        }
    ]
    # when: the clock reaches the opening's lead time
    with time_machine.travel(opens - timedelta(minutes=30), tick=False):
        call_command("legal_status_check")
        call_command("legal_status_check")  # a second round checks nothing again

        # then: the check is recorded and shown to registrants, a pull waits for staff
        checks = registrant(CHECKS, {"id": lot_id})["data"]["node"]["legalStatusChecks"]
        assert [(c["stage"], c["status"], c["outcome"]) for c in checks] == [
            ("BIDDING_OPEN", "LAPSED", "UNSELLABLE"),
            ("SUBMISSION", "GRANTED", "SELLABLE"),
        ]
        assert checks[0]["previousStatus"] == "GRANTED"
        assert checks[0]["lotId"] == lot_id
        assert (
            signed_in_as(UserFactory())(CHECKS, {"id": lot_id})["data"]["node"]["legalStatusChecks"]
            == []
        )
        [pull] = manager(QUEUE)["data"]["lotPullQueue"]
        assert pull["status"] == "PENDING"
        assert pull["lot"]["id"] == lot_id
        assert pull["legalStatusCheck"] == {
            "stage": "BIDDING_OPEN",
            "status": "LAPSED",
            "outcome": "UNSELLABLE",
        }
        assert pulled_notices() == []  # no bidder is told before staff decide
        proposed = Notification.objects.filter(kind="lot.pull_proposed")
        assert list(proposed.values_list("user_id", flat=True)) == [manager_user.pk]
        assert "FORBIDDEN" in str(registrant.raw(QUEUE).json()["errors"])

        # when: staff approve the pull
        decided = manager(
            DECIDE, {"input": {"id": pull["id"], "approve": True, "note": "专利已终止"}}
        )["data"]["lotPullDecide"]

    # then
    assert decided["errors"] == []
    assert decided["pull"]["status"] == "APPROVED"
    assert decided["pull"]["note"] == "专利已终止"
    assert pulled_notices() == sorted([listing.shop.identity.user_id, buyer.pk, waiting.pk])
    assert Lot.objects.get(pk=the_lot.pk).result == "PULLED"
    listing.refresh_from_db()
    assert (listing.status, listing.legal_status) == ("DELISTED", "LAPSED")
    assert manager(QUEUE)["data"]["lotPullQueue"] == []
    again = manager(DECIDE, {"input": {"id": pull["id"], "approve": False}})
    assert error_codes(again["data"]["lotPullDecide"]) == ["LOT_PULL_ALREADY_DECIDED"]
    # and nobody can bid once bidding would have opened
    with time_machine.travel(opens + timedelta(minutes=1), tick=False):
        bid = registrant(
            BID,
            {"input": {"lotId": lot_id, "amount": "100000", "idempotencyKey": "k-000001"}},
        )["data"]["bidPlace"]
    assert error_codes(bid) == ["LOT_ENDED"]
    assert gql(CHECKS, {"id": lot_id})["data"]["node"]["result"] == "PULLED"


def test_a_rejected_pull_lets_bidding_go_on_and_tells_nobody(signed_in_as):
    listing = ListingFactory(status="IN_AUCTION", season_opt_in=True)
    registry(listing.patent_number, LegalStatus.PLEDGED)
    the_lot = lot(phase="NOTICE", listing=listing)
    bidder(the_lot)
    manager = signed_in_as(auction_manager())
    with time_machine.travel(the_lot.session.bidding_starts_at, tick=False):
        call_command("legal_status_check")
    [pull] = manager(QUEUE)["data"]["lotPullQueue"]

    decided = manager(DECIDE, {"input": {"id": pull["id"], "approve": False}})

    assert decided["data"]["lotPullDecide"]["pull"]["status"] == "REJECTED"
    assert Lot.objects.get(pk=the_lot.pk).result == ""
    assert pulled_notices() == []


def test_while_a_pull_waits_for_staff_nobody_may_bid(signed_in_as):
    listing = ListingFactory(status="IN_AUCTION", season_opt_in=True)
    registry(listing.patent_number, LegalStatus.LAPSED)
    the_lot = lot(phase="NOTICE", listing=listing)
    buyer = signed_in_as(bidder(the_lot))
    bid = {
        "input": {
            "lotId": gid("Lot", the_lot.pk),
            "amount": "100000",
            "idempotencyKey": "pull-0001",
        }
    }
    with time_machine.travel(the_lot.session.bidding_starts_at, tick=False):
        call_command("legal_status_check")
    manager = signed_in_as(auction_manager())
    [pull] = manager(QUEUE)["data"]["lotPullQueue"]

    with time_machine.travel(the_lot.session.bidding_starts_at + timedelta(minutes=1)):
        paused = buyer(BID, bid)["data"]["bidPlace"]
        manager(DECIDE, {"input": {"id": pull["id"], "approve": False}})
        resumed = buyer(BID, bid)["data"]["bidPlace"]

    assert error_codes(paused) == ["LOT_UNDER_REVIEW"]
    assert resumed == {"bid": {"seq": 1}, "errors": []}


def test_a_sold_patent_found_transferred_at_the_deal_is_flagged_for_staff(signed_in_as):
    listing = ListingFactory(status="SOLD", season_opt_in=True)
    the_lot = lot(phase="BIDDING", listing=listing, result="SOLD")
    registry(listing.patent_number, LegalStatus.TRANSFERRED)
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="manage_deals"))
    deals = signed_in_as(staff)

    call_command("legal_status_check")
    call_command("legal_status_check")

    assert deals(FLAGS)["data"]["legalStatusFlags"] == [
        {
            "stage": "DEAL",
            "status": "TRANSFERRED",
            "outcome": "UNSELLABLE",
            "needsStaff": True,
            "lotId": gid("Lot", the_lot.pk),
        }
    ]


@pytest.mark.parametrize("status", ["GRANTED", "PENDING"])
def test_a_sellable_status_at_the_opening_proposes_no_pull(signed_in_as, status):
    listing = ListingFactory(status="IN_AUCTION", season_opt_in=True)
    registry(listing.patent_number, status)
    the_lot = lot(phase="NOTICE", listing=listing)
    with time_machine.travel(the_lot.session.bidding_starts_at, tick=False):
        call_command("legal_status_check")
    assert signed_in_as(auction_manager())(QUEUE)["data"]["lotPullQueue"] == []
