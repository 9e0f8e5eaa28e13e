"""A third party checks a notice or certificate by its serial and code: through the API and
through the public page its QR code opens."""

import re
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.storage import default_storage
from django.test import Client

from deals import documents
from deals.models import Deal, DocumentKind, IssuedDocument
from deals.services import (
    deal_contract_upload,
    deal_delivery_confirm,
    deal_payment_proof_upload,
    deals_issue_certificates,
)
from tests.api.test_deals import pdf_text, sold_lot
from tests.factories import pdf, png

pytestmark = pytest.mark.django_db

VERIFY = """
query($serial: String!, $code: String!) {
  documentVerify(serial: $serial, code: $code) {
    genuine kind serial lotTitle price dealtOn buyerName sellerName bidChainHead
  }
}"""


def printed(file) -> tuple[str, str]:
    """The serial and code as printed on a stored PDF."""
    with default_storage.open(file.stored_name, "rb") as handle:
        text = "".join(pdf_text(handle.read()).split())
    serial = re.search(r"验证编号：([A-Z0-9-]+?-(?:TZ|PZ))", text).group(1)
    code = re.search(r"验证码：([A-Z0-9]{4}-[A-Z0-9]{4})", text).group(1)
    return serial, code


@pytest.fixture
def certified_deal():
    qr_contents = []
    real_qr_code = documents.QrCode

    def recording_qr_code(value, size):
        qr_contents.append(value)
        return real_qr_code(value, size)

    with mock.patch.object(documents, "QrCode", recording_qr_code):
        _, buyer = sold_lot()
        deal = Deal.objects.get()
        deal_contract_upload(user=deal.seller, deal_id=deal.pk, contract=pdf())
        deal_payment_proof_upload(user=buyer, deal_id=deal.pk, proof=png())
        deal_delivery_confirm(user=buyer, deal_id=deal.pk)
        assert deals_issue_certificates() == 1  # the worker, after the commit
    deal.refresh_from_db()
    return deal, qr_contents


def test_a_certificate_verifies_as_genuine_with_what_it_states(gql, certified_deal):
    deal, _ = certified_deal
    serial, code = printed(deal.certificate)
    assert serial == f"{deal.serial}-PZ"

    answer = gql(VERIFY, {"serial": serial, "code": code})["data"]["documentVerify"]

    assert answer == {
        "genuine": True,
        "kind": "CERTIFICATE",
        "serial": serial,
        "lotTitle": deal.lot.listing.title,
        "price": "100000.00",
        "dealtOn": deal.dealt_at.astimezone(documents.SHANGHAI).date().isoformat(),
        "buyerName": deal.buyer.verification.name,
        "sellerName": deal.seller.verification.name,
        "bidChainHead": deal.chain_head,
    }


def test_the_notice_verifies_too_and_lowercase_or_undashed_codes_are_accepted(gql, certified_deal):
    deal, _ = certified_deal
    serial, code = printed(deal.notice)
    assert serial == f"{deal.serial}-TZ"
    answer = gql(VERIFY, {"serial": serial.lower(), "code": code.replace("-", "").lower()})
    assert answer["data"]["documentVerify"]["genuine"] is True
    assert answer["data"]["documentVerify"]["kind"] == "NOTICE"


@pytest.mark.parametrize(
    "alter",
    [
        lambda serial, code: (serial, code[:-1] + ("2" if code[-1] != "2" else "3")),
        lambda serial, code: (serial.replace("-PZ", "-TZ"), code),
        lambda serial, code: (serial[:-4] + "9-PZ", code),
        lambda serial, code: ("", code),
        lambda serial, code: (serial, "é" * 8),
    ],
    ids=["changed-code", "other-document", "changed-serial", "no-serial", "non-ascii-code"],
)
def test_a_forged_or_altered_serial_or_code_is_not_genuine_and_reveals_nothing(
    gql, certified_deal, alter
):
    deal, _ = certified_deal
    serial, code = alter(*printed(deal.certificate))
    answer = gql(VERIFY, {"serial": serial, "code": code})
    assert "errors" not in answer
    assert answer["data"]["documentVerify"] == {
        "genuine": False,
        "kind": None,
        "serial": None,
        "lotTitle": None,
        "price": None,
        "dealtOn": None,
        "buyerName": None,
        "sellerName": None,
        "bidChainHead": None,
    }


def test_the_qr_code_opens_the_page_which_says_genuine_or_not(certified_deal, settings):
    deal, qr_contents = certified_deal
    certificate = IssuedDocument.objects.get(deal=deal, kind=DocumentKind.CERTIFICATE)
    url = qr_contents[-1]
    assert url.startswith(settings.DOCUMENT_VERIFY_URL + "?")
    query = parse_qs(urlsplit(url).query)
    assert query == {"serial": [certificate.serial], "code": [certificate.code]}

    page = Client().get(f"/deals/verify?{urlsplit(url).query}")
    assert page.status_code == 200
    html = page.content.decode()
    assert "真实有效" in html and "未通过核验" not in html
    assert deal.buyer.verification.name in html and deal.seller.verification.name in html
    assert deal.chain_head in html and "100,000.00" in html
    assert page["Cache-Control"] == "no-store"

    forged = Client().get("/deals/verify", {"serial": certificate.serial, "code": "AAAA-AAAA"})
    assert "未通过核验" in forged.content.decode()
    assert deal.buyer.verification.name not in forged.content.decode()
    blank = Client().get("/deals/verify").content.decode()
    assert "真实有效" not in blank and "未通过核验" not in blank and "<form" in blank
