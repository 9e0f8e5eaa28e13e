"""The result workbook: the uploaded rows as they were, bad cells filled red with a comment
carrying the messages, and each row's result at the end. Written in write-only mode, row
by row, so it costs as little memory as reading does; once corrected it uploads again as
a template (the reader ignores the result columns).

The rows go into the sheet's XML stream as elements built here (``_RowStream``): openpyxl's
own write-only path makes a cell object per value and serializes it attribute by attribute
in Python, which was most of the check's time beyond reading the upload. A cell that is
plain text or a plain number is built directly, as openpyxl would write it; any other cell
(a bad cell with its comment, text that looks like a formula, a date, an error value...) is
made and serialized by openpyxl itself, as before. ``tests/platform/listings`` compares the
two paths' output part by part.
"""

import contextlib
import os
from contextlib import contextmanager
from copy import copy

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell._writer import write_cell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.comments.comment_sheet import CommentRecord
from openpyxl.compat import safe_string
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.xml.constants import XML_NS
from openpyxl.xml.functions import Element, SubElement

from kernel.xlsx import looks_like_formula as looks_like
from kernel.xlsx import protect

from .columns import RESULT_HEADERS, Column
from .template import DATA_SHEET, format_data_sheet, header_cell_style

BAD_FILL = PatternFill("solid", fgColor="FFC7CE")
BAD_FONT = Font(color="9C0006")
GOOD_FILL = PatternFill("solid", fgColor="C6EFCE")
RESULT_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
COMMENT_AUTHOR = "导入检查"
MAX_TEXT = 32767  # openpyxl cuts longer text to this (Excel's limit)
_PRESERVE = {f"{{{XML_NS}}}space": "preserve"}


