"""Batch import: refusals at upload, the row check in the worker, the result workbook."""

import io
import zipfile
from datetime import date, timedelta

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from files.models import FileKind, PrivateFile
from files.services import XLSX, file_check
from kernel.clock import local_today, now
from kernel.errors import DomainError
from listings.imports import services
from listings.imports.result import BAD_FILL, GOOD_FILL
from listings.imports.services import (
    listing_import_process,
    listing_import_upload,
    listing_imports_process_queued,
)
from listings.imports.template import DATA_SHEET
from listings.models import ListingImport, ListingImportRow, ListingImportStatus
from tests.factories import PDF_BYTES, ListingFactory, open_shop, valid_patent_number
from tests.platform.listings import (
    achievement_row,
    open_workbook,
    patent_row,
    workbook_bytes,
    xlsx_upload,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    return open_shop()


def upload(shop, content, *, type="PATENT", name="专利批量导入.xlsx"):
    return listing_import_upload(
        user=shop.identity.user, shop_id=shop.pk, type=type, upload=xlsx_upload(content, name)
    )


def imported(shop, rows, *, type="PATENT"):
    listing_import = upload(shop, workbook_bytes(type, rows), type=type)
    return listing_import_process(import_id=listing_import.pk)


def rows_of(listing_import):
    return list(ListingImportRow.objects.filter(listing_import=listing_import))


def errors_of(row):
    return [(e["column"], e["value"], e["code"], e["params"]) for e in row.errors]


def refusal(shop, content, *, type="PATENT", name="专利批量导入.xlsx") -> DomainError:
    with pytest.raises(DomainError) as caught:
        upload(shop, content, type=type, name=name)
    return caught.value


def failure(shop, content, *, type="PATENT") -> tuple[str, dict]:
    """Stored and queued at upload; the worker's check fails it: (code, params)."""
    listing_import = upload(shop, content, type=type)
    assert listing_import.status == ListingImportStatus.QUEUED
    failed = listing_import_process(import_id=listing_import.pk)
    assert failed.status == ListingImportStatus.FAILED
    assert failed.result is None and ListingImportRow.objects.count() == 0
    return failed.error_code, failed.error_params


def nothing_stored(tmp_path):
    stored = [p for p in (tmp_path / "private").rglob("*") if p.is_file()]
    return ListingImport.objects.count() == 0 and PrivateFile.objects.count() == 0 and stored == []


# -- upload ---------------------------------------------------------------------------


def test_an_upload_is_only_stored_and_queued_its_sheet_unread(shop, monkeypatch):
    def unread(*args, **kwargs):
        raise AssertionError("the upload request must not read the sheet")

    monkeypatch.setattr(services.WorkbookReader, "__enter__", unread)
    monkeypatch.setattr(services, "check_shared_strings", unread)
    listing_import = upload(shop, workbook_bytes("PATENT", [patent_row(1), patent_row(2)]))

    assert listing_import.status == ListingImportStatus.QUEUED
    assert listing_import.total_rows == 0  # known once the worker read it
    assert listing_import.processed_rows == 0
    assert listing_import.uploaded_by == shop.identity.user
    assert listing_import.source.kind == FileKind.LISTING_IMPORT
    assert listing_import.source.name == "专利批量导入.xlsx"
    assert listing_import.source.content_type == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert ListingImportRow.objects.count() == 0


def test_an_upload_into_someone_elses_shop_is_refused(shop, tmp_path):
    other = open_shop(name="东南示范大学")
    with pytest.raises(DomainError) as caught:
        listing_import_upload(
            user=other.identity.user,
            shop_id=shop.pk,
            type="PATENT",
            upload=xlsx_upload(workbook_bytes("PATENT", [patent_row()])),
        )

    assert caught.value.codes == ["SHOP_NOT_OPEN"]
    assert caught.value.items[0].field == "shopId"
    assert nothing_stored(tmp_path)


def test_the_other_types_template_fails_naming_the_columns(shop):
    code, params = failure(shop, workbook_bytes("ACHIEVEMENT", [achievement_row()]))

    assert code == "WRONG_TEMPLATE"
    assert params == {
        "template": "专利",
        "missing": "专利名称、专利号、专利类型、申请日、授权日、法律状态、专利权人、发明人、"
        "IPC分类号、摘要",
        "unknown": "成果名称、成果简介、权利人、成熟度、团队介绍",
    }


def test_a_renamed_header_fails_as_a_wrong_template(shop):
    workbook = open_workbook(workbook_bytes("PATENT", [patent_row()]))
    workbook[DATA_SHEET]["B1"] = "专利编号"
    buffer = io.BytesIO()
    workbook.save(buffer)

    code, params = failure(shop, buffer.getvalue())

    assert code == "WRONG_TEMPLATE"
    assert (params["missing"], params["unknown"]) == ("专利号", "专利编号")


def test_the_empty_template_fails(shop):
    assert failure(shop, workbook_bytes("PATENT", [])) == ("EMPTY_WORKBOOK", {})


def test_blank_rows_only_are_an_empty_workbook(shop):
    blank = dict.fromkeys(patent_row(), "  ")
    assert failure(shop, workbook_bytes("PATENT", [blank, blank])) == ("EMPTY_WORKBOOK", {})


@pytest.mark.parametrize(
    "content",
    [PDF_BYTES, b"\x00\x01random bytes" * 20, b"PK\x03\x04 not really a zip" * 10],
    ids=["pdf", "random-bytes", "broken-zip"],
)
def test_a_file_that_is_not_a_workbook_is_refused_whatever_its_name(shop, tmp_path, content):
    error = refusal(shop, content, name="专利批量导入.xlsx")

    assert error.codes == ["NOT_AN_XLSX"]
    assert error.items[0].field == "file"
    assert nothing_stored(tmp_path)


def zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_a_zip_that_is_not_a_spreadsheet_is_refused(shop, tmp_path):
    docx_like = zip_of({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"})

    assert refusal(shop, docx_like).codes == ["NOT_AN_XLSX"]
    assert nothing_stored(tmp_path)


def with_members(content: bytes, extra: dict[str, bytes], replace: dict | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            for old, new in (replace or {}).get(item.filename, []):
                data = data.replace(old, new)
            target.writestr(item, data)
        for name, data in extra.items():
            target.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def test_a_workbook_with_a_vba_project_is_refused(shop, tmp_path):
    macro = with_members(
        workbook_bytes("PATENT", [patent_row()]), {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0"}
    )

    assert refusal(shop, macro, name="专利批量导入.xlsm").codes == ["MACRO_NOT_ALLOWED"]
    assert nothing_stored(tmp_path)


def test_a_macro_enabled_workbook_type_is_refused_even_without_the_project(shop, tmp_path):
    macro = with_members(
        workbook_bytes("PATENT", [patent_row()]),
        {},
        replace={
            "[Content_Types].xml": [
                (
                    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                )
            ]
        },
    )

    assert refusal(shop, macro).codes == ["MACRO_NOT_ALLOWED"]
    assert nothing_stored(tmp_path)


def test_an_excel_4_macro_sheet_is_refused(shop, tmp_path):
    macro = with_members(
        workbook_bytes("PATENT", [patent_row()]), {"xl/macrosheets/sheet1.xml": b"<xm/>"}
    )

    assert refusal(shop, macro).codes == ["MACRO_NOT_ALLOWED"]
    assert nothing_stored(tmp_path)


def test_a_workbook_over_the_size_cap_is_refused(shop, tmp_path, settings):
    content = workbook_bytes("PATENT", [patent_row()])
    settings.LISTING_IMPORT_MAX_BYTES = len(content) - 1

    error = refusal(shop, content)

    assert error.codes == ["FILE_TOO_LARGE"]
    assert error.items[0].params == {"limit_mb": 0}
    assert nothing_stored(tmp_path)


def test_a_workbook_of_exactly_the_size_cap_is_accepted(shop, settings):
    content = workbook_bytes("PATENT", [patent_row()])
    settings.LISTING_IMPORT_MAX_BYTES = len(content)

    assert upload(shop, content).status == ListingImportStatus.QUEUED


def test_a_workbook_that_expands_far_beyond_the_cap_is_refused(shop, tmp_path, settings):
    settings.LISTING_IMPORT_MAX_BYTES = 64 * 1024
    bomb = with_members(
        workbook_bytes("PATENT", [patent_row()]), {"xl/padding.xml": b" " * 700_000}
    )
    assert len(bomb) < 64 * 1024

    assert refusal(shop, bomb).codes == ["FILE_TOO_LARGE"]
    assert nothing_stored(tmp_path)


def test_a_workbook_over_the_row_cap_fails(shop, settings):
    settings.LISTING_IMPORT_MAX_ROWS = 3

    content = workbook_bytes("PATENT", [patent_row(n) for n in range(4)])

    assert failure(shop, content) == ("TOO_MANY_ROWS", {"limit": 3})


def test_a_workbook_of_exactly_the_row_cap_is_accepted(shop, settings):
    settings.LISTING_IMPORT_MAX_ROWS = 3

    done = imported(shop, [patent_row(n) for n in range(3)])

    assert (done.status, done.total_rows) == ("DONE", 3)


def test_the_file_check_of_the_import_kind_accepts_only_a_plain_workbook(settings):
    template = workbook_bytes("PATENT", [patent_row()])
    vba = with_members(template, {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0"})
    docx_like = zip_of({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"})

    def check(content):
        return file_check(upload=xlsx_upload(content), kind=FileKind.LISTING_IMPORT, field="file")

    assert check(template) is XLSX
    for refused in (vba, docx_like, PDF_BYTES):
        with pytest.raises(DomainError) as caught:
            check(refused)
        assert caught.value.codes == ["FILE_TYPE_NOT_ALLOWED"]
        assert caught.value.items[0].params == {"allowed": "XLSX"}
    settings.FILE_UPLOAD_MAX_BYTES = 10  # the import kind has a cap of its own
    settings.LISTING_IMPORT_MAX_BYTES = len(template)
    assert check(template) is XLSX


# -- the row check ----------------------------------------------------------------------


def test_valid_rows_are_parsed_into_listing_forms_and_judged_own(shop):
    listing_import = imported(shop, [patent_row(1), patent_row(2, 专利权人="某某科技有限公司")])

    assert listing_import.status == ListingImportStatus.DONE
    assert (listing_import.total_rows, listing_import.processed_rows) == (2, 2)
    assert (listing_import.valid_rows, listing_import.invalid_rows) == (2, 0)
    assert listing_import.duplicate_rows == 0
    assert listing_import.finished_at is not None
    first, second = rows_of(listing_import)
    assert (first.row_number, first.status, first.errors) == (2, "VALID", [])
    assert (first.ownership, second.ownership) == ("OWN", "AGENT")
    assert first.data == {
        "title": "一种锂电池正极材料及其制备方法1",
        "field": "NEW_ENERGY",
        "description": "本实用新型提供一种高能量密度的锂电池正极材料。",
        "rights_holders": ["南京示范大学"],
        "transaction_type": "TRANSFER",
        "start_price": "120000",
        "season_opt_in": False,
        "patent": {
            "number": valid_patent_number("202120100001"),
            "patent_type": "UTILITY_MODEL",
            "application_date": "2021-06-01",
            "grant_date": "2022-03-15",
            "inventors": ["张三", "李四"],
            "ipc_classes": ["H01M 4/36"],
            "legal_status": "GRANTED",
        },
        "achievement": None,
    }


def test_cells_in_other_written_forms_are_read_as_a_seller_means_them(shop):
    number = valid_patent_number("202120100007")
    row = patent_row(
        7,
        专利号=number.removeprefix("ZL"),
        专利类型="UTILITY_MODEL",
        申请日="2021/6/1",
        授权日="2022年3月15日",
        法律状态="有效(已授权)",
        发明人="张三、李四,王五",
        **{"起拍价（元）": "￥120,000.5 元"},
    )

    (checked,) = rows_of(imported(shop, [row]))

    assert checked.status == "VALID", checked.errors
    assert checked.data["start_price"] == "120000.5"
    assert checked.data["patent"]["number"] == number.removeprefix("ZL")
    assert checked.data["patent"]["grant_date"] == "2022-03-15"
    assert checked.data["patent"]["inventors"] == ["张三", "李四", "王五"]


def test_each_bad_cell_is_reported_with_its_column_value_and_code(shop):
    future = local_today() + timedelta(days=3)
    rows = [
        patent_row(1, 申请日="2021-13-01", 专利类型="发明"),
        patent_row(2, 专利号="ZL202120100002.0", 专利名称=None, **{"起拍价（元）": "十万"}),
        patent_row(3, 授权日=future, 付款方式=None, 法律状态="有效（已授权）", 发明人=" "),
        patent_row(4, 授权日=date(2020, 1, 1), **{"起拍价（元）": 0}),
        patent_row(5, 专利类型="发明专利"),
    ]

    one, two, three, four, five = rows_of(imported(shop, rows))

    assert [r.status for r in (one, two, three, four, five)] == ["INVALID"] * 5
    assert errors_of(one) == [
        ("专利类型", "发明", "CELL_CHOICE_INVALID", {"allowed": "发明专利、实用新型、外观设计"}),
        ("申请日", "2021-13-01", "CELL_DATE_INVALID", {}),
    ]
    assert errors_of(two) == [  # left to right, as the row reads
        ("专利名称", "", "REQUIRED", {}),
        ("专利号", "ZL202120100002.0", "PATENT_NUMBER_INVALID", {}),
        ("起拍价（元）", "十万", "CELL_NUMBER_INVALID", {}),
    ]
    assert errors_of(three) == [
        ("授权日", future.isoformat(), "DATE_IN_FUTURE", {}),
        ("发明人", "", "REQUIRED", {}),
        ("付款方式", "", "REQUIRED", {}),
    ]
    assert errors_of(four) == [
        ("授权日", "2020-01-01", "GRANT_BEFORE_APPLICATION", {}),
        ("起拍价（元）", "0", "PRICE_INVALID", {}),
    ]
    assert errors_of(five) == [
        ("专利类型", "发明专利", "PATENT_TYPE_MISMATCH", {"expected": "实用新型"}),
    ]
    assert {e["field"] for e in one.errors} == {"patent.patentType", "patent.applicationDate"}


def test_a_granted_patent_without_its_grant_date_is_reported_on_that_column(shop):
    (row,) = rows_of(imported(shop, [patent_row(1, 授权日=None)]))

    assert errors_of(row) == [("授权日", "", "REQUIRED", {})]


def test_messages_are_rendered_in_the_callers_language(shop):
    (row,) = rows_of(imported(shop, [patent_row(1, 专利类型="发明")]))
    error = row.errors[0]

    with translation.override("en"):
        message = services.error_message(error["code"], error["params"])
    assert message == "Choose one of: 发明专利、实用新型、外观设计."


def test_a_patent_twice_in_the_file_is_a_duplicate_on_the_later_rows(shop):
    rows = [
        patent_row(1),
        patent_row(2),
        patent_row(3, 专利号=patent_row(1)["专利号"]),
        patent_row(4, 专利号=patent_row(1)["专利号"].removeprefix("ZL"), 摘要=None),
    ]

    listing_import = imported(shop, rows)
    one, two, three, four = rows_of(listing_import)

    assert [r.status for r in (one, two, three, four)] == ["VALID", "VALID", "DUPLICATE", "INVALID"]
    assert errors_of(three) == [
        ("专利号", patent_row(1)["专利号"], "DUPLICATE_IN_FILE", {"row": 2})
    ]
    assert [e["code"] for e in four.errors] == ["DUPLICATE_IN_FILE", "REQUIRED"]  # by column
    assert (listing_import.valid_rows, listing_import.invalid_rows) == (2, 1)
    assert listing_import.duplicate_rows == 1


def test_duplicates_are_caught_across_batches(shop, monkeypatch):
    monkeypatch.setattr(services, "BATCH_SIZE", 2)
    rows = [
        patent_row(1),
        patent_row(2),
        patent_row(3),
        patent_row(4, 专利号=patent_row(1)["专利号"]),
    ]

    statuses = [r.status for r in rows_of(imported(shop, rows))]

    assert statuses == ["VALID", "VALID", "VALID", "DUPLICATE"]


def test_a_patent_under_review_or_on_sale_is_a_duplicate_but_a_draft_is_not(shop):
    ListingFactory(patent_number=patent_row(1)["专利号"], status="PENDING_REVIEW")
    ListingFactory(patent_number=patent_row(2)["专利号"], status="DRAFT")

    one, two = rows_of(imported(shop, [patent_row(1), patent_row(2)]))

    assert errors_of(one) == [("专利号", patent_row(1)["专利号"], "PATENT_ALREADY_LISTED", {})]
    assert (one.status, two.status) == ("DUPLICATE", "VALID")


def test_achievements_are_checked_with_their_own_columns_and_names_as_duplicates(shop):
    ListingFactory(
        shop=shop, type="ACHIEVEMENT", title="已上架的成果", patent_number="", status="LISTED"
    )
    rows = [
        achievement_row(1),
        achievement_row(2, 成熟度="量产"),
        achievement_row(3, 成果名称="高效光伏组件 封装工艺1"),
        achievement_row(4, 成果名称="已上架的成果"),
    ]

    one, two, three, four = rows_of(imported(shop, rows, type="ACHIEVEMENT"))

    assert one.status == "VALID"
    assert one.data["achievement"] == {"maturity": "PILOT", "team": "王教授团队"}
    assert errors_of(two) == [
        (
            "成熟度",
            "量产",
            "CELL_CHOICE_INVALID",
            {"allowed": "研发阶段、小试阶段、中试阶段、产业化阶段"},
        ),
    ]
    assert errors_of(three) == [
        ("成果名称", "高效光伏组件 封装工艺1", "DUPLICATE_IN_FILE", {"row": 2})
    ]
    assert errors_of(four) == [("成果名称", "已上架的成果", "ACHIEVEMENT_ALREADY_LISTED", {})]


def test_blank_rows_are_skipped_and_row_numbers_stay_those_of_excel(shop):
    done = imported(shop, [patent_row(1), {}, {}, patent_row(2, 专利名称=None)])

    rows = rows_of(done)

    assert [(r.row_number, r.status) for r in rows] == [(2, "VALID"), (5, "INVALID")]
    assert done.total_rows == 2


# -- the result workbook ------------------------------------------------------------------


def result_sheet(listing_import):
    with default_storage.open(listing_import.result.stored_name, "rb") as handle:
        return open_workbook(handle.read())[DATA_SHEET]


def test_the_result_workbook_highlights_and_comments_the_bad_cells(shop):
    rows = [patent_row(1), patent_row(2, 申请日="明年", 专利名称=None), {}, patent_row(3)]
    listing_import = imported(shop, rows)

    assert listing_import.result.kind == FileKind.LISTING_IMPORT_RESULT
    assert listing_import.result.name == "专利批量导入-导入结果.xlsx"
    assert listing_import.result.owner == shop.identity.user
    sheet = result_sheet(listing_import)
    assert [c.value for c in sheet[1]][-3:] == ["*起拍价（元）", "导入结果", "问题说明"]
    assert sheet.freeze_panes == "A2"
    assert [v.type for v in sheet.data_validations.dataValidation] == ["list"] * 5 + ["decimal"]
    assert sheet["A2"].value == "一种锂电池正极材料及其制备方法1"
    assert sheet["A2"].comment is None
    assert sheet["O2"].value == "通过"
    assert sheet["O2"].fill.fgColor.rgb == GOOD_FILL.fgColor.rgb
    assert sheet["D3"].value == "明年"
    assert sheet["D3"].fill.fgColor.rgb == BAD_FILL.fgColor.rgb
    with translation.override("zh-hans"):  # the worker writes in the site's language
        not_a_date = services.error_message("CELL_DATE_INVALID")
        required = services.error_message("REQUIRED")
    assert sheet["D3"].comment.text == not_a_date
    assert sheet["D3"].comment.author == "导入检查"
    assert sheet["A3"].fill.fgColor.rgb == BAD_FILL.fgColor.rgb
    assert sheet["A3"].comment.text == required
    assert sheet["B3"].comment is None
    assert sheet["O3"].value == "有误"
    assert sheet["P3"].value == f"专利名称：{required}\n申请日：{not_a_date}"
    assert all(cell.value is None for cell in sheet[4])
    assert sheet["A5"].value == "一种锂电池正极材料及其制备方法3"
    assert sheet["E5"].value.date() == date(2022, 3, 15)


def test_a_corrected_result_workbook_uploads_again_as_a_template(shop):
    listing_import = imported(shop, [patent_row(1, 专利名称=None)])
    sheet = result_sheet(listing_import)
    sheet["A2"] = "一种锂电池正极材料及其制备方法（修改后）"
    buffer = io.BytesIO()
    sheet.parent.save(buffer)

    corrected = listing_import_process(import_id=upload(shop, buffer.getvalue()).pk)

    assert (corrected.valid_rows, corrected.invalid_rows) == (1, 0)


def test_text_that_looks_like_a_formula_is_written_back_as_text(shop):
    workbook = open_workbook(workbook_bytes("PATENT", [patent_row(1)]))
    cell = workbook[DATA_SHEET]["A2"]
    cell.value = '=HYPERLINK("http://example.com")'
    cell.data_type = "s"  # text typed with a leading apostrophe in Excel
    buffer = io.BytesIO()
    workbook.save(buffer)

    listing_import = listing_import_process(import_id=upload(shop, buffer.getvalue()).pk)

    written = result_sheet(listing_import)["A2"]
    assert (written.value, written.data_type) == ('=HYPERLINK("http://example.com")', "s")


# -- claiming and failures ------------------------------------------------------------------


def test_an_import_is_processed_once_even_when_asked_twice(shop):
    listing_import = upload(shop, workbook_bytes("PATENT", [patent_row(1)]))

    first = listing_import_process(import_id=listing_import.pk)
    second = listing_import_process(import_id=listing_import.pk)

    assert first.status == ListingImportStatus.DONE
    assert second is None
    assert ListingImportRow.objects.count() == 1
    assert PrivateFile.objects.filter(kind=FileKind.LISTING_IMPORT_RESULT).count() == 1


def test_the_worker_job_processes_the_queued_imports_oldest_first(shop):
    first = upload(shop, workbook_bytes("PATENT", [patent_row(1)]))
    second = upload(shop, workbook_bytes("PATENT", [patent_row(2), patent_row(3)]))

    assert listing_imports_process_queued() == 2
    assert listing_imports_process_queued() == 0
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("DONE", "DONE")
    assert first.finished_at <= second.finished_at


def test_the_worker_job_stops_when_asked(shop):
    upload(shop, workbook_bytes("PATENT", [patent_row(1)]))

    assert listing_imports_process_queued(should_continue=lambda: False) == 0
    assert ListingImport.objects.get().status == ListingImportStatus.QUEUED


def test_an_import_whose_worker_died_is_taken_over_from_the_top(shop):
    listing_import = upload(shop, workbook_bytes("PATENT", [patent_row(1), patent_row(2)]))
    ListingImport.objects.filter(pk=listing_import.pk).update(
        status="PROCESSING", processed_rows=1, updated_at=now() - timedelta(minutes=11)
    )
    ListingImportRow.objects.create(listing_import=listing_import, row_number=2, status="VALID")

    done = listing_import_process(import_id=listing_import.pk)

    assert (done.status, done.processed_rows, done.valid_rows) == ("DONE", 2, 2)
    assert [r.row_number for r in rows_of(done)] == [2, 3]


def test_an_import_being_processed_recently_is_left_to_its_worker(shop):
    listing_import = upload(shop, workbook_bytes("PATENT", [patent_row(1)]))
    ListingImport.objects.filter(pk=listing_import.pk).update(status="PROCESSING")

    assert listing_import_process(import_id=listing_import.pk) is None


def test_a_stored_file_that_turns_out_unreadable_fails_the_import_with_a_reason(shop):
    listing_import = upload(shop, workbook_bytes("PATENT", [patent_row(1)]))
    with open(default_storage.path(listing_import.source.stored_name), "wb") as handle:
        handle.write(b"PK\x03\x04 damaged in storage")

    failed = listing_import_process(import_id=listing_import.pk)

    assert failed.status == ListingImportStatus.FAILED
    assert (failed.error_code, failed.error_params) == ("UNREADABLE_WORKBOOK", {})
    assert failed.result is None
    assert failed.processed_rows == 0
    assert failed.finished_at is not None
    assert ListingImportRow.objects.count() == 0


def test_a_workbook_whose_sheet_cannot_be_parsed_fails_in_the_worker(shop):
    broken = with_members(
        workbook_bytes("PATENT", [patent_row(1)]),
        {},
        replace={"xl/worksheets/sheet1.xml": [(b"</sheetData>", b"<row r=")]},
    )

    assert failure(shop, broken) == ("UNREADABLE_WORKBOOK", {})


def test_a_row_cap_lowered_after_upload_fails_the_import(shop, settings):
    listing_import = upload(shop, workbook_bytes("PATENT", [patent_row(1), patent_row(2)]))
    settings.LISTING_IMPORT_MAX_ROWS = 1

    failed = listing_import_process(import_id=listing_import.pk)

    assert (failed.status, failed.error_code, failed.error_params) == (
        "FAILED",
        "TOO_MANY_ROWS",
        {"limit": 1},
    )


def test_progress_is_published_after_each_batch_and_at_the_end(
    shop, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "BATCH_SIZE", 2)
    sent = []
    monkeypatch.setattr(services, "publish", lambda messages: sent.extend(messages))
    listing_import = upload(shop, workbook_bytes("PATENT", [patent_row(n) for n in range(5)]))

    listing_import_process(import_id=listing_import.pk)

    group = f"listing_import.{listing_import.pk}"
    assert [g for g, _ in sent] == [group] * 5
    assert [(e.status, e.processed_rows) for _, e in sent] == [
        ("PROCESSING", 0),
        ("PROCESSING", 2),
        ("PROCESSING", 4),
        ("PROCESSING", 5),
        ("DONE", 5),
    ]
    assert sent[-1][1].to_message()["event"] == {
        "type": "listing_import.progress",
        "id": listing_import.pk,
        "status": "DONE",
        "total_rows": 5,
        "processed_rows": 5,
        "valid_rows": 5,
        "invalid_rows": 0,
        "duplicate_rows": 0,
        "committed_rows": 0,
        "error_code": "",
        "error_params": {},
    }


def test_checking_costs_a_fixed_number_of_queries_per_batch_not_per_row(shop):
    def queries_for(count: int) -> int:
        listing_import = upload(
            shop, workbook_bytes("PATENT", [patent_row(1000 + count + n) for n in range(count)])
        )
        with CaptureQueriesContext(connection) as queries:
            listing_import_process(import_id=listing_import.pk)
        return len(queries)

    assert queries_for(5) == queries_for(40)


def test_checked_rows_are_stored_as_bulk_create_would_store_them(shop):
    listing_import = upload(shop, workbook_bytes("PATENT", [patent_row(1)]))
    given = [
        {
            "listing_import_id": listing_import.pk,
            "row_number": 2,
            "status": "VALID",
            "data": {"title": "一种“材料”", "start_price": "1.50", "patent": {"inventors": []}},
            "errors": [],
            "ownership": "OWN",
        },
        {
            "listing_import_id": listing_import.pk,
            "row_number": 3,
            "status": "DUPLICATE",
            "data": {"achievement": None, "season_opt_in": False},
            "errors": [{"column": "专利号", "code": "DUPLICATE_IN_FILE", "params": {"row": 2}}],
            "ownership": "",
        },
    ]

    with CaptureQueriesContext(connection) as queries:
        services._insert_rows(given)
    ListingImportRow.objects.bulk_create(
        [ListingImportRow(**{**row, "row_number": row["row_number"] + 100}) for row in given]
    )

    assert len(queries) == 1
    names = [f.attname for f in ListingImportRow._meta.concrete_fields if not f.primary_key]
    stored = {
        row["row_number"]: row
        for row in ListingImportRow.objects.filter(listing_import=listing_import).values(*names)
    }
    for row in given:
        ours, theirs = stored[row["row_number"]], stored[row["row_number"] + 100]
        assert ours == {**theirs, "row_number": row["row_number"]}
        assert (ours["season_opt_in"], ours["listing_id"]) == (False, None)  # the defaults
        assert (ours["data"], ours["errors"]) == (row["data"], row["errors"])


# -- budgets while streaming (issue 9, case 9) ---------------------------------------------


def test_two_million_blank_rows_fail_the_import_within_the_row_budget(shop, settings):
    import time

    settings.LISTING_IMPORT_MAX_ROWS = 100
    blank_rows = b"<row/>" * 2_000_000
    bomb = with_members(
        workbook_bytes("PATENT", [patent_row(1)]),
        {},
        replace={"xl/worksheets/sheet1.xml": [(b"</sheetData>", blank_rows + b"</sheetData>")]},
    )
    assert len(bomb) < 200 * 1024

    started = time.monotonic()
    outcome = failure(shop, bomb)

    assert outcome == ("TOO_MANY_ROWS", {"limit": 100})
    assert time.monotonic() - started < 10  # unbounded, the walk took 15-28 s


def test_two_million_shared_strings_fail_the_import_before_openpyxl_loads_them(
    shop, settings, monkeypatch
):
    settings.LISTING_IMPORT_MAX_ROWS = 100
    strings = b"<si><t>a</t></si>" * 2_000_000
    table = (
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + strings
        + b"</sst>"
    )
    bomb = with_members(workbook_bytes("PATENT", [patent_row(1)]), {"xl/sharedStrings.xml": table})
    assert len(bomb) < 200 * 1024

    def never(*args, **kwargs):
        raise AssertionError("openpyxl must not open it")

    monkeypatch.setattr(services.WorkbookReader, "__enter__", never)

    code, params = failure(shop, bomb)

    assert code == "TOO_MANY_CELLS"
    assert params == {"limit": 100 * len(services.columns_for("PATENT")) + services.STRINGS_SLACK}
