"""The result workbook: the uploaded rows as they were, bad cells filled red with a comment
carrying the messages, and each row's result at the end. Written in write-only mode, row
by row, so it costs as little memory as reading does; once corrected it uploads again as
a template (the reader ignores the result columns).

The rows reach the sheet's XML stream through ``_RowStream``, not openpyxl's own
write-only path, which makes a cell object per value and serializes it attribute by
attribute in Python: that was most of the check's time beyond reading the upload. A cell
that is plain text or a plain number is written here as openpyxl writes it; any other cell
(a bad cell with its comment, text that looks like a formula, a date, an error value...) is
made and written by openpyxl itself, as before. A batch of rows is parsed back into
elements at once (libxml2) and handed to the stream, which is UTF-8 (openpyxl's writes each
Chinese character as a reference, ``&#19987;``: three times the bytes to write and
compress). ``tests/platform/listings/test_import_result.py`` checks that the workbook reads
the same as openpyxl's own writing of it.
"""

import contextlib
import os
from contextlib import contextmanager
from copy import copy

from lxml import etree
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell._writer import write_cell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.comments.comment_sheet import CommentRecord
from openpyxl.compat import safe_string
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.xml.constants import SHEET_MAIN_NS
from openpyxl.xml.functions import Element, SubElement, xmlfile

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
FLUSH_ROWS = 200  # rows parsed back into elements at once
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


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


def _escape(text: str) -> str:
    """``text`` as XML character data that parses back to exactly ``text`` (a carriage
    return would read as a line feed)."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if "\r" in text:
        text = text.replace("\r", "&#13;")
    return text


def _attribute(value) -> str:
    text = _escape(f"{value}").replace('"', "&quot;")
    return text.replace("\n", "&#10;").replace("\t", "&#9;")


def _text_cell(reference: str, text: str, style: str | None) -> str:
    """``<c r="A2" t="inlineStr"><is><t>text</t></is></c>``, as openpyxl's lxml writer
    writes a text cell."""
    styled = f' s="{style}"' if style is not None else ""
    if text == "":
        return f'<c r="{reference}"{styled} t="inlineStr"></c>'
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f'<c r="{reference}"{styled} t="inlineStr"><is><t{space}>{_escape(text)}</t></is></c>'


def header_cells(sheet, columns) -> list[WriteOnlyCell]:
    """The data sheet formatted (the template's widths and validations, the result
    columns' widths) and its header row: the template's headings, then the result's."""
    format_data_sheet(sheet, columns)
    for offset, width in enumerate((12, 60)):
        sheet.column_dimensions[get_column_letter(len(columns) + offset + 1)].width = width
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.heading)
        header_cell_style(cell, column)
        header.append(cell)
    for title in RESULT_HEADERS:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = Font(bold=True)
        cell.fill = RESULT_HEADER_FILL
        header.append(cell)
    return header


def result_styles(sheet) -> tuple[WriteOnlyCell, WriteOnlyCell, WriteOnlyCell]:
    """The styles of the last two columns (a good row's status, a bad one's, the detail),
    registered once: each row's cells copy them (a style set per cell looked the style up
    in the workbook's tables every time)."""
    good = WriteOnlyCell(sheet)
    good.fill = GOOD_FILL
    bad = WriteOnlyCell(sheet)
    bad.fill = BAD_FILL
    detail = WriteOnlyCell(sheet)
    detail.alignment = Alignment(wrap_text=True, vertical="top")
    return good, bad, detail


def styled_cell(sheet, value, like: WriteOnlyCell) -> WriteOnlyCell:
    """A cell holding ``value`` with the style of ``like``."""
    cell = WriteOnlyCell(sheet, value=value)
    cell._style = copy(like._style)
    return cell


class _ElementBuilder:
    """What openpyxl's cell writer needs of lxml's stream (``element``, ``write``), building
    the elements under ``parent`` instead."""

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


class _Utf8SheetWriter(WorksheetWriter):
    """openpyxl's sheet writer (``WorksheetWriter.get_stream``) with its stream in UTF-8,
    which is what an xlsx part is read as when it declares nothing."""

    def get_stream(self):
        with (
            xmlfile(self.out, encoding="utf-8") as xf,
            xf.element("worksheet", xmlns=SHEET_MAIN_NS),
        ):
            try:
                while True:
                    element = yield
                    if element is True:
                        yield xf
                    elif element is not None:
                        xf.write(element)
            except GeneratorExit:
                pass


