"""Auctions through GraphQL: staff set up, buyers register and bid, everyone watches."""

from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command

from auctions.models import Bid, Lot, Registration
from kernel.clock import SHANGHAI, now
from tests.api.helpers import error_codes, gid
from tests.factories import (
    ListingFactory,
    UserFactory,
    VerificationFactory,
    auction_session,
    bidder,
    lot,
    pdf,
    staff_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(db, signed_in_as):
    from django.contrib.auth.models import Permission

    user = staff_user()
    user.user_permissions.add(Permission.objects.get(codename="manage_auctions"))
    return signed_in_as(user)


SEASON_CREATE = """
mutation($input: SeasonCreateInput!) {
  seasonCreate(input: $input) {
    season { id name antiSnipingMinutes depositRequired } errors { code field }
  }
}"""
SESSION_CREATE = """
mutation($input: SessionCreateInput!) {
  sessionCreate(input: $input) { session { id auctionDay } errors { code field } }
}"""
LOT_CREATE = """
mutation($input: LotCreateInput!) {
  lotCreate(input: $input) {
    lot { id phase startPrice increment currentPrice bidCount endsAt listing { status } }
    errors { code field }
  }
}"""
REGISTER = """
mutation($input: RegistrationSubmitInput!) {
  registrationSubmit(input: $input) {
    registration { id status bidderNumber commitmentLetter { name } }
    errors { code field message }
  }
}"""
BID = """
mutation($input: BidPlaceInput!) {
  bidPlace(input: $input) {
    bid { seq amount bidderNumber isProxy } lot { currentPrice bidCount endsAt } replayed
    errors { code field message }
  }
}"""
LOT = """
query($id: ID!) {
  node(id: $id) { ... on Lot {
    phase currentPrice bidCount lastSeq endsAt serverTime timeLeftSeconds rules
    registrationDeadline reserveMet result finalPrice winnerBidderNumber
    bids(first: 10) { totalCount edges { node { seq amount bidderNumber } } }
    bidChain { verified length headHash }
    myRegistration { status bidderNumber }
  } }
}"""


def test_staff_set_up_a_season_a_session_and_a_lot(manager):
    season = manager(
        SEASON_CREATE,
        {"input": {"name": "2026年专利拍卖季", "rules": "加价幅度的整数倍。"}},
    )["data"]["seasonCreate"]
    assert season["errors"] == []
    assert season["season"]["antiSnipingMinutes"] == 5
    assert season["season"]["depositRequired"] is False

    day = now().astimezone(SHANGHAI).date() + timedelta(days=3)
    start = datetime.combine(day, time(10), tzinfo=SHANGHAI)
    session = manager(
        SESSION_CREATE,
        {
            "input": {
                "seasonId": season["season"]["id"],
                "name": "第一场",
                "auctionDay": day.isoformat(),
                "noticeStartsAt": now().isoformat(),
                "biddingStartsAt": start.isoformat(),
                "biddingEndsAt": (start + timedelta(hours=2)).isoformat(),
            }
        },
    )["data"]["sessionCreate"]
    assert session["errors"] == []

    listing = ListingFactory(season_opt_in=True)
    created = manager(
        LOT_CREATE,
        {
            "input": {
                "sessionId": session["session"]["id"],
                "listingId": gid("Listing", listing.pk),
                "increment": "2000",
            }
        },
    )["data"]["lotCreate"]
    assert created["errors"] == []
    assert created["lot"]["phase"] == "NOTICE"
    assert created["lot"]["listing"]["status"] == "IN_AUCTION"
    assert created["lot"]["increment"] == "2000.00"


def test_a_listing_that_did_not_opt_in_cannot_be_put_up(manager):
    session = auction_session(phase="NOTICE")
    listing = ListingFactory(season_opt_in=False)
    result = manager(
        LOT_CREATE,
        {
            "input": {
                "sessionId": gid("AuctionSession", session.pk),
                "listingId": gid("Listing", listing.pk),
            }
        },
    )["data"]["lotCreate"]
    assert error_codes(result) == ["LISTING_NOT_AVAILABLE"]
    assert not Lot.objects.exists()


def test_a_reviewer_without_the_manage_permission_cannot_create_a_season(signed_in_as):
    client = signed_in_as(staff_user())
    response = client(SEASON_CREATE, {"input": {"name": "x", "rules": "y"}})
    assert response["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def buyer(signed_in_as, phone="13700000001"):
    user = UserFactory(phone=phone)
    VerificationFactory(user=user, kind="PERSONAL", name="王五", credit_code="")
    return user, signed_in_as(user)


def register(client, the_lot):
    response = client.upload(
        REGISTER,
        {"input": {"lotId": gid("Lot", the_lot.pk), "commitmentLetter": None}},
        {"input.commitmentLetter": pdf("承诺函.pdf")},
    )
    assert response.status_code == 200, response.content
    return response.json()["data"]["registrationSubmit"]


def test_registration_with_the_letter_then_approval_gives_a_bidder_number(signed_in_as, sms_outbox):
    the_lot = lot(phase="NOTICE")
    _, client = buyer(signed_in_as)

    submitted = register(client, the_lot)

    assert submitted["errors"] == []
    assert submitted["registration"]["status"] == "PENDING"
    staff = signed_in_as(staff_user())
    approved = staff(
        "mutation($id: ID!) { reviewApprove(input: {id: $id}) { errors { code } } }",
        {"id": submitted["registration"]["id"]},
    )["data"]["reviewApprove"]
    assert approved["errors"] == []
    mine = client(LOT, {"id": gid("Lot", the_lot.pk)})["data"]["node"]["myRegistration"]
    assert mine == {"status": "APPROVED", "bidderNumber": f"{the_lot.pk:03d}001"}
    assert "竞买报名申请" in sms_outbox[-1][1]


class TestRegistrationDeadline:
    """16:00 Asia/Shanghai on the day before the auction day."""

    def deadline(self, the_lot):
        day_before = the_lot.session.auction_day - timedelta(days=1)
        return datetime.combine(day_before, time(16), tzinfo=SHANGHAI)

    def test_one_millisecond_before_16_00_is_accepted(self, signed_in_as):
        the_lot = lot(phase="NOTICE")
        _, client = buyer(signed_in_as)
        with time_machine.travel(self.deadline(the_lot) - timedelta(milliseconds=1), tick=False):
            assert register(client, the_lot)["errors"] == []

    def test_at_16_00_it_is_refused(self, signed_in_as):
        the_lot = lot(phase="NOTICE")
        _, client = buyer(signed_in_as)
        with time_machine.travel(self.deadline(the_lot), tick=False):
            result = register(client, the_lot)
        assert error_codes(result) == ["REGISTRATION_DEADLINE_PASSED"]
        assert "16:00" in result["errors"][0]["message"]
        assert not Registration.objects.exists()


def test_registration_outside_the_notice_phase_is_refused(signed_in_as):
    the_lot = lot(phase="BIDDING")
    _, client = buyer(signed_in_as)
    assert error_codes(register(client, the_lot)) == ["NOT_IN_NOTICE_PHASE"]


def test_a_seller_cannot_register_for_their_own_lot(signed_in_as):
    the_lot = lot(phase="NOTICE")
    seller = the_lot.listing.shop.identity.user
    client = signed_in_as(seller)
    assert error_codes(register(client, the_lot)) == ["OWN_LOT"]


def test_an_unverified_user_cannot_register(signed_in_as):
    the_lot = lot(phase="NOTICE")
    client = signed_in_as(UserFactory())
    assert error_codes(register(client, the_lot)) == ["VERIFICATION_REQUIRED"]


def test_a_disguised_commitment_letter_is_refused(signed_in_as):
    from tests.factories import disguised_exe

    the_lot = lot(phase="NOTICE")
    _, client = buyer(signed_in_as)
    response = client.upload(
        REGISTER,
        {"input": {"lotId": gid("Lot", the_lot.pk), "commitmentLetter": None}},
        {"input.commitmentLetter": disguised_exe()},
    ).json()["data"]["registrationSubmit"]
    assert error_codes(response) == ["FILE_TYPE_NOT_ALLOWED"]
    assert not Registration.objects.exists()


def test_bidding_through_the_api_and_the_public_record(signed_in_as, make_gql):
    the_lot = lot(start_price=Decimal("100000.00"))
    alice, bob = bidder(the_lot), bidder(the_lot)
    a, b = signed_in_as(alice), signed_in_as(bob)

    first = a(
        BID,
        {
            "input": {
                "lotId": gid("Lot", the_lot.pk),
                "amount": "100000",
                "idempotencyKey": "a-000001",
            }
        },
    )
    second = b(
        BID,
        {
            "input": {
                "lotId": gid("Lot", the_lot.pk),
                "amount": "102000",
                "idempotencyKey": "b-000001",
            }
        },
    )

    assert first["data"]["bidPlace"]["errors"] == []
    assert second["data"]["bidPlace"]["bid"]["seq"] == 2
    public = make_gql()(LOT, {"id": gid("Lot", the_lot.pk)})["data"]["node"]
    assert public["currentPrice"] == "102000.00"
    assert public["bidCount"] == 2
    assert public["phase"] == "BIDDING"
    assert [edge["node"]["bidderNumber"] for edge in public["bids"]["edges"]] == [
        f"{the_lot.pk:03d}002",
        f"{the_lot.pk:03d}001",
    ]
    assert public["bidChain"]["verified"] is True
    assert public["myRegistration"] is None
    assert public["rules"]
    assert "王" not in str(public["bids"]) and alice.phone not in str(public)


@pytest.mark.parametrize(
    ("amount", "code"),
    [("99000", "BID_TOO_LOW"), ("100500", "BID_NOT_MULTIPLE_OF_INCREMENT")],
)
def test_a_refused_bid_changes_nothing(signed_in_as, amount, code):
    the_lot = lot(start_price=Decimal("100000.00"))
    client = signed_in_as(bidder(the_lot))
    result = client(
        BID,
        {
            "input": {
                "lotId": gid("Lot", the_lot.pk),
                "amount": amount,
                "idempotencyKey": "k-0000001",
            }
        },
    )["data"]["bidPlace"]
    assert error_codes(result) == [code]
    the_lot.refresh_from_db()
    assert (the_lot.bid_count, the_lot.current_price, Bid.objects.count()) == (0, None, 0)


@pytest.mark.parametrize("amount", ["", " ", "0", "-1000", "100000.001"])
def test_a_blank_or_bad_amount_is_a_typed_refusal(signed_in_as, amount):
    """A blank amount stops at the Decimal input (BAD_USER_INPUT); one that parses but is
    no amount reaches the service and comes back as BID_AMOUNT_INVALID: never a 500."""
    the_lot = lot(start_price=Decimal("100000.00"))
    client = signed_in_as(bidder(the_lot))
    variables = {
        "input": {"lotId": gid("Lot", the_lot.pk), "amount": amount, "idempotencyKey": "k-0000002"}
    }
    response = client(BID, variables)
    if amount.strip():
        assert error_codes(response["data"]["bidPlace"]) == ["BID_AMOUNT_INVALID"]
    else:
        assert response["data"] is None
        assert [e["extensions"]["code"] for e in response["errors"]] == ["BAD_USER_INPUT"]
    assert Bid.objects.count() == 0


def test_the_clock_ends_a_lot_once_with_its_winner(
    signed_in_as, sms_outbox, django_capture_on_commit_callbacks
):
    the_lot = lot(start_price=Decimal("100000.00"))
    alice = bidder(the_lot)
    signed_in_as(alice)(
        BID,
        {
            "input": {
                "lotId": gid("Lot", the_lot.pk),
                "amount": "100000",
                "idempotencyKey": "a-000002",
            }
        },
    )
    with (
        time_machine.travel(the_lot.ends_at + timedelta(minutes=6), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        call_command("auctions_clock")
        call_command("auctions_clock")  # a second run changes nothing

    the_lot.refresh_from_db()
    assert the_lot.result == "SOLD" and the_lot.final_price == Decimal("100000.00")
    assert the_lot.winner.user == alice
    assert the_lot.listing.status == "SOLD"
    winner_messages = [text for phone, text in sms_outbox if phone == alice.phone]
    assert len(winner_messages) == 1 and "恭喜您" in winner_messages[0]


def test_no_bids_or_an_unmet_reserve_ends_unsold():
    quiet = lot()
    reserved = lot(reserve_price=Decimal("200000.00"))
    from auctions.services.bidding import bid_place

    bid_place(
        user=bidder(reserved),
        lot_id=reserved.pk,
        amount=reserved.start_price,
        idempotency_key="r-0000001",
    )
    with time_machine.travel(now() + timedelta(hours=2), tick=False):
        call_command("auctions_clock")
    for the_lot in (quiet, reserved):
        the_lot.refresh_from_db()
        assert the_lot.result == "UNSOLD" and the_lot.winner is None
        assert the_lot.listing.status == "UNSOLD"


def test_an_unsold_listing_can_be_put_into_a_later_lot(manager):
    from listings.models import Listing

    quiet = lot()
    with time_machine.travel(now() + timedelta(hours=2), tick=False):
        call_command("auctions_clock")
    later = auction_session(phase="NOTICE")
    listing = Listing.objects.get(pk=quiet.listing_id)
    assert listing.status == "UNSOLD"
    result = manager(
        LOT_CREATE,
        {
            "input": {
                "sessionId": gid("AuctionSession", later.pk),
                "listingId": gid("Listing", listing.pk),
            }
        },
    )["data"]["lotCreate"]
    assert result["errors"] == []


def test_the_verify_command_reports_a_broken_chain(capsys):
    from django.core.management.base import CommandError

    from auctions.services.bidding import bid_place

    the_lot = lot()
    bid_place(
        user=bidder(the_lot),
        lot_id=the_lot.pk,
        amount=the_lot.start_price,
        idempotency_key="v-0000001",
    )
    call_command("bid_chain_verify", str(the_lot.pk))
    assert "ok, 1 bids" in capsys.readouterr().out
    Bid.objects.update(bidder_number="999999")
    with pytest.raises(CommandError):
        call_command("bid_chain_verify", str(the_lot.pk))


HALL = """
query($phase: LotPhase, $type: ListingType, $field: TechField, $first: Int) {
  lots(phase: $phase, type: $type, field: $field, first: $first) {
    totalCount
    edges { node {
      id phase currentPrice bidCount endsAt timeLeftSeconds serverTime rules
      registrationDeadline reserveMet
      listing { title type field shop { name } }
      session { name auctionDay season { name } }
      myRegistration { status }
    } }
  }
}"""


def test_the_trading_hall_lists_lots_by_phase_type_and_field(gql):
    lot(phase="NOTICE")
    lot(phase="BIDDING", listing=ListingFactory(status="IN_AUCTION", field="BIOMEDICINE"))

    def count(**variables):
        return gql(HALL, variables)["data"]["lots"]["totalCount"]

    assert count() == 2
    assert count(phase="NOTICE") == 1
    assert count(phase="BIDDING") == 1
    assert count(phase="ENDED") == 0
    assert count(field="BIOMEDICINE") == 1
    assert count(type="ACHIEVEMENT") == 0


def test_a_hall_page_costs_the_same_queries_whatever_its_size(signed_in_as):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = signed_in_as(UserFactory())
    session = auction_session()
    lot(session_obj=session)
    with CaptureQueriesContext(connection) as small:
        client(HALL, {"first": 10})
    for _ in range(6):
        lot(session_obj=session)
    with CaptureQueriesContext(connection) as large:
        page = client(HALL, {"first": 10})["data"]["lots"]
    assert len(page["edges"]) == 7
    assert len(large) == len(small)


def test_a_season_with_a_deposit_needs_it_confirmed_before_approval(signed_in_as):
    from tests.factories import season

    paid = season(deposit_required=True, deposit_amount="5000.00")
    the_lot = lot(session_obj=auction_session(phase="NOTICE", season_obj=paid))
    _, client = buyer(signed_in_as)
    registration_id = register(client, the_lot)["registration"]["id"]
    staff = signed_in_as(staff_user())
    approve = "mutation($id: ID!) { reviewApprove(input: {id: $id}) { errors { code } } }"

    early = staff(approve, {"id": registration_id})["data"]["reviewApprove"]
    assert error_codes(early) == ["DEPOSIT_NOT_CONFIRMED"]
    assert Registration.objects.get().status == "PENDING"

    confirmed = staff(
        """mutation($id: ID!) { registrationDepositConfirm(input: {id: $id}) {
             registration { depositRequired depositAmount depositConfirmedAt }
             errors { code } } }""",
        {"id": registration_id},
    )["data"]["registrationDepositConfirm"]
    assert confirmed["errors"] == []
    assert confirmed["registration"]["depositAmount"] == "5000.00"
    assert staff(approve, {"id": registration_id})["data"]["reviewApprove"]["errors"] == []


def test_my_auctions_show_my_registrations_with_my_bids(signed_in_as):
    the_lot = lot(start_price=Decimal("100000.00"))
    alice, bob = bidder(the_lot), bidder(the_lot)
    from auctions.services.bidding import bid_place

    bid_place(user=alice, lot_id=the_lot.pk, amount=Decimal("100000"), idempotency_key="my-0000001")
    bid_place(user=bob, lot_id=the_lot.pk, amount=Decimal("101000"), idempotency_key="my-0000002")
    bid_place(user=alice, lot_id=the_lot.pk, amount=Decimal("102000"), idempotency_key="my-0000003")

    mine = signed_in_as(alice)(
        "{ myRegistrations { edges { node { bidderNumber "
        "bids(first: 10) { edges { node { seq amount } } } } } } }"
    )["data"]["myRegistrations"]["edges"]

    assert mine == [
        {
            "node": {
                "bidderNumber": f"{the_lot.pk:03d}001",
                "bids": {
                    "edges": [
                        {"node": {"seq": 3, "amount": "102000.00"}},
                        {"node": {"seq": 1, "amount": "100000.00"}},
                    ]
                },
            }
        }
    ]
