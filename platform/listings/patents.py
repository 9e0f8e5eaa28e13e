"""Patent auto-fill (F6): search the patent information service by name, pick a result, and
get its key fields to fill a listing with.

``settings.PATENT_PROVIDER`` names the provider class (an import path). A provider has
``search(title, *, limit)`` and ``lookup(number)`` and raises
``DomainError(PATENT_SERVICE_UNAVAILABLE)`` when it cannot answer.

- ``LocalRegistryProvider`` (the default) reads the local registry, ``PatentRecord`` rows that
  staff load from CSV with ``manage.py patents_load`` (see ``patent_registry_load``).
- ``HttpPatentProvider`` asks a real service at ``settings.PATENT_SERVICE_URL``.

The HTTP service's contract
---------------------------
Both requests carry ``Authorization: Bearer <PATENT_SERVICE_KEY>`` when a key is set, and
wait at most ``PATENT_SERVICE_TIMEOUT`` seconds.

``GET {PATENT_SERVICE_URL}/patents?title=<name>&limit=<n>`` answers 200 with::

    {"results": [<patent>, ...]}

``GET {PATENT_SERVICE_URL}/patents/<canonical number, e.g. ZL202110123456.7>`` answers 200
with one ``<patent>``, or 404 when the service does not know the number. A ``<patent>`` is::

    {
      "number": "ZL202110123456.7",      any accepted form (ZL/CN prefix, spaces, dot)
      "title": "一种……的方法",
      "type": "INVENTION",               INVENTION | UTILITY_MODEL | DESIGN
      "applicationDate": "2021-01-05",   YYYY-MM-DD or null
      "grantDate": "2023-06-30",         YYYY-MM-DD or null
      "holders": ["江苏示范大学"],
      "inventors": ["张三", "李四"],
      "ipc": ["H01L 21/02"],
      "legalStatus": "GRANTED",          GRANTED | PENDING | OTHER, or (issue 14) LAPSED
                                         (fees unpaid) | INVALIDATED | EXPIRED |
                                         TRANSFERRED | PLEDGED
      "abstract": "本发明公开了……"
    }

A search result whose number is not a valid Chinese patent number is dropped. The number's
type digit decides the patent type (the listing form checks the same rule); ``type`` is used
only when it agrees. Unknown or missing optional values become empty (no date, no names,
legal status OTHER). Any other answer (another status, a body that is not this JSON, no answer
in time) makes the service unavailable for that request.
"""

import csv
import http.client
import json
import logging
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils.module_loading import import_string

from kernel.errors import DomainError

from .errors import ListingErrorCode, PatentServiceErrorCode
from .models import LegalStatus, PatentRecord, PatentType
from .patent_numbers import normalize_ipc, parse_patent_number

logger = logging.getLogger(__name__)

SEARCH_MIN_LENGTH = 2
SEARCH_MAX_RESULTS = 20
# An answer larger than this is not a list of at most 20 patents: refuse it unread.
MAX_ANSWER_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class PatentInfo:
    """A patent's key fields as the information service knows them."""

    number: str  # canonical, ZL202110123456.7
    title: str
    patent_type: PatentType
    application_date: date | None
    grant_date: date | None
    rights_holders: list[str]
    inventors: list[str]
    ipc_classes: list[str]
    legal_status: LegalStatus
    abstract: str


class PatentProvider(Protocol):
    def search(self, title: str, *, limit: int) -> list[PatentInfo]:
        """Patents whose name matches ``title``, at most ``limit``."""
        ...

    def lookup(self, number: str) -> PatentInfo | None:
        """The patent with this number (any accepted form), or None if unknown."""
        ...


def _unavailable() -> DomainError:
    return DomainError(PatentServiceErrorCode.PATENT_SERVICE_UNAVAILABLE)


# -- the local registry ----------------------------------------------------------------