class _RowStream:
    """The write-only sheet's row stream, fed rows as XML text.

    It replaces the sheet's writer and row stream (``WriteOnlyWorksheet._get_writer`` and
    ``_write_rows``) with the same opening and closing, so the sheet's ``close`` and the
    workbook's ``save`` end them as before (``flush`` first)."""

    def __init__(self, sheet) -> None:
        self.sheet = sheet
        sheet._writer = _Utf8SheetWriter(sheet)
        sheet._writer.write_top()
        sheet._rows = self._stream()
        next(sheet._rows)
        self._pending: list[str] = []

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

    def row_start(self, number: int) -> str:
        """A ``<row>`` start tag, as openpyxl opens one (with its row dimensions)."""
        attributes = {"r": f"{number}"}
        attributes.update(self.sheet.row_dimensions.get(number, {}))
        return "<row" + "".join(f' {k}="{_attribute(v)}"' for k, v in attributes.items()) + ">"

    def cell(self, cell: WriteOnlyCell, number: int, column: int) -> str:
        """``cell`` at ``column`` (from 1) of row ``number`` as openpyxl writes it (its
        comment recorded for the sheet's comments part, as its own row writer does)."""
        cell.row = number
        cell.column = column
        if cell._comment is not None:
            self.sheet._comments.append(CommentRecord.from_cell(cell))
        if cell._value is None and not cell.has_style and not cell._comment:
            return ""
        holder = Element("row")
        write_cell(_ElementBuilder(holder), self.sheet, cell, cell.has_style)
        return "".join(etree.tostring(child, encoding="unicode") for child in holder)

    def add(self, row: str) -> None:
        self._pending.append(row)
        if len(self._pending) >= FLUSH_ROWS:
            self.flush()

    def flush(self) -> None:
        if not self._pending:
            return
        rows = etree.fromstring("<rows>" + "".join(self._pending) + "</rows>", _PARSER)
        self._pending = []
        send = self.sheet._rows.send
        for row in rows:
            send(row)


class ResultWorkbook:
    """``write`` each row in order, then ``save``."""

    def __init__(self, columns: tuple[Column, ...]) -> None:
        self.columns = columns
        self.workbook = Workbook(write_only=True)
        self.sheet = self.workbook.create_sheet(DATA_SHEET)
        header = header_cells(self.sheet, columns)
        self._stream = _RowStream(self.sheet)
        cells = "".join(
            self._stream.cell(cell, 1, position) for position, cell in enumerate(header, start=1)
        )
        self._stream.add(f"{self._stream.row_start(1)}{cells}</row>")
        self._next_row = 2
        self._letters = [get_column_letter(n) for n in range(1, len(columns) + 3)]
        # style ids, taken as openpyxl first writes them
        self._style_ids: dict[object, str | None] = {}
        self._good, self._bad, self._detail = result_styles(self.sheet)

    def _cell(self, value, like: WriteOnlyCell) -> WriteOnlyCell:
        return styled_cell(self.sheet, value, like)

    def _style_id(self, key, like: WriteOnlyCell) -> str | None:
        """The style id of a cell styled as ``like`` (None: no style, as openpyxl writes
        a cell whose style is all defaults), registered when first needed (as openpyxl
        registers a style when it first writes a cell of it)."""
        if key not in self._style_ids:
            self._style_ids[key] = f"{like.style_id}" if like.has_style else None
        return self._style_ids[key]

    def _number_style(self, column: Column) -> str | None:
        key = ("number", column.parser.number_format)
        if key not in self._style_ids:
            like = WriteOnlyCell(self.sheet)
            like.number_format = column.parser.number_format  # "General": no style at all
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
            stream.add(f"{stream.row_start(self._next_row)}</row>")
            self._next_row += 1
        letters = self._letters
        suffix = f"{number}"
        parts = [stream.row_start(number)]
        for position, (column, value) in enumerate(zip(self.columns, values, strict=True)):
            value = _safe(value)
            bad = position in messages
            if not bad:
                if value is None:
                    continue
                if _plain_text(value):  # as openpyxl writes a bare value (the common case)
                    parts.append(_text_cell(letters[position] + suffix, value, None))
                    continue
                if _plain_number(value):
                    style = self._number_style(column)
                    styled = "" if style is None else f' s="{style}"'
                    parts.append(
                        f'<c r="{letters[position]}{suffix}"{styled} t="n">'
                        f"<v>{safe_string(value)}</v></c>"
                    )
                    continue
                if isinstance(value, str) and not looks_like(value):
                    # an error value (#N/A) or overlong text, as a bare value
                    parts.append(
                        stream.cell(WriteOnlyCell(self.sheet, value=value), number, position + 1)
                    )
                    continue
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
            parts.append(stream.cell(cell, number, position + 1))
        count = len(self.columns)
        like = self._good if good else self._bad
        if _plain_text(result):
            parts.append(_text_cell(letters[count] + suffix, result, self._style_id(good, like)))
        else:
            parts.append(stream.cell(protect(self._cell(result, like)), number, count + 1))
        detail = _safe("\n".join(problems))
        if _plain_text(detail):
            style = self._style_id("detail", self._detail)
            parts.append(_text_cell(letters[count + 1] + suffix, detail, style))
        else:
            cell = self._cell(detail, self._detail)
            cell.data_type = "s"
            parts.append(stream.cell(protect(cell), number, count + 2))
        parts.append("</row>")
        stream.add("".join(parts))
        self._next_row = number + 1

    def save(self, path) -> None:
        self._stream.flush()
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
