"""Spreadsheet cells that are never formulas (OWASP CSV / formula injection).

Text a user typed (a listing's title, a name) may start with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return; Excel and LibreOffice would run it as a formula, next to buyers'
real names. Every workbook the product writes goes through :func:`text_safe` (write-only
rows) or :func:`protect` (cells of an ordinary sheet): such text is stored as a string cell
with Excel's quote prefix, shown as typed and never evaluated, even after editing.
"""

from typing import Any

from openpyxl.cell import WriteOnlyCell

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def protect(cell) -> Any:
    """Make ``cell`` text if its value would be read as a formula; returns the cell."""
    if looks_like_formula(cell.value):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def text_safe(sheet, value: Any) -> Any:
    """``value`` for a write-only ``sheet``'s row: itself, or a text cell when it would be
    read as a formula."""
    if looks_like_formula(value):
        return protect(WriteOnlyCell(sheet, value=value))
    return value


def safe_row(sheet, values) -> list:
    return [text_safe(sheet, value) for value in values]


def protect_sheet(sheet) -> None:
    """Protect every cell already written to an ordinary (not write-only) sheet."""
    for row in sheet.iter_rows():
        for cell in row:
            protect(cell)