def _from_record(record: PatentRecord) -> PatentInfo:
    return PatentInfo(
        number=record.number,
        title=record.title,
        patent_type=PatentType(record.patent_type),
        application_date=record.application_date,
        grant_date=record.grant_date,
        rights_holders=list(record.rights_holders),
        inventors=list(record.inventors),
        ipc_classes=list(record.ipc_classes),
        legal_status=LegalStatus(record.legal_status),
        abstract=record.abstract,
    )


class LocalRegistryProvider:
    """The ``PatentRecord`` table: a name matches when it contains every whitespace-separated
    term of the search (so the whole search, when it has no spaces)."""

    def search(self, title: str, *, limit: int) -> list[PatentInfo]:
        terms = title.split()
        if not terms:
            return []
        matches = Q()
        for term in terms:
            matches &= Q(title__icontains=term)
        records = PatentRecord.objects.filter(matches).order_by(
            F("application_date").desc(nulls_last=True), "-number"
        )
        return [_from_record(record) for record in records[:limit]]

    def lookup(self, number: str) -> PatentInfo | None:
        parsed = parse_patent_number(number)
        if parsed is None:
            return None
        record = PatentRecord.objects.filter(number=parsed.canonical).first()
        return _from_record(record) if record else None


# -- the HTTP service ------------------------------------------------------------------


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _names(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    return [name for name in (_text(item) for item in value) if name]


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) and value else None
    except ValueError:
        return None


def _from_json(item: Any) -> PatentInfo | None:
    """The patent in one JSON object of the contract above, or None if its number is not
    a valid patent number."""
    if not isinstance(item, dict):
        return None
    number = item.get("number")
    parsed = parse_patent_number(number) if isinstance(number, str) else None
    if parsed is None:
        return None
    legal_status = item.get("legalStatus")
    return PatentInfo(
        number=parsed.canonical,
        title=_text(item.get("title")),
        patent_type=PatentType(parsed.patent_type),
        application_date=_date(item.get("applicationDate")),
        grant_date=_date(item.get("grantDate")),
        rights_holders=_names(item.get("holders")),
        inventors=_names(item.get("inventors")),
        ipc_classes=_names(item.get("ipc")),
        legal_status=(
            LegalStatus(legal_status) if legal_status in LegalStatus.values else LegalStatus.OTHER
        ),
        abstract=_text(item.get("abstract")),
    )


_NOT_FOUND = object()


class HttpPatentProvider:
    """Adapter for a patent information service over HTTP (the contract is above)."""

    def search(self, title: str, *, limit: int) -> list[PatentInfo]:
        answer = self._get("/patents", {"title": title, "limit": limit})
        results = answer.get("results") if isinstance(answer, dict) else None
        if not isinstance(results, list):
            logger.warning("patent service: a search answer without a results list")
            raise _unavailable()
        patents = [patent for patent in map(_from_json, results) if patent is not None]
        return patents[:limit]

    def lookup(self, number: str) -> PatentInfo | None:
        parsed = parse_patent_number(number)
        if parsed is None:
            return None
        answer = self._get(f"/patents/{urllib.parse.quote(parsed.canonical)}", not_found_ok=True)
        if answer is _NOT_FOUND:
            return None
        patent = _from_json(answer)
        if patent is None:
            logger.warning("patent service: a lookup answer without a valid number")
            raise _unavailable()
        return patent

    def _get(self, path: str, query: dict | None = None, *, not_found_ok: bool = False) -> Any:
        """The decoded JSON answer; ``_NOT_FOUND`` for a 404 when ``not_found_ok``."""
        base = (settings.PATENT_SERVICE_URL or "").rstrip("/")
        if not base:
            logger.error("patent service: PATENT_SERVICE_URL is not set")
            raise _unavailable()
        url = base + path + (f"?{urllib.parse.urlencode(query)}" if query else "")
        headers = {"Accept": "application/json"}
        if settings.PATENT_SERVICE_KEY:
            headers["Authorization"] = f"Bearer {settings.PATENT_SERVICE_KEY}"
        request = urllib.request.Request(url, headers=headers, method="GET")
        try:
            # urlopen follows redirects and raises HTTPError for any other non-2xx answer.
            with urllib.request.urlopen(request, timeout=settings.PATENT_SERVICE_TIMEOUT) as answer:
                body = answer.read(MAX_ANSWER_BYTES + 1)
            if len(body) > MAX_ANSWER_BYTES:
                raise ValueError(f"answer larger than {MAX_ANSWER_BYTES} bytes")
            return json.loads(body.decode("utf-8"))
        except urllib.error.HTTPError as exc:
            exc.close()
            if exc.code == 404 and not_found_ok:
                return _NOT_FOUND
            logger.warning("patent service: GET %s answered HTTP %s", path, exc.code)
            raise _unavailable() from exc
        except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
            # ValueError covers malformed JSON and bodies that are not UTF-8.
            logger.warning("patent service: GET %s failed: %s", path, exc)
            raise _unavailable() from exc


