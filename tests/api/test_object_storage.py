"""Files in the object store (issue 13): with ``STORAGE_URL`` every file the platform writes
(uploads, deal notices, certificates, results and import workbooks, data-room documents)
goes to an S3-compatible store, here moto in server mode started by the tests
(``tests/s3.py``); downloads are presigned URLs of the store, fetched over HTTP from it,
and nothing is written under ``PRIVATE_MEDIA_ROOT``. The same journeys run on local disk
(``storage_backend``)."""

import io
import time
import urllib.error
import urllib.request
from datetime import timedelta
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from pdfminer.high_level import extract_text

from deals.models import Deal
from deals.services import deals_issue_documents
from files.models import PrivateFile
from tests.api import operations as op
from tests.api.helpers import gid, register_and_login
from tests.api.test_data_room import ACCEPT, ADD, DATA_ROOM
from tests.api.test_deals import CONTRACT, DELIVER, MY_DEALS, PROOF, sold_lot
from tests.api.test_listing_import import TEMPLATE, filled_template, read_import, run_worker
from tests.api.test_listing_import import upload as import_upload
from tests.factories import (
    PDF_BYTES,
    bidder,
    lot,
    open_shop,
    pdf,
    png,
    staff_user,
    valid_credit_code,
)
from tests.platform.listings import patent_row

pytestmark = pytest.mark.django_db

RESULTS_EXPORT = """mutation($id: ID!) {
  seasonResultsExport(seasonId: $id) { file { name url } errors { code } } }"""


def fetch(url: str, client=None):
    """GET ``url`` as a browser would follow it: the store's URLs over real HTTP (urllib),
    this site's through Django's client, a redirect to the store followed.
    Returns (status, headers, body)."""
    parts = urlsplit(url)
    if parts.netloc != "testserver" and parts.scheme == "http" and parts.netloc:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()
    path = f"{parts.path}?{parts.query}" if parts.query else parts.path
    response = (client or Client()).get(path)
    if response.status_code == 302:
        return fetch(response["Location"])
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response.status_code, response.headers, body


def private_root(settings):
    root = settings.PRIVATE_MEDIA_ROOT
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")) if root.exists() else []


def assert_stored_where_configured(storage_backend, s3, settings, files):
    """Each file's bytes are in the store (and nothing in PRIVATE_MEDIA_ROOT), or on disk."""
    names = sorted(file.stored_name for file in files)
    assert names, "no file to look for"
    if storage_backend == "s3":
        assert set(names) <= set(s3.keys())
        assert private_root(settings) == []
    else:
        assert set(names) <= set(private_root(settings))


@pytest.fixture
def s3(request, storage_backend):
    return request.getfixturevalue("s3_storage") if storage_backend == "s3" else None


def submit_certificate(gql, sms_outbox):
    register_and_login(gql, sms_outbox, "13812345678")
    variables = {
        "input": {
            "kind": "INSTITUTION",
            "name": "南京示范大学",
            "creditCode": valid_credit_code(),
            "certificateType": "PUBLIC_INSTITUTION",
            "certificate": None,
        }
    }
    response = gql.upload(
        op.VERIFICATION_SUBMIT, variables, {"input.certificate": pdf("法人证书.pdf")}
    )
    submitted = response.json()["data"]["verificationSubmit"]
    assert submitted["errors"] == []
    return submitted["verification"]


def test_a_multipart_upload_lands_in_the_bucket_and_downloads_from_a_presigned_url_of_it(
    s3_storage, gql, sms_outbox, settings
):
    # when: an institution uploads its certificate (GraphQL multipart request)
    verification = submit_certificate(gql, sms_outbox)

    # then: the bytes are an object of the bucket, under the file's stored name
    stored = PrivateFile.objects.get()
    assert s3_storage.keys() == [stored.stored_name]
    assert s3_storage.get(stored.stored_name) == PDF_BYTES
    head = s3_storage.endpoint.client().head_object(
        Bucket=s3_storage.bucket, Key=stored.stored_name
    )
    assert head["ContentType"] == "application/pdf"  # detected, not the client's claim
    assert private_root(settings) == []
    # and: its url is a presigned URL of the store, valid FILE_URL_MAX_AGE
    url = verification["certificate"]["url"]
    assert url.startswith(f"{s3_storage.endpoint.url}/{s3_storage.bucket}/{stored.stored_name}?")
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Expires"] == ["300"]
    # and: fetched from the store, never through a web process
    status, headers, body = fetch(url)
    assert (status, body) == (200, PDF_BYTES)
    assert headers["Content-Type"] == "application/pdf"
    assert headers["Content-Disposition"] == f"attachment; filename*=utf-8''{quote('法人证书.pdf')}"
    assert headers["Cache-Control"] == "private, no-store"


