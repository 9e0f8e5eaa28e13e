"""Settlement through GraphQL: from a finished auction to the transaction certificate."""

import io
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from unittest import mock

import pytest
import time_machine
from django.core.management import call_command
from pdfminer.high_level import extract_text

from auctions.services.bidding import bid_place
from deals.models import Deal, Strike
from deals.services import deals_issue_documents
from kernel.clock import SHANGHAI, now
from tests.api.helpers import download, error_codes, gid
from tests.factories import (
    UserFactory,
    auction_session,
    bidder,
    disguised_exe,
    lot,
    pdf,
    png,
    staff_user,
)

pytestmark = pytest.mark.django_db

DEAL_FIELDS = """
  id serial status price contractDeadline contractDeadlineProvisional overdueAt myRole
  buyerName sellerName
  buyerBidderNumber chainHead contractTemplateUrl
  notice { name url } contract { name url } paymentProof { name url }
  certificate { name url } certificatePending
  steps { name done deadline }
"""
MY_DEALS = f"{{ myDeals {{ edges {{ node {{ {DEAL_FIELDS} }} }} }} }}"
CONTRACT = f"""
mutation($input: DealContractUploadInput!) {{
  dealContractUpload(input: $input) {{ deal {{ {DEAL_FIELDS} }} errors {{ code field }} }}
}}"""
PROOF = f"""
mutation($input: DealPaymentProofUploadInput!) {{
  dealPaymentProofUpload(input: $input) {{ deal {{ {DEAL_FIELDS} }} errors {{ code field }} }}
}}"""
DELIVER = f"""
mutation($id: ID!) {{
  dealDeliveryConfirm(input: {{dealId: $id}}) {{ deal {{ {DEAL_FIELDS} }} errors {{ code }} }}
}}"""


def sold_lot(*, price="100000", ended_at=None):
    """A lot that ended sold to one bidder, closed by the clock (which opens the deal)."""
    the_lot = lot(start_price=Decimal("100000.00"))
    buyer = bidder(the_lot)
    bid_place(user=buyer, lot_id=the_lot.pk, amount=Decimal(price), idempotency_key="deal-000001")
    with time_machine.travel(ended_at or the_lot.ends_at + timedelta(minutes=6), tick=False):
        call_command("auctions_clock")
    the_lot.refresh_from_db()
    return the_lot, buyer


def pdf_text(content: bytes) -> str:
    return extract_text(io.BytesIO(content))


def test_a_deal_runs_from_its_notice_to_its_certificate(signed_in_as, sms_outbox):
    the_lot, buyer_user = sold_lot()
    seller_user = the_lot.listing.shop.identity.user
    buyer, seller = signed_in_as(buyer_user), signed_in_as(seller_user)

    deal = buyer(MY_DEALS)["data"]["myDeals"]["edges"][0]["node"]
    assert deal["status"] == "NOTICE_ISSUED" and deal["myRole"] == "BUYER"
    assert deal["price"] == "100000.00"
    assert deal["contractDeadlineProvisional"] is False
    notice = pdf_text(download(deal["notice"]["url"]))
    assert "网络竞价成交通知书" in notice
    assert deal["serial"] in notice and deal["buyerName"] in notice
    assert "壹拾万元整" in notice
    seller_view = seller(MY_DEALS)["data"]["myDeals"]["edges"][0]["node"]
    assert seller_view["myRole"] == "SELLER" and seller_view["notice"]["url"]
    assert download(deal["contractTemplateUrl"]).startswith(b"%PDF")

    contract = seller.upload(
        CONTRACT,
        {"input": {"dealId": deal["id"], "contract": None}},
        {"input.contract": pdf("技术转让合同.pdf")},
    ).json()["data"]["dealContractUpload"]
    assert contract["errors"] == []
    assert contract["deal"]["status"] == "CONTRACT_UPLOADED"

    proof = buyer.upload(
        PROOF,
        {"input": {"dealId": deal["id"], "paymentProof": None}},
        {"input.paymentProof": png("付款凭证.png")},
    ).json()["data"]["dealPaymentProofUpload"]
    assert proof["errors"] == []
    assert seller(MY_DEALS)["data"]["myDeals"]["edges"][0]["node"]["paymentProof"]["url"]

    delivered = buyer(DELIVER, {"id": deal["id"]})["data"]["dealDeliveryConfirm"]
    assert delivered["errors"] == []
    pending = delivered["deal"]
    assert pending["status"] == "DELIVERED"
    assert (pending["certificate"], pending["certificatePending"]) == (None, True)
    assert pending["chainHead"] == the_lot.head_hash

    assert deals_issue_documents() == 1  # the worker's documents loop, after the commit
    final = buyer(MY_DEALS)["data"]["myDeals"]["edges"][0]["node"]
    assert final["status"] == "CERTIFIED" and final["certificatePending"] is False
    assert all(step["done"] for step in final["steps"])
    certificate = pdf_text(download(final["certificate"]["url"]))
    assert "交易凭证" in certificate and deal["serial"] in certificate
    assert final["chainHead"] == the_lot.head_hash
    assert the_lot.head_hash[:16] in certificate.replace("\n", "")
    assert any(
        "交易凭证》已出具" in text for phone, text in sms_outbox if phone == buyer_user.phone
    )


