"""The result workbook's own row writer against openpyxl's: the same workbook, cell for cell.

``ResultWorkbook`` writes plain cells itself and leaves the others to openpyxl (issue 11);
``OpenpyxlResult`` below is the result workbook as it was written before, every row through
openpyxl's write-only ``append``. Both write the same rows; their parts must match (the
sheet's XML after canonicalization: ResultWorkbook's sheet is UTF-8, openpyxl's ASCII with
character references, and an empty element may be written either way), and openpyxl must
read the same cells back from both."""

import os
import zipfile
from datetime import date, datetime, time
from decimal import Decimal

import pytest
from lxml import etree
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment

from kernel.xlsx import looks_like_formula as looks_like
from kernel.xlsx import protect
from listings.imports import result as module
from listings.imports.columns import columns_for
from listings.imports.result import (
    BAD_FILL,
    BAD_FONT,
    COMMENT_AUTHOR,
    ResultWorkbook,
)
from listings.imports.template import DATA_SHEET


class OpenpyxlResult:
    """The result workbook written through openpyxl's write-only ``append`` only."""

    def __init__(self, columns) -> None:
        self.columns = columns
        self.workbook = Workbook(write_only=True)
        self.sheet = self.workbook.create_sheet(DATA_SHEET)
        # The header and the styles as the product makes them: what is compared is how
        # the rows reach the sheet.
        self.sheet.append(module.header_cells(self.sheet, columns))
        self._next_row = 2
        self._good, self._bad, self._detail = module.result_styles(self.sheet)

    def _cell(self, value, like):
        return module.styled_cell(self.sheet, value, like)

    def write(self, *, number, values, messages, result, problems, good) -> None:
        while self._next_row < number:
            self.sheet.append([])
            self._next_row += 1
        cells = []
        for position, (column, value) in enumerate(zip(self.columns, values, strict=True)):
            value = module._safe(value)
            bad = position in messages
            if not bad and (value is None or (isinstance(value, str) and not looks_like(value))):
                cells.append(value)
                continue
            cell = WriteOnlyCell(self.sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
                protect(cell)
            else:
                cell.number_format = column.parser.number_format
            if bad:
                cell.fill = BAD_FILL
                cell.font = BAD_FONT
                text = "\n".join(messages[position])
                comment = Comment(text, COMMENT_AUTHOR)
                comment.width = 300
                comment.height = 40 + 20 * text.count("\n")
                cell.comment = comment
            cells.append(cell)
        status = protect(self._cell(result, self._good if good else self._bad))
        detail = self._cell(module._safe("\n".join(problems)), self._detail)
        detail.data_type = "s"
        protect(detail)
        self.sheet.append([*cells, status, detail])
        self._next_row = number + 1

    def save(self, path) -> None:
        self.workbook.save(path)


ODD_VALUES = [
    "plain text",
    "  spaces around  ",
    " ",
    "",
    "#N/A",
    "#DIV/0!",
    "=SUM(A1:A2)",
    '=HYPERLINK("http://example.com")',
    "-minus",
    "+plus",
    "@at",
    "\tstarts with a tab",
    "\rstarts with a carriage return",
    "a\r\nb\rc\nd\te",
    "<tag> & \"quotes\" 'single' ]]>",
    "控制\x01字符\x1f",
    "长" * 40_000,
    "专利名称（中文）",
    0,
    -12,
    10**20,
    120000,
    0.1,
    1e-300,
    1.5e300,
    float("inf"),
    True,
    False,
    datetime(2021, 6, 1),
    datetime(2021, 6, 1, 13, 45, 7),
    date(2023, 8, 15),
    time(12, 30),
    Decimal("99.999"),
    None,
]


def rows_of(columns):
    """Rows (write's keyword arguments) with every odd value in every column, good and bad
    cells, blank rows skipped, formula-like and empty detail texts."""
    width = len(columns)
    rows = []
    number = 2
    for index in range(len(ODD_VALUES)):
        for bad in (False, True):
            values = tuple(
                ODD_VALUES[(index + offset) % len(ODD_VALUES)] for offset in range(width)
            )
            messages = {0: ["第一条", "第二条"], width - 1: ["金额"]} if bad else {}
            if bad and index % 3 == 0:
                messages[index % width] = ["必填"]
            problems = [f"{columns[p].header}：{m}" for p, ms in messages.items() for m in ms]
            if index % 5 == 1:
                problems = ["=看起来像公式"]
            rows.append(
                {
                    "number": number,
                    "values": values,
                    "messages": messages,
                    "result": ["通过", "有误", "重复", "=1+1", "#N/A"][index % 5],
                    "problems": problems,
                    "good": not bad,
                }
            )
            number += 1 + index % 3  # blank rows in between
    return rows


def canonical(xml: bytes) -> bytes:
    return etree.tostring(etree.fromstring(xml, etree.XMLParser(huge_tree=True)), method="c14n")


def written(cls, columns, rows, tmp_path, name):
    workbook = cls(columns)
    for row in rows:
        workbook.write(**row)
    path = tmp_path / name
    workbook.save(path)
    return path


def cells_of(path):
    sheet = load_workbook(path)[DATA_SHEET]
    return {
        cell.coordinate: (
            cell.value,
            cell.data_type,
            cell.number_format,
            cell.fill.fgColor.rgb,
            cell.font.color and cell.font.color.rgb,
            cell.font.b,
            cell.alignment.wrap_text,
            cell.quotePrefix,
            cell.comment and (cell.comment.text, cell.comment.author),
        )
        for line in sheet.iter_rows()
        for cell in line
    }


# The odd rows hold numbers no date can be; openpyxl says so when it reads them back.
@pytest.mark.filterwarnings("ignore:Cell .* is marked as a date:UserWarning")
@pytest.mark.parametrize("type", ["PATENT", "ACHIEVEMENT"])
@pytest.mark.parametrize("flush_rows", [1, 7, 200])
def test_the_result_workbook_is_the_one_openpyxl_writes(type, flush_rows, tmp_path, monkeypatch):
    monkeypatch.setattr(module, "FLUSH_ROWS", flush_rows)
    columns = columns_for(type)
    rows = rows_of(columns)

    ours = written(ResultWorkbook, columns, rows, tmp_path, "ours.xlsx")
    theirs = written(OpenpyxlResult, columns, rows, tmp_path, "theirs.xlsx")

    with zipfile.ZipFile(ours) as a, zipfile.ZipFile(theirs) as b:
        assert sorted(a.namelist()) == sorted(b.namelist())
        for name in a.namelist():
            if name == "docProps/core.xml":  # creation time
                continue
            if name.startswith("xl/worksheets/sheet"):
                assert canonical(a.read(name)) == canonical(b.read(name)), name
            else:
                assert a.read(name) == b.read(name), name
        sheet = a.read("xl/worksheets/sheet1.xml")
    assert "专利".encode() in sheet or type == "ACHIEVEMENT"  # UTF-8, no references
    assert cells_of(ours) == cells_of(theirs)


def test_a_discarded_result_workbook_leaves_no_file(tmp_path):
    workbook = ResultWorkbook(columns_for("PATENT"))
    for row in rows_of(columns_for("PATENT"))[:5]:
        workbook.write(**row)
    out = workbook.sheet._writer.out

    assert os.path.exists(out)

    workbook.discard()

    assert not os.path.exists(out)