def get_patent_provider() -> PatentProvider:
    return import_string(settings.PATENT_PROVIDER)()


# -- services --------------------------------------------------------------------------


def patent_search(*, title: str, limit: int = 10) -> list[PatentInfo]:
    """Patents whose name matches ``title`` (at least 2 characters), at most ``limit``
    (1 to 20)."""
    title = (title or "").strip()
    if len(title) < SEARCH_MIN_LENGTH:
        raise DomainError(
            PatentServiceErrorCode.PATENT_SEARCH_TOO_SHORT,
            field="title",
            params={"minimum": SEARCH_MIN_LENGTH},
        )
    limit = max(1, min(limit, SEARCH_MAX_RESULTS))
    return get_patent_provider().search(title, limit=limit)


def patent_lookup(*, number: str) -> PatentInfo:
    """The patent with this number (any accepted form)."""
    parsed = parse_patent_number(number)
    if parsed is None:
        raise DomainError(ListingErrorCode.PATENT_NUMBER_INVALID, field="number")
    patent = get_patent_provider().lookup(parsed.canonical)
    if patent is None:
        raise DomainError(PatentServiceErrorCode.PATENT_NOT_FOUND, field="number")
    return patent


# -- loading the local registry from CSV ------------------------------------------------

DEMO_PATENTS_CSV = Path(__file__).resolve().parent / "fixtures" / "demo_patents.csv"

CSV_COLUMNS = (
    "专利号",
    "专利名称",
    "专利类型",
    "申请日",
    "授权日",
    "专利权人",
    "发明人",
    "IPC分类号",
    "法律状态",
    "摘要",
)
REQUIRED_COLUMNS = ("专利号", "专利名称", "专利类型", "法律状态")
LOAD_BATCH_SIZE = 500
TITLE_LIMIT = PatentRecord._meta.get_field("title").max_length

_LIST_SEPARATOR = re.compile(r"[;；]")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_UPDATE_FIELDS = [
    "title",
    "patent_type",
    "application_date",
    "grant_date",
    "rights_holders",
    "inventors",
    "ipc_classes",
    "legal_status",
    "abstract",
    "updated_at",
]


class PatentCsvHeaderError(ValueError):
    """The file's first row is not the registry's header: nothing was loaded."""


@dataclass(frozen=True)
class PatentLoadReport:
    loaded: int
    skipped: int


def _choice(value: str, choices: type[PatentType] | type[LegalStatus]) -> str | None:
    """The enum value for a value or a Chinese label (either kind of brackets)."""
    wanted = value.replace("(", "（").replace(")", "）")
    for member in choices:
        if value == member.value or wanted == member.label:
            return member.value
    return None