def test_steps_out_of_order_the_wrong_party_and_strangers_are_refused(signed_in_as):
    the_lot, buyer_user = sold_lot()
    seller_user = the_lot.listing.shop.identity.user
    deal = Deal.objects.get()
    buyer, seller = signed_in_as(buyer_user), signed_in_as(seller_user)
    stranger = signed_in_as(UserFactory())
    deal_id = gid("Deal", deal.pk)

    early_proof = buyer.upload(
        PROOF, {"input": {"dealId": deal_id, "paymentProof": None}}, {"input.paymentProof": png()}
    ).json()["data"]["dealPaymentProofUpload"]
    assert error_codes(early_proof) == ["STEP_OUT_OF_ORDER"]
    assert error_codes(buyer(DELIVER, {"id": deal_id})["data"]["dealDeliveryConfirm"]) == [
        "STEP_OUT_OF_ORDER"
    ]
    not_a_party = stranger.upload(
        CONTRACT, {"input": {"dealId": deal_id, "contract": None}}, {"input.contract": pdf()}
    ).json()["data"]["dealContractUpload"]
    assert error_codes(not_a_party) == ["NOT_A_PARTY"]
    wrong_type = seller.upload(
        CONTRACT, {"input": {"dealId": deal_id, "contract": None}}, {"input.contract": png()}
    ).json()["data"]["dealContractUpload"]
    assert error_codes(wrong_type) == ["FILE_TYPE_NOT_ALLOWED"]
    disguised = seller.upload(
        CONTRACT,
        {"input": {"dealId": deal_id, "contract": None}},
        {"input.contract": disguised_exe()},
    ).json()["data"]["dealContractUpload"]
    assert error_codes(disguised) == ["FILE_TYPE_NOT_ALLOWED"]
    seller.upload(
        CONTRACT, {"input": {"dealId": deal_id, "contract": None}}, {"input.contract": pdf()}
    )
    seller_proof = seller.upload(
        PROOF, {"input": {"dealId": deal_id, "paymentProof": None}}, {"input.paymentProof": png()}
    ).json()["data"]["dealPaymentProofUpload"]
    assert error_codes(seller_proof) == ["BUYER_ONLY"]

    deal.refresh_from_db()
    assert deal.status == "CONTRACT_UPLOADED" and deal.payment_proof is None
    node = stranger("query($id: ID!) { node(id: $id) { id } }", {"id": deal_id})
    assert node["data"]["node"] is None
    # the stranger gets no link to the notice either
    assert deal.notice.readers.filter(pk=stranger.http.session["_auth_user_id"]).count() == 0


class TestContractDeadline:
    """5 working days by the Chinese calendar."""

    def deadline_after(self, ended: datetime) -> date:
        sold_lot(ended_at=ended)
        return Deal.objects.get().contract_deadline

    def test_national_day_is_skipped(self):
        # Sold on Tuesday 2025-09-30: Oct 1-8 are holidays, Saturday Oct 11 is a working day
        ended = datetime(2025, 9, 30, 15, 0, tzinfo=SHANGHAI)
        with time_machine.travel(ended - timedelta(hours=2), tick=False):
            deadline = self.deadline_after(ended)
        # working days after 09-30: 10-09 (Thu), 10-10 (Fri), 10-11 (Sat, adjusted), 10-13, 10-14
        assert deadline == date(2025, 10, 14)

    def test_an_ordinary_week(self):
        ended = datetime(2025, 11, 14, 15, 0, tzinfo=SHANGHAI)  # a Friday
        with time_machine.travel(ended - timedelta(hours=2), tick=False):
            assert self.deadline_after(ended) == date(2025, 11, 21)