def _safe(value):
    """A value to write back: text without XML-illegal characters."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def _plain_text(value) -> bool:
    """Text openpyxl writes as a bare inline string: not a formula, an error value (#N/A)
    or longer than it keeps."""
    return (
        type(value) is str
        and not looks_like(value)
        and value not in ERROR_CODES
        and len(value) <= MAX_TEXT
    )


def _plain_number(value) -> bool:
    return (type(value) is int or type(value) is float) and value - value == 0  # finite


def _text_cell(row, reference: str, text: str, style: str | None) -> None:
    """``<c r="A2" t="inlineStr"><is><t>text</t></is></c>``, as openpyxl's lxml writer."""
    attributes = {"r": reference}
    if style is not None:
        attributes["s"] = style
    attributes["t"] = "inlineStr"
    cell = SubElement(row, "c", attributes)
    if text == "":
        cell.text = ""  # <c ...></c>, as the stream writes an empty element
        return
    inline = SubElement(cell, "is")
    SubElement(inline, "t", _PRESERVE if text != text.strip() else {}).text = text


class _ElementBuilder:
    """What openpyxl's cell writer needs of lxml's stream (``element``, ``write``), building
    the elements under ``parent`` instead, so that a cell it writes lands in a row."""

    def __init__(self, parent) -> None:
        self._open = [parent]

    @contextmanager
    def element(self, tag, attrib=None, **extra):
        element = SubElement(self._open[-1], tag, {**(attrib or {}), **extra})
        element.text = ""  # an element left empty reads <c ...></c>, as streamed
        self._open.append(element)
        try:
            yield element
        finally:
            self._open.pop()

    def write(self, *items) -> None:
        parent = self._open[-1]
        for item in items:
            if not isinstance(item, str):
                parent.append(item)
            elif len(parent):
                parent[-1].tail = (parent[-1].tail or "") + item
            else:
                parent.text = (parent.text or "") + item


class _RowStream:
    """The write-only sheet's row stream, fed whole ``<row>`` elements.

    It replaces the sheet's own stream (``WriteOnlyWorksheet._write_rows``, which turns
    each appended list into cells) with the same opening and closing, so ``close`` and the
    workbook's ``save`` end it as before."""

    def __init__(self, sheet) -> None:
        self.sheet = sheet
        sheet._get_writer()
        sheet._rows = self._stream()
        next(sheet._rows)

    def _stream(self):
        try:
            xf = self.sheet._writer.xf.send(True)
        except StopIteration:
            self.sheet._already_saved()
        with xf.element("sheetData"):
            try:
                while True:
                    xf.write((yield))
            except GeneratorExit:
                pass
        self.sheet._writer.xf.send(None)

    def row(self, number: int):
        """A new ``<row>`` element, as openpyxl opens one (with its row dimensions)."""
        attributes = {"r": f"{number}"}
        attributes.update(self.sheet.row_dimensions.get(number, {}))
        row = Element("row", attributes)
        row.text = ""
        return row

    def add_cell(self, row, cell: WriteOnlyCell, number: int, column: int) -> None:
        """``cell`` at ``column`` (from 1) of ``row``, written by openpyxl (its comment
        recorded for the sheet's comments part, as its own row writer does)."""
        cell.row = number
        cell.column = column
        if cell._comment is not None:
            self.sheet._comments.append(CommentRecord.from_cell(cell))
        if cell._value is None and not cell.has_style and not cell._comment:
            return
        write_cell(_ElementBuilder(row), self.sheet, cell, cell.has_style)

    def send(self, row) -> None:
        self.sheet._rows.send(row)


class ResultWorkbook:
    """``write`` each row in order, then ``save``."""

    def __init__(self, columns: tuple[Column, ...]) -> None:
        self.columns = columns
        self.workbook = Workbook(write_only=True)
        self.sheet = self.workbook.create_sheet(DATA_SHEET)
        format_data_sheet(self.sheet, columns)
        result_widths = (12, 60)
        for offset, width in enumerate(result_widths):
            letter = get_column_letter(len(columns) + offset + 1)
            self.sheet.column_dimensions[letter].width = width
        header = []
        for column in columns:
            cell = WriteOnlyCell(self.sheet, value=column.heading)
            header_cell_style(cell, column)
            header.append(cell)
        for title in RESULT_HEADERS:
            cell = WriteOnlyCell(self.sheet, value=title)
            cell.font = Font(bold=True)
            cell.fill = RESULT_HEADER_FILL
            header.append(cell)
        self._stream = _RowStream(self.sheet)
        row = self._stream.row(1)
        for position, cell in enumerate(header, start=1):
            self._stream.add_cell(row, cell, 1, position)
        self._stream.send(row)
        self._next_row = 2
        self._letters = [get_column_letter(n) for n in range(1, len(columns) + 3)]
        self._style_ids: dict[object, str] = {}  # style ids, taken as openpyxl first writes them
        # The styles of the last two columns, registered once: each row's cells copy them
        # (a style set per cell looked the style up in the workbook's tables every time).
        self._good = WriteOnlyCell(self.sheet)
        self._good.fill = GOOD_FILL
        self._bad = WriteOnlyCell(self.sheet)
        self._bad.fill = BAD_FILL
        self._detail = WriteOnlyCell(self.sheet)
        self._detail.alignment = Alignment(wrap_text=True, vertical="top")

    def _cell(self, value, like: WriteOnlyCell) -> WriteOnlyCell:
        cell = WriteOnlyCell(self.sheet, value=value)
        cell._style = copy(like._style)
        return cell

    def _style_id(self, key, like: WriteOnlyCell) -> str:
        """The style id of a cell styled as ``like``, registered when first needed (as
        openpyxl registers a style when it first writes a cell of it)."""
        style = self._style_ids.get(key)
        if style is None:
            style = self._style_ids[key] = f"{like.style_id}"
        return style

    def _number_style(self, column: Column) -> str:
        key = ("number", column.parser.number_format)
        if key not in self._style_ids:
            like = WriteOnlyCell(self.sheet)
            like.number_format = column.parser.number_format
            return self._style_id(key, like)
        return self._style_ids[key]

    def write(
        self,
        *,
        number: int,
        values: tuple,
        messages: dict[int, list[str]],
        result: str,
        problems: list[str],
        good: bool,
    ) -> None:
        """Row ``number`` (Excel's numbering, as uploaded; skipped blank rows stay blank):
        ``messages`` by column position, ``result`` and ``problems`` for the last columns."""
        stream = self._stream
        while self._next_row < number:
            stream.send(stream.row(self._next_row))
            self._next_row += 1
        letters = self._letters
        suffix = f"{number}"
        row = stream.row(number)
        for position, (column, value) in enumerate(zip(self.columns, values, strict=True)):
            value = _safe(value)
            bad = position in messages
            if not bad:
                if value is None:
                    continue
                if _plain_text(value):  # as openpyxl writes a bare value (the common case)
                    _text_cell(row, letters[position] + suffix, value, None)
                    continue
                if _plain_number(value):
                    number_cell = SubElement(
                        row,
                        "c",
                        {
                            "r": letters[position] + suffix,
                            "s": self._number_style(column),
                            "t": "n",
                        },
                    )
                    SubElement(number_cell, "v").text = safe_string(value)
                    continue
                if isinstance(value, str) and not looks_like(value):
                    stream.add_cell(
                        row, WriteOnlyCell(self.sheet, value=value), number, position + 1
                    )
                    continue  # an error value or overlong text, as a bare value
            cell = WriteOnlyCell(self.sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
                protect(cell)
            else:
                cell.number_format = column.parser.number_format  # dates stay dates
            if bad:
                cell.fill = BAD_FILL
                cell.font = BAD_FONT
                text = "\n".join(messages[position])
                comment = Comment(text, COMMENT_AUTHOR)
                comment.width = 300
                comment.height = 40 + 20 * text.count("\n")
                cell.comment = comment
            stream.add_cell(row, cell, number, position + 1)
        count = len(self.columns)
        like = self._good if good else self._bad
        if _plain_text(result):
            _text_cell(row, letters[count] + suffix, result, self._style_id(good, like))
        else:
            stream.add_cell(row, protect(self._cell(result, like)), number, count + 1)
        detail = _safe("\n".join(problems))
        if _plain_text(detail):
            _text_cell(
                row, letters[count + 1] + suffix, detail, self._style_id("detail", self._detail)
            )
        else:
            cell = self._cell(detail, self._detail)
            cell.data_type = "s"
            stream.add_cell(row, protect(cell), number, count + 2)
        stream.send(row)
        self._next_row = number + 1

    def save(self, path) -> None:
        self.workbook.save(path)

    def discard(self) -> None:
        """Remove the rows written so far (openpyxl keeps them in a temporary file until
        the workbook is saved, and a worker lives long)."""
        writer = getattr(self.sheet, "_writer", None)
        if writer is None:
            return
        with contextlib.suppress(Exception):
            self.sheet.close()  # ends the row stream and closes its file
        if os.path.exists(writer.out):
            with contextlib.suppress(OSError, ValueError):
                writer.cleanup()