def test_a_presigned_url_expires_after_file_url_max_age(s3_storage, gql, sms_outbox, settings):
    settings.FILE_URL_MAX_AGE = timedelta(seconds=1)
    url = submit_certificate(gql, sms_outbox)["certificate"]["url"]
    assert parse_qs(urlsplit(url).query)["X-Amz-Expires"] == ["1"]

    time.sleep(2.1)

    status, _, body = fetch(url)
    assert status == 403
    assert b"<Code>AccessDenied</Code>" in body and b"Request has expired" in body


def test_an_old_site_link_and_the_admin_redirect_to_the_store(
    s3_storage, gql, sms_outbox, signed_in_as
):
    submit_certificate(gql, sms_outbox)
    file = PrivateFile.objects.get()
    reviewer = staff_user()
    reviewer.user_permissions.add(Permission.objects.get(codename="review_verification"))
    staff = signed_in_as(reviewer)

    download = staff.http.get(f"/admin/files/privatefile/{file.pk}/download/")
    assert download.status_code == 302
    assert download["Location"].startswith(s3_storage.endpoint.url)
    preview = staff.http.get(f"/admin/files/privatefile/{file.pk}/preview/")
    assert preview.status_code == 302
    status, headers, body = fetch(preview["Location"])
    assert (status, body) == (200, PDF_BYTES)
    assert headers["Content-Disposition"].startswith("inline;")


def test_a_deal_s_files_and_pdfs_on_either_storage(storage_backend, s3, signed_in_as, settings):
    # given: a sold lot (its notice issued by the worker after the lot's commit)
    the_lot, buyer_user = sold_lot()
    buyer = signed_in_as(buyer_user)
    seller = signed_in_as(the_lot.listing.shop.identity.user)
    deal = buyer(MY_DEALS)["data"]["myDeals"]["edges"][0]["node"]

    # when: the contract and the proof are uploaded, delivery confirmed, the worker runs
    assert (
        seller.upload(
            CONTRACT,
            {"input": {"dealId": deal["id"], "contract": None}},
            {"input.contract": pdf("技术转让合同.pdf")},
        ).json()["data"]["dealContractUpload"]["errors"]
        == []
    )
    assert (
        buyer.upload(
            PROOF,
            {"input": {"dealId": deal["id"], "paymentProof": None}},
            {"input.paymentProof": png("付款凭证.png")},
        ).json()["data"]["dealPaymentProofUpload"]["errors"]
        == []
    )
    assert buyer(DELIVER, {"id": deal["id"]})["data"]["dealDeliveryConfirm"]["errors"] == []
    assert deals_issue_documents() == 1
    manager = staff_user()
    manager.user_permissions.add(Permission.objects.get(codename="manage_deals"))
    exported = signed_in_as(manager)(
        RESULTS_EXPORT, {"id": gid("Season", the_lot.session.season_id)}
    )["data"]["seasonResultsExport"]

    # then: every file is where the storage is, and downloads from its link
    final = seller(MY_DEALS)["data"]["myDeals"]["edges"][0]["node"]
    stored = Deal.objects.get()
    files = [stored.notice, stored.contract, stored.payment_proof, stored.certificate]
    files.append(PrivateFile.objects.get(kind="RESULTS_EXPORT"))
    assert_stored_where_configured(storage_backend, s3, settings, files)
    notice = fetch(final["notice"]["url"])
    certificate = fetch(final["certificate"]["url"])
    for status, headers, _ in (notice, certificate):
        assert status == 200 and headers["Content-Type"] == "application/pdf"
    assert deal["serial"] in extract_text(io.BytesIO(notice[2]))
    assert "交易凭证" in extract_text(io.BytesIO(certificate[2]))
    assert fetch(final["contract"]["url"])[2] == PDF_BYTES
    assert fetch(final["paymentProof"]["url"])[2].startswith(b"\x89PNG")
    status, headers, workbook = fetch(exported["file"]["url"])
    assert status == 200 and workbook.startswith(b"PK")
    assert quote("成交结果") in headers["Content-Disposition"]


