"""Batch import through the API: template download, multipart upload, the worker's check,
the result workbook, re-upload, commit, and progress over WebSocket."""

import io
from urllib.parse import quote, urlsplit

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from accounts.services.tokens import api_token_issue
from agreements.models import AgreementKind
from config.asgi import application
from listings.imports import services
from listings.imports.result import BAD_FILL
from listings.imports.services import (
    listing_import_process,
    listing_import_upload,
    listing_imports_process_queued,
)
from listings.imports.template import DATA_SHEET
from tests.api.helpers import error_codes, gid
from tests.factories import ListingFactory, current_agreement, open_shop, valid_patent_number
from tests.platform.listings import patent_row, workbook_bytes, xlsx_upload

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

TEMPLATE = """
query($type: ListingType!) { listingImportTemplate(type: $type) { type fileName url } }"""
UPLOAD = """
mutation($input: ListingImportUploadInput!) {
  listingImportUpload(input: $input) {
    listingImport { id status totalRows processedRows sourceFile { name contentType } }
    errors { code field message }
  }
}"""
IMPORT = """
query($id: ID!, $status: ListingImportRowStatus, $first: Int, $after: String) {
  listingImport(id: $id) {
    id type status progress totalRows processedRows validRows invalidRows duplicateRows
    committedRows seasonOptIn finishedAt
    failure { code message }
    resultFile { name contentType url }
    rows(status: $status, first: $first, after: $after) {
      totalCount pageInfo { hasNextPage endCursor }
      edges { node { rowNumber status title patentNumber ownership seasonOptIn
        listing { id status seasonOptIn }
        errors { column field value code message } } }
    }
  }
}"""
COMMIT = """
mutation($input: ListingImportCommitInput!) {
  listingImportCommit(input: $input) {
    listingImport { id status committedRows validRows seasonOptIn }
    errors { code field message }
  }
}"""
MY_LISTINGS = """
query($status: ListingStatus) { myListings(status: $status, first: 100) { totalCount } }"""
NODE = "query($id: ID!) { node(id: $id) { id } listingImport(id: $id) { id } }"


def run_worker():
    call_command("worker", "--once", "--interval", "0", stdout=io.StringIO())


def upload(client, shop, content, *, type="PATENT", name="专利批量导入.xlsx"):
    variables = {"input": {"shopId": gid("Shop", shop.pk), "type": type, "file": None}}
    response = client.upload(UPLOAD, variables, {"input.file": xlsx_upload(content, name)})
    assert response.status_code == 200, response.content
    return response.json()["data"]["listingImportUpload"]


def read_import(client, import_id, **variables):
    return client(IMPORT, {"id": import_id, **variables})["data"]["listingImport"]


def download(client, url):
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc) == ("http", "testserver")
    return client.http.get(parts.path)


def filled_template(template: bytes, rows: list[dict]) -> bytes:
    """The downloaded template filled in by hand: values under the headers it has."""
    workbook = load_workbook(io.BytesIO(template))
    sheet = workbook[DATA_SHEET]
    headers = [cell.value.lstrip("*") for cell in sheet[1]]
    for offset, row in enumerate(rows):
        for index, header in enumerate(headers, start=1):
            sheet.cell(row=2 + offset, column=index, value=row.get(header))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# -- template ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_template_is_downloaded_over_http_as_a_workbook_with_dropdowns(gql):
    template = gql(TEMPLATE, {"type": "PATENT"})["data"]["listingImportTemplate"]

    assert template == {
        "type": "PATENT",
        "fileName": "专利批量导入模板.xlsx",
        "url": "http://testserver/listings/import-templates/PATENT.xlsx",
    }
    response = download(gql, template["url"])
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_TYPE
    assert response["Content-Disposition"] == (
        f"attachment; filename*=utf-8''{quote('专利批量导入模板.xlsx')}"
    )
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook[DATA_SHEET]
    assert [c.value for c in sheet[1]][:3] == ["*专利名称", "*专利号", "*专利类型"]
    dropdowns = [v for v in sheet.data_validations.dataValidation if v.type == "list"]
    assert dropdowns[0].formula1 == '"发明专利,实用新型,外观设计"'


@pytest.mark.django_db
def test_the_achievement_template_and_an_unknown_type(gql):
    template = gql(TEMPLATE, {"type": "ACHIEVEMENT"})["data"]["listingImportTemplate"]
    response = download(gql, template["url"])

    assert template["fileName"] == "技术成果批量导入模板.xlsx"
    assert load_workbook(io.BytesIO(response.content))[DATA_SHEET]["A1"].value == "*成果名称"
    assert gql.http.get("/listings/import-templates/OTHER.xlsx").status_code == 404