def _csv_date(value: str, column: str) -> date | None:
    if not value:
        return None
    try:
        if not _DATE.match(value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{column} is not a date YYYY-MM-DD: {value}") from None


def _record_from_row(row: dict[str, str]) -> PatentRecord:
    """The record in one CSV row; ValueError says what is wrong with it."""
    values = {column: (row.get(column) or "").strip() for column in CSV_COLUMNS}
    missing = [column for column in REQUIRED_COLUMNS if not values[column]]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    number = parse_patent_number(values["专利号"])
    if number is None:
        raise ValueError(f"专利号 is not a valid patent number: {values['专利号']}")
    patent_type = _choice(values["专利类型"], PatentType)
    if patent_type is None:
        raise ValueError(f"unknown 专利类型: {values['专利类型']}")
    if patent_type != number.patent_type:
        raise ValueError(
            f"专利类型 {values['专利类型']} does not match the number's type "
            f"({PatentType(number.patent_type).label})"
        )
    legal_status = _choice(values["法律状态"], LegalStatus)
    if legal_status is None:
        raise ValueError(f"unknown 法律状态: {values['法律状态']}")
    if len(values["专利名称"]) > TITLE_LIMIT:
        raise ValueError(f"专利名称 is longer than {TITLE_LIMIT} characters")
    application_date = _csv_date(values["申请日"], "申请日")
    grant_date = _csv_date(values["授权日"], "授权日")
    if application_date and grant_date and grant_date < application_date:
        raise ValueError("授权日 is before 申请日")
    ipc_classes = []
    for ipc in _split(values["IPC分类号"]):
        normalized = normalize_ipc(ipc)
        if normalized is None:
            raise ValueError(f"IPC分类号 is not like H01L 21/02: {ipc}")
        ipc_classes.append(normalized)
    return PatentRecord(
        number=number.canonical,
        title=values["专利名称"],
        patent_type=patent_type,
        application_date=application_date,
        grant_date=grant_date,
        rights_holders=_split(values["专利权人"]),
        inventors=_split(values["发明人"]),
        ipc_classes=ipc_classes,
        legal_status=legal_status,
        abstract=values["摘要"],
    )


def _split(value: str) -> list[str]:
    return [part for part in (item.strip() for item in _LIST_SEPARATOR.split(value)) if part]


def _upsert(batch: dict[str, PatentRecord]) -> None:
    PatentRecord.objects.bulk_create(
        batch.values(),
        update_conflicts=True,
        unique_fields=["number"],
        update_fields=_UPDATE_FIELDS,
    )


@transaction.atomic
def patent_registry_load(
    *,
    lines: Iterable[str],
    replace: bool = False,
    on_skip: Callable[[int, str], None] | None = None,
) -> PatentLoadReport:
    """Load the local patent registry from CSV ``lines`` (a file opened with
    ``encoding="utf-8-sig", newline=""``): the header is ``CSV_COLUMNS`` in any order, list
    fields are separated by ``;`` or ``；``, types and legal statuses are Chinese labels or
    enum values.

    Valid rows are upserted by canonical number (a later row of the same number wins); a bad
    row is skipped and reported to ``on_skip(row, reason)``, rows counted from 1 for the
    header. With ``replace`` the registry holds only the file's valid rows afterwards. One
    transaction; the file is read in batches, never whole.
    """
    reader = csv.DictReader(lines)
    header = reader.fieldnames or []
    if len(set(header)) != len(header) or set(header) != set(CSV_COLUMNS):
        raise PatentCsvHeaderError(
            f"the header must be the columns {','.join(CSV_COLUMNS)}; found {','.join(header)}"
        )
    if replace:
        PatentRecord.objects.all().delete()
    loaded = skipped = 0
    batch: dict[str, PatentRecord] = {}
    for row_number, row in enumerate(reader, start=2):
        try:
            if None in row or None in row.values():
                raise ValueError(f"expected {len(CSV_COLUMNS)} columns")
            record = _record_from_row(row)
        except ValueError as exc:
            skipped += 1
            if on_skip:
                on_skip(row_number, str(exc))
            continue
        loaded += 1
        batch.pop(record.number, None)
        batch[record.number] = record
        if len(batch) >= LOAD_BATCH_SIZE:
            _upsert(batch)
            batch = {}
    if batch:
        _upsert(batch)
    return PatentLoadReport(loaded=loaded, skipped=skipped)
