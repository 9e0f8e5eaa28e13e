"""The result workbook: the uploaded rows as they were, bad cells filled red with a comment
carrying the messages, and each row's result at the end. Written in write-only mode, row
by row, so it costs as little memory as reading does; once corrected it uploads again as
a template (the reader ignores the result columns)."""

import contextlib
import os
from copy import copy

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from kernel.xlsx import looks_like_formula as looks_like
from kernel.xlsx import protect

from .columns import RESULT_HEADERS, Column
from .template import DATA_SHEET, format_data_sheet, header_cell_style

BAD_FILL = PatternFill("solid", fgColor="FFC7CE")
BAD_FONT = Font(color="9C0006")
GOOD_FILL = PatternFill("solid", fgColor="C6EFCE")
RESULT_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
COMMENT_AUTHOR = "导入检查"


def _safe(value):
    """A value to write back: text without XML-illegal characters."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


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
        self.sheet.append(header)
        self._next_row = 2
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
        while self._next_row < number:
            self.sheet.append([])
            self._next_row += 1
        cells = []
        for position, (column, value) in enumerate(zip(self.columns, values, strict=True)):
            value = _safe(value)
            bad = position in messages
            if not bad and (value is None or (isinstance(value, str) and not looks_like(value))):
                cells.append(value)  # plain text needs no cell object (the common case)
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
            cells.append(cell)
        status = protect(self._cell(result, self._good if good else self._bad))
        detail = self._cell(_safe("\n".join(problems)), self._detail)
        detail.data_type = "s"
        protect(detail)
        self.sheet.append([*cells, status, detail])
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