# -- refusals ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_uploading_needs_sign_in(gql):
    shop = open_shop()

    response = gql.upload(
        UPLOAD,
        {"input": {"shopId": gid("Shop", shop.pk), "type": "PATENT", "file": None}},
        {"input.file": xlsx_upload(workbook_bytes("PATENT", [patent_row(1)]))},
    ).json()

    assert response["data"] is None
    assert response["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


@pytest.mark.django_db
def test_a_pdf_named_xlsx_is_refused_with_a_typed_error(signed_in_as):
    shop = open_shop()
    seller = signed_in_as(shop.identity.user)

    result = upload(seller, shop, b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n")

    assert result["listingImport"] is None
    assert [(e["code"], e["field"]) for e in result["errors"]] == [("NOT_AN_XLSX", "file")]
    assert result["errors"][0]["message"]


@pytest.mark.django_db
def test_a_wrong_template_names_the_columns_in_the_message(signed_in_as):
    shop = open_shop()
    seller = signed_in_as(shop.identity.user)

    queued = upload(seller, shop, workbook_bytes("PATENT", [patent_row(1)]), type="ACHIEVEMENT")
    assert queued["errors"] == []
    listing_imports_process_queued()

    failed = read_import(seller, queued["listingImport"]["id"])
    assert failed["status"] == "FAILED"
    assert failed["failure"]["code"] == "WRONG_TEMPLATE"
    assert "成果名称、成果简介、权利人、成熟度" in failed["failure"]["message"]


@pytest.mark.django_db
def test_an_import_still_queued_cannot_be_committed(signed_in_as):
    shop = open_shop()
    seller = signed_in_as(shop.identity.user)
    queued = upload(seller, shop, workbook_bytes("PATENT", [patent_row(1)]))["listingImport"]

    result = seller(COMMIT, {"input": {"id": queued["id"], "agreementVersion": "2026.1"}})["data"][
        "listingImportCommit"
    ]

    assert (result["listingImport"], error_codes(result)) == (None, ["IMPORT_NOT_READY"])


# -- the whole flow -----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_hundred_listings_from_one_workbook_all_through_the_api(
    signed_in_as, make_gql, restore_signal_handlers
):
    # given: a university's shop, and a patent of row 40 already on sale elsewhere
    version = current_agreement(AgreementKind.LISTING_AGREEMENT).version
    shop = open_shop()
    seller = signed_in_as(shop.identity.user)
    rows = [patent_row(n) for n in range(100)]
    rows[7]["专利名称"] = None
    rows[12]["申请日"] = "2021-02-30"
    rows[25]["专利类型"] = "发明"
    rows[33]["专利号"] = rows[3]["专利号"]
    ListingFactory(patent_number=rows[40]["专利号"], status="LISTED")
    rows[60]["专利权人"] = "某某科技有限公司"  # an agent listing

    # when: the seller downloads the template, fills it in and uploads it
    template = seller(TEMPLATE, {"type": "PATENT"})["data"]["listingImportTemplate"]
    content = filled_template(download(seller, template["url"]).content, rows)
    uploaded = upload(seller, shop, content)
    assert uploaded["errors"] == []
    queued = uploaded["listingImport"]
    assert (queued["status"], queued["totalRows"], queued["processedRows"]) == ("QUEUED", 0, 0)
    assert queued["sourceFile"] == {"name": "专利批量导入.xlsx", "contentType": XLSX_TYPE}
    run_worker()

    # then: the result counts every row and names every bad cell
    checked = read_import(seller, queued["id"], status="INVALID")
    assert (checked["status"], checked["progress"]) == ("DONE", 1.0)
    assert (checked["processedRows"], checked["validRows"]) == (100, 95)
    assert (checked["invalidRows"], checked["duplicateRows"]) == (3, 2)
    assert checked["failure"] is None
    invalid = [edge["node"] for edge in checked["rows"]["edges"]]
    assert [(r["rowNumber"], r["status"]) for r in invalid] == [
        (9, "INVALID"),
        (14, "INVALID"),
        (27, "INVALID"),
    ]
    assert [
        [(e["column"], e["field"], e["value"], e["code"]) for e in r["errors"]] for r in invalid
    ] == [
        [("专利名称", "title", "", "REQUIRED")],
        [("申请日", "patent.applicationDate", "2021-02-30", "CELL_DATE_INVALID")],
        [("专利类型", "patent.patentType", "发明", "CELL_CHOICE_INVALID")],
    ]
    assert all(e["message"] for r in invalid for e in r["errors"])
    duplicates = read_import(seller, queued["id"], status="DUPLICATE")["rows"]["edges"]
    assert [(d["node"]["rowNumber"], d["node"]["errors"][0]["code"]) for d in duplicates] == [
        (35, "DUPLICATE_IN_FILE"),
        (42, "PATENT_ALREADY_LISTED"),
    ]

    # and: the rows page costs a fixed number of queries
    with CaptureQueriesContext(connection) as queries:
        page = read_import(seller, queued["id"], first=50)
    assert page["rows"]["totalCount"] == 100
    assert page["rows"]["pageInfo"]["hasNextPage"] is True
    assert len(queries) == 5  # session, user, the import with its result file, its readers, rows

    # and: the result workbook downloads through its signed link, bad cells marked
    result_file = checked["resultFile"]
    assert result_file["name"] == "专利批量导入-导入结果.xlsx"
    response = download(seller, result_file["url"])
    assert response.status_code == 200
    result = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = result[DATA_SHEET]
    assert sheet["D14"].fill.fgColor.rgb == BAD_FILL.fgColor.rgb
    assert sheet["D14"].comment.text == invalid[1]["errors"][0]["message"]
    assert sheet["O14"].value == "有误"
    assert sheet["O35"].value == "重复"
    assert sheet["O2"].value == "通过"

    # when: the seller corrects the result workbook and uploads it again
    sheet["A9"] = "一种锂电池正极材料及其制备方法（补全名称）"
    sheet["D14"] = "2021-02-28"
    sheet["C27"] = "实用新型"
    sheet["B35"] = valid_patent_number("202120199933")
    sheet["B42"] = valid_patent_number("202120199940")
    buffer = io.BytesIO()
    result.save(buffer)
    again = upload(seller, shop, buffer.getvalue(), name="专利批量导入-导入结果.xlsx")
    assert again["errors"] == []
    run_worker()
    fixed = read_import(seller, again["listingImport"]["id"])
    assert (fixed["validRows"], fixed["invalidRows"], fixed["duplicateRows"]) == (100, 0, 0)
    before = read_import(seller, fixed["id"], first=100)["rows"]["edges"]
    assert [edge["node"]["ownership"] for edge in before].count("AGENT") == 1
    assert before[60]["node"]["ownership"] == "AGENT"

    # when: it lists the rows, joining the auction season
    committed = seller(
        COMMIT,
        {"input": {"id": fixed["id"], "agreementVersion": version, "seasonOptIn": True}},
    )["data"]["listingImportCommit"]

    # then: 100 listings wait for review; the agent row is listed without the season
    assert committed["errors"] == []
    assert committed["listingImport"] == {
        "id": fixed["id"],
        "status": "COMMITTED",
        "committedRows": 100,
        "validRows": 100,
        "seasonOptIn": True,
    }
    pending = seller(MY_LISTINGS, {"status": "PENDING_REVIEW"})["data"]["myListings"]
    assert pending["totalCount"] == 100
    listed = read_import(seller, fixed["id"], first=100)["rows"]["edges"]
    assert {edge["node"]["status"] for edge in listed} == {"COMMITTED"}
    agent_row = listed[60]["node"]
    assert (agent_row["rowNumber"], agent_row["ownership"]) == (62, "AGENT")
    assert (agent_row["seasonOptIn"], agent_row["listing"]["seasonOptIn"]) == (False, False)
    assert listed[0]["node"]["listing"]["status"] == "PENDING_REVIEW"
    assert listed[0]["node"]["listing"]["seasonOptIn"] is True

    # and: nobody else sees the import
    stranger = make_gql()
    _, raw_token = api_token_issue(user=open_shop(name="东南示范大学").identity.user)
    stranger.token = raw_token
    assert stranger(NODE, {"id": fixed["id"]})["data"] == {"node": None, "listingImport": None}


# -- progress over WebSocket ----------------------------------------------------------------

SUBSCRIBE = """
subscription($id: ID!) {
  listingImportProgress(id: $id) {
    id status processedRows totalRows validRows invalidRows progress failure { code }
  }
}"""


def _queued_import_with_token():
    shop = open_shop()
    user = shop.identity.user
    listing_import = listing_import_upload(
        user=user,
        shop_id=shop.pk,
        type="PATENT",
        upload=xlsx_upload(
            workbook_bytes(
                "PATENT", [patent_row(n) for n in range(4)] + [patent_row(9, 专利名称=None)]
            )
        ),
    )
    _, raw = api_token_issue(user=user)
    return listing_import, raw


async def subscribe(raw_token: str, import_id: int):
    socket = WebsocketCommunicator(
        application,
        "/graphql",
        subprotocols=["graphql-transport-ws"],
        headers=[(b"origin", b"http://127.0.0.1:8000")],
    )
    connected, _ = await socket.connect()
    assert connected
    await socket.send_json_to(
        {"type": "connection_init", "payload": {"authorization": f"Bearer {raw_token}"}}
    )
    assert (await socket.receive_json_from(timeout=5))["type"] == "connection_ack"
    await socket.send_json_to(
        {
            "id": "p",
            "type": "subscribe",
            "payload": {"query": SUBSCRIBE, "variables": {"id": gid("ListingImport", import_id)}},
        }
    )
    return socket


@pytest.mark.django_db(transaction=True)
async def test_the_uploader_follows_the_check_live_until_it_is_done(monkeypatch):
    monkeypatch.setattr(services, "BATCH_SIZE", 2)
    listing_import, raw_token = await sync_to_async(_queued_import_with_token)()
    socket = await subscribe(raw_token, listing_import.pk)

    first = await socket.receive_json_from(timeout=5)
    assert first["payload"]["data"]["listingImportProgress"]["status"] == "QUEUED"
    await sync_to_async(listing_import_process)(import_id=listing_import.pk)

    seen = []
    while True:
        message = await socket.receive_json_from(timeout=5)
        if message["type"] == "complete":
            break
        seen.append(message["payload"]["data"]["listingImportProgress"])
    assert [(p["status"], p["processedRows"]) for p in seen] == [
        ("PROCESSING", 0),
        ("PROCESSING", 2),
        ("PROCESSING", 4),
        ("PROCESSING", 5),
        ("DONE", 5),
    ]
    assert seen[-1] == {
        "id": gid("ListingImport", listing_import.pk),
        "status": "DONE",
        "processedRows": 5,
        "totalRows": 5,
        "validRows": 4,
        "invalidRows": 1,
        "progress": 1.0,
        "failure": None,
    }
    await socket.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_finished_import_is_reported_once_and_the_subscription_ends():
    listing_import, raw_token = await sync_to_async(_queued_import_with_token)()
    await sync_to_async(listing_import_process)(import_id=listing_import.pk)
    socket = await subscribe(raw_token, listing_import.pk)

    message = await socket.receive_json_from(timeout=5)
    assert message["payload"]["data"]["listingImportProgress"]["status"] == "DONE"
    assert (await socket.receive_json_from(timeout=5))["type"] == "complete"
    await socket.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_another_user_cannot_follow_the_import():
    listing_import, _ = await sync_to_async(_queued_import_with_token)()
    other = await sync_to_async(lambda: open_shop(name="东南示范大学").identity.user)()
    _, other_token = await sync_to_async(api_token_issue)(user=other)
    socket = await subscribe(other_token, listing_import.pk)

    message = await socket.receive_json_from(timeout=5)
    assert message == {
        "id": "p",
        "type": "next",
        "payload": {
            "data": None,
            "errors": [
                {
                    "message": "该项不存在，或您无权查看。",
                    "extensions": {
                        "code": "NOT_FOUND",
                        "field": "id",
                        "errors": [
                            {
                                "code": "NOT_FOUND",
                                "field": "id",
                                "message": "该项不存在，或您无权查看。",
                            }
                        ],
                    },
                }
            ],
        },
    }
    assert await socket.receive_json_from(timeout=5) == {"id": "p", "type": "complete"}
    await socket.disconnect()


@pytest.mark.django_db
def test_a_row_with_errors_in_several_columns_lists_them_left_to_right(signed_in_as):
    # given: a second row repeating the first's patent, with four more bad cells, some the
    # cell check refuses and some only the listing rules do
    shop = open_shop()
    seller = signed_in_as(shop.identity.user)
    first = patent_row(0)
    second = patent_row(
        1,
        专利名称=None,
        专利号=first["专利号"],
        专利类型="发明",
        IPC分类号="not-an-ipc",
        **{"起拍价（元）": "0"},
    )

    # when
    uploaded = upload(seller, shop, workbook_bytes("PATENT", [first, second]))
    run_worker()

    # then
    rows = read_import(seller, uploaded["listingImport"]["id"], status="INVALID")["rows"]
    [row] = [edge["node"] for edge in rows["edges"]]
    assert row["rowNumber"] == 3
    assert [(e["column"], e["code"]) for e in row["errors"]] == [
        ("专利名称", "REQUIRED"),
        ("专利号", "DUPLICATE_IN_FILE"),
        ("专利类型", "CELL_CHOICE_INVALID"),
        ("IPC分类号", "IPC_CLASS_INVALID"),
        ("起拍价（元）", "PRICE_INVALID"),
    ]
