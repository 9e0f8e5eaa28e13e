"""Reading an uploaded workbook as a stream of rows, never the whole sheet at once.

openpyxl's read-only mode parses the sheet's XML as it is iterated, so memory stays flat
whatever the row count (the shared-strings table aside, which the size caps bound).
"""

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from xml.etree.ElementTree import ParseError

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from ..models import ListingType
from .columns import RESULT_HEADERS, Column, columns_for, normalize_header
from .template import DATA_SHEET

# What openpyxl and zipfile raise on a damaged or foreign file.
READ_ERRORS = (
    zipfile.BadZipFile,
    InvalidFileException,
    ParseError,
    KeyError,
    ValueError,
    TypeError,
    IndexError,
    AttributeError,
    OSError,
    EOFError,
)


class UnreadableWorkbook(Exception):
    """The file is a zip with a workbook part, but openpyxl cannot read it."""


class RowBudgetExceeded(Exception):
    """More rows (blank ones included) than the reader may go through."""


class StringBudgetExceeded(Exception):
    """The shared-strings table holds more strings or bytes than a template could need."""


class _CountingReader:
    """A file wrapper that refuses to be read past ``limit`` decompressed bytes."""

    def __init__(self, raw, limit: int) -> None:
        self.raw = raw
        self.limit = limit
        self.read_bytes = 0

    def read(self, size: int = -1) -> bytes:
        chunk = self.raw.read(64 * 1024 if size is None or size < 0 else min(size, 64 * 1024))
        self.read_bytes += len(chunk)
        if self.read_bytes > self.limit:
            raise StringBudgetExceeded
        return chunk


def check_shared_strings(file, *, max_strings: int, max_bytes: int) -> int:
    """Stream the workbook's shared-strings table (never held whole), stopping as soon as it
    holds more than ``max_strings`` strings or ``max_bytes`` decompressed bytes: openpyxl
    loads that table whole when it opens a workbook, so it is bounded before that.
    Returns the number of strings."""
    from xml.etree.ElementTree import iterparse

    try:
        with zipfile.ZipFile(file) as archive:
            names = [n for n in archive.namelist() if n.lower().endswith("sharedstrings.xml")]
            count = 0
            for name in names:
                with archive.open(name) as member:
                    stream = _CountingReader(member, max_bytes)
                    for _, element in iterparse(stream, events=("end",)):
                        if element.tag.rsplit("}", 1)[-1] == "si":
                            count += 1
                            if count > max_strings:
                                raise StringBudgetExceeded
                            element.clear()
            return count
    except READ_ERRORS as exc:
        raise UnreadableWorkbook(str(exc)) from exc


@dataclass
class WrongTemplate(Exception):
    template: str  # the Chinese name of the expected template
    missing: list[str]
    unknown: list[str]


@dataclass(frozen=True)
class SheetRow:
    number: int  # the row number in Excel (the header is row 1)
    values: tuple  # one value per template column, in the template's order


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class WorkbookReader:
    """``with WorkbookReader(file, type) as reader: for row in reader.rows(): ...``

    Opening checks the header row against ``type``'s template (WrongTemplate).
    """

    def __init__(self, file, type: str, *, row_budget: int | None = None) -> None:
        self.file = file
        self.type = type
        self.row_budget = row_budget  # rows gone through, blank ones too (RowBudgetExceeded)
        self.columns: tuple[Column, ...] = columns_for(type)
        self._workbook = None
        self._sheet = None
        self._positions: list[int | None] = []

    def __enter__(self) -> "WorkbookReader":
        try:
            self._workbook = load_workbook(self.file, read_only=True, data_only=True)
            names = self._workbook.sheetnames
            self._sheet = self._workbook[DATA_SHEET if DATA_SHEET in names else names[0]]
            # The stored dimension can be wrong or missing (some writers never update it),
            # and read-only iteration would stop at it: read every row there is.
            self._sheet.reset_dimensions()
            header = next(self._sheet.iter_rows(min_row=1, max_row=1, values_only=True), ())
        except READ_ERRORS as exc:
            self.close()
            raise UnreadableWorkbook(str(exc)) from exc
        try:
            self._positions = self._match_header(header)
        except WrongTemplate:
            self.close()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        if self._workbook is not None:
            self._workbook.close()  # read-only mode keeps the zip open until closed
            self._workbook = None

    def _match_header(self, header: tuple) -> list[int | None]:
        found: dict[str, int] = {}
        unknown: list[str] = []
        for position, cell in enumerate(header):
            name = normalize_header(cell)
            if not name or name in RESULT_HEADERS:
                continue
            if name in found or name not in {c.header for c in self.columns}:
                unknown.append(name)
            else:
                found[name] = position
        missing = [c.header for c in self.columns if c.header not in found]
        if missing or unknown:
            raise WrongTemplate(str(ListingType(self.type).label), missing, unknown)
        return [found[c.header] for c in self.columns]

    def rows(self) -> Iterator[SheetRow]:
        """The data rows below the header, blank rows skipped, as the template's columns."""
        positions = self._positions
        iterator = self._sheet.iter_rows(min_row=2, values_only=True)
        number = 1
        while True:
            try:
                raw = next(iterator, None)
            except READ_ERRORS as exc:
                raise UnreadableWorkbook(str(exc)) from exc
            if raw is None:
                return
            number += 1
            if self.row_budget is not None and number - 1 > self.row_budget:
                raise RowBudgetExceeded
            values = tuple(raw[p] if p < len(raw) else None for p in positions)
            if all(_blank(value) for value in values):
                continue
            yield SheetRow(number=number, values=values)

    def count_rows(self, *, stop_after: int) -> int:
        """The number of data rows, counting no further than ``stop_after``."""
        count = 0
        for _ in self.rows():
            count += 1
            if count >= stop_after:
                break
        return count