def test_an_import_workbook_is_read_by_the_worker_and_its_result_stored_on_either_storage(
    storage_backend, s3, signed_in_as, settings, restore_signal_handlers
):
    from tests.api.test_listing_import import download as site_download

    shop = open_shop()
    seller = signed_in_as(shop.identity.user)
    template = seller(TEMPLATE, {"type": "PATENT"})["data"]["listingImportTemplate"]
    content = filled_template(
        site_download(seller, template["url"]).content, [patent_row(n) for n in range(3)]
    )
    queued = import_upload(seller, shop, content)["listingImport"]

    run_worker()  # the imports loop reads the workbook from the storage

    checked = read_import(seller, queued["id"])
    assert (checked["status"], checked["validRows"]) == ("DONE", 3)
    files = list(PrivateFile.objects.filter(kind__in=["LISTING_IMPORT", "LISTING_IMPORT_RESULT"]))
    assert len(files) == 2
    assert_stored_where_configured(storage_backend, s3, settings, files)
    status, _, result = fetch(checked["resultFile"]["url"], seller.http)
    assert status == 200 and result.startswith(b"PK")


def test_a_data_room_download_is_logged_then_served_on_either_storage(
    storage_backend, s3, signed_in_as, settings
):
    the_lot = lot(phase="NOTICE")
    listing = the_lot.listing
    seller = signed_in_as(listing.shop.identity.user)
    listing_id = gid("Listing", listing.pk)
    added = seller.upload(
        ADD,
        {"input": {"listingId": listing_id, "title": "技术说明书", "file": None}},
        {"input.file": pdf("spec.pdf")},
    ).json()["data"]["dataRoomDocumentAdd"]
    assert added["errors"] == []
    buyer = signed_in_as(bidder(the_lot))
    accepted = buyer(ACCEPT, {"input": {"listingId": listing_id, "version": "2026.1"}})
    [document] = accepted["data"]["dataRoomAgreementAccept"]["dataRoom"]["documents"]
    room_files = PrivateFile.objects.filter(kind="DATA_ROOM_DOCUMENT")
    assert_stored_where_configured(storage_backend, s3, settings, room_files)

    # the link is the site's own (it logs), which hands over to the store when there is one
    assert document["downloadUrl"].startswith("http://testserver/data-room/")
    response = buyer.http.get(document["downloadUrl"])
    if storage_backend == "s3":
        assert response.status_code == 302
        assert response["Location"].startswith(s3.endpoint.url)
        status, headers, body = fetch(response["Location"])
        assert headers["Content-Disposition"] == 'attachment; filename="spec.pdf"'
    else:
        status, body = response.status_code, b"".join(response.streaming_content)
    assert (status, body) == (200, PDF_BYTES)
    room = seller(DATA_ROOM, {"listingId": listing_id})["data"]["dataRoom"]
    assert [d["documentTitle"] for d in room["downloads"]] == ["技术说明书"]


def test_readyz_fails_while_the_object_store_is_down_and_recovers_when_it_is_back(
    s3_storage,
):
    from config.ops import heartbeat
    from tests.api.test_operations import all_ok, ready

    heartbeat("clock")
    assert ready() == (200, {"ready": True, "checks": all_ok()})

    s3_storage.endpoint.stop()
    try:
        started = time.monotonic()
        status, body = ready()
        assert time.monotonic() - started < 5  # a bounded probe, not botocore's retries
        assert status == 503 and body["ready"] is False
        assert body["checks"]["storage"].startswith("EndpointConnectionError")
        assert body["checks"]["database"] == "ok"
    finally:
        s3_storage.endpoint.start()  # the same port, empty
    status, body = ready()
    assert body["checks"]["storage"].startswith("ClientError")  # the bucket is not there
    s3_storage.endpoint.new_bucket(s3_storage.bucket)
    assert ready() == (200, {"ready": True, "checks": all_ok()})