def test_a_deadline_into_a_year_with_no_schedule_shows_as_provisional(signed_in_as):
    ended = datetime(2026, 12, 28, 15, 0, tzinfo=SHANGHAI)
    with time_machine.travel(ended - timedelta(hours=2), tick=False):
        _, buyer_user = sold_lot(ended_at=ended)
        deal = signed_in_as(buyer_user)(MY_DEALS)["data"]["myDeals"]["edges"][0]["node"]
    assert (deal["contractDeadline"], deal["contractDeadlineProvisional"]) == ("2027-01-05", True)
    step = next(s for s in deal["steps"] if s["name"] == "签署并上传合同")
    assert step["deadline"] == "2027-01-05"


def test_the_public_contract_template_is_rendered_once_per_process():
    from deals import views

    views._contract_template.cache_clear()
    with mock.patch.object(views, "contract_template_pdf", return_value=b"%PDF-1.4 x") as render:
        assert download("/deals/contract-template.pdf") == b"%PDF-1.4 x"
        assert download("/deals/contract-template.pdf") == b"%PDF-1.4 x"
    assert render.call_count == 1
    views._contract_template.cache_clear()


def test_the_worker_reminds_the_day_before_and_marks_overdue_once(
    sms_outbox, django_capture_on_commit_callbacks
):
    ended = datetime(2025, 11, 14, 15, 0, tzinfo=SHANGHAI)
    with time_machine.travel(ended - timedelta(hours=2), tick=False):
        _, buyer_user = sold_lot(ended_at=ended)
    deal = Deal.objects.get()
    assert deal.contract_deadline == date(2025, 11, 21)

    from deals.services import deals_remind_and_mark_overdue

    def on(day: date):
        with (
            time_machine.travel(datetime.combine(day, time(9), tzinfo=SHANGHAI), tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            return deals_remind_and_mark_overdue()

    assert on(date(2025, 11, 19)) == (0, 0)
    assert on(date(2025, 11, 20)) == (1, 0)  # the working day before the deadline
    assert on(date(2025, 11, 20)) == (0, 0)
    assert on(date(2025, 11, 21)) == (0, 0)  # still due today
    assert on(date(2025, 11, 22)) == (0, 1)
    assert on(date(2025, 11, 24)) == (0, 0)
    deal.refresh_from_db()
    assert deal.reminder_sent_at and deal.overdue_at
    texts = [text for phone, text in sms_outbox if phone == buyer_user.phone]
    assert sum("即将截止" in t or "前签署并上传" in t for t in texts) == 1
    assert sum("已标记逾期" in t for t in texts) == 1


def test_staff_cancel_a_default_and_strikes_bar_the_buyer(signed_in_as, settings):
    from django.contrib.auth.models import Permission

    settings.BUYER_STRIKES_TO_BAR = 1
    the_lot, buyer_user = sold_lot()
    manager = staff_user()
    manager.user_permissions.add(Permission.objects.get(codename="manage_deals"))
    staff = signed_in_as(manager)
    deal = Deal.objects.get()

    cancelled = staff(
        """mutation($id: ID!) { dealCancel(input: {dealId: $id, reason: "逾期未签合同"}) {
             deal { status cancelReason } errors { code } } }""",
        {"id": gid("Deal", deal.pk)},
    )["data"]["dealCancel"]

    assert cancelled == {
        "deal": {"status": "CANCELLED", "cancelReason": "逾期未签合同"},
        "errors": [],
    }
    assert Strike.objects.filter(user=buyer_user).count() == 1
    the_lot.listing.refresh_from_db()
    assert the_lot.listing.status == "UNSOLD"
    next_lot = lot(session_obj=auction_session(phase="NOTICE"))
    response = (
        signed_in_as(buyer_user)
        .upload(
            """mutation($input: RegistrationSubmitInput!) { registrationSubmit(input: $input) {
             registration { id } errors { code } } }""",
            {"input": {"lotId": gid("Lot", next_lot.pk), "commitmentLetter": None}},
            {"input.commitmentLetter": pdf()},
        )
        .json()["data"]["registrationSubmit"]
    )
    assert error_codes(response) == ["BARRED"]


def test_a_reviewer_without_deal_management_cannot_cancel(signed_in_as):
    sold_lot()
    staff = signed_in_as(staff_user())
    response = staff(
        """mutation($id: ID!) {
             dealCancel(input: {dealId: $id, reason: "x"}) { errors { code } } }""",
        {"id": gid("Deal", Deal.objects.get().pk)},
    )
    assert response["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert Deal.objects.get().status == "NOTICE_ISSUED"


def test_a_delivered_deal_cannot_be_cancelled_while_its_certificate_is_issued(signed_in_as):
    from django.contrib.auth.models import Permission

    sold_lot()
    Deal.objects.update(status="DELIVERED")
    manager = staff_user()
    manager.user_permissions.add(Permission.objects.get(codename="manage_deals"))
    response = signed_in_as(manager)(
        """mutation($id: ID!) {
             dealCancel(input: {dealId: $id, reason: "x"}) { deal { status } errors { code } } }""",
        {"id": gid("Deal", Deal.objects.get().pk)},
    )["data"]["dealCancel"]
    assert response == {"deal": None, "errors": [{"code": "STEP_OUT_OF_ORDER"}]}
    assert Deal.objects.get().status == "DELIVERED"


def test_parties_record_the_registrations_after_the_deal(signed_in_as):
    the_lot, _ = sold_lot()
    # after the deal, on its day at the exchange (the lot may end past midnight there)
    dealt_at = Deal.objects.get().dealt_at
    with time_machine.travel(dealt_at + timedelta(minutes=1), tick=False):
        seller = signed_in_as(the_lot.listing.shop.identity.user)
        deal_id = gid("Deal", Deal.objects.get().pk)
        seller.upload(
            CONTRACT, {"input": {"dealId": deal_id, "contract": None}}, {"input.contract": pdf()}
        )
        record = """mutation($input: DealTransferRecordInput!) {
                    dealTransferRecord(input: $input) {
                      deal { patentTransferNumber techContractRegisteredOn }
                      errors { code field } } }"""

        future = seller(
            record, {"input": {"dealId": deal_id, "techContractRegisteredOn": "2099-01-01"}}
        )["data"]["dealTransferRecord"]
        assert error_codes(future) == ["REGISTRATION_DATE_INVALID"]
        today = now().astimezone(SHANGHAI).date().isoformat()
        done = seller(
            record,
            {
                "input": {
                    "dealId": deal_id,
                    "patentTransferNumber": "2026-ZR-001",
                    "techContractRegisteredOn": today,
                }
            },
        )["data"]["dealTransferRecord"]
        assert done == {
            "deal": {"patentTransferNumber": "2026-ZR-001", "techContractRegisteredOn": today},
            "errors": [],
        }


def test_staff_export_a_seasons_results(signed_in_as):
    from django.contrib.auth.models import Permission
    from openpyxl import load_workbook

    the_lot, _ = sold_lot()
    manager = staff_user()
    manager.user_permissions.add(Permission.objects.get(codename="manage_deals"))
    staff = signed_in_as(manager)
    exported = staff(
        """mutation($id: ID!) {
             seasonResultsExport(seasonId: $id) { file { name url } errors { code } } }""",
        {"id": gid("Season", the_lot.session.season_id)},
    )["data"]["seasonResultsExport"]
    workbook = load_workbook(io.BytesIO(download(exported["file"]["url"])), read_only=True)
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][0] == "场次" and len(rows) == 2
    assert rows[1][7] == "成交" and rows[1][8] == 100000.0


def test_no_deal_for_an_unsold_lot():
    quiet = lot()
    with time_machine.travel(quiet.ends_at + timedelta(minutes=1), tick=False):
        call_command("auctions_clock")
    assert not Deal.objects.exists()


EXPORT = """
mutation($input: SeasonResultsExportInput, $id: ID) {
  seasonResultsExport(input: $input, seasonId: $id) { file { name } errors { code field } }
}"""


def test_the_results_export_takes_one_input_and_still_the_old_season_id(signed_in_as):
    from django.contrib.auth.models import Permission

    the_lot, _ = sold_lot()
    manager = staff_user()
    manager.user_permissions.add(Permission.objects.get(codename="manage_deals"))
    staff = signed_in_as(manager)
    season_id = gid("Season", the_lot.session.season_id)

    def export(variables):
        return staff(EXPORT, variables)["data"]["seasonResultsExport"]

    by_input = export({"input": {"seasonId": season_id}})
    by_argument = export({"id": season_id})
    assert by_input["errors"] == by_argument["errors"] == []
    assert by_input["file"]["name"] == by_argument["file"]["name"]
    assert export({}) == {"file": None, "errors": [{"code": "REQUIRED", "field": "seasonId"}]}
