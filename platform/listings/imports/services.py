"""Batch import of listings (批量导入): upload a workbook, check it row by row in the worker,
then list (submit) its valid rows in one go.

Upload refuses a file that is not a usable workbook at once and changes nothing; the row
check runs in the worker (``listing_imports_process_queued``), streaming the sheet in
batches, saving each batch's rows and publishing progress; the commit re-checks the valid
rows inside its transaction and creates and submits their listings in bulk.
"""

import contextlib
import logging
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, connections, router, transaction
from django.db.models import Q
from django.utils import translation

from accounts.models import User
from agreements.models import AgreementKind
from agreements.services import agreement_check_accepted
from files.errors import FileErrorCode
from files.models import FileKind
from files.services import (
    MAX_EXPANSION,
    XLSX,
    file_save,
    file_store,
    max_bytes_for,
    spreadsheet_package,
)
from kernel.clock import now
from kernel.errors import CommonErrorCode, DomainError, ErrorCode
from live.events import LiveEvent, publish
from reviews.models import ReviewAction, ReviewRecord, ReviewStatus
from shops.errors import ShopErrorCode
from shops.models import Shop

from ..errors import ImportErrorCode, ListingErrorCode
from ..models import (
    ACTIVE_STATUSES,
    Listing,
    ListingImport,
    ListingImportRow,
    ListingImportRowStatus,
    ListingImportStatus,
    ListingStatus,
    ListingType,
)
from ..patent_numbers import parse_patent_number
from ..services import (
    SEASON_IDENTITIES,
    AchievementDetails,
    ListingForm,
    PatentDetails,
    entity_name_key,
    listing_snapshot,
    listing_validate,
    season_eligible,
)
from .columns import (
    CellInvalid,
    Choice,
    Column,
    cell_text,
    column_for_field,
    column_index,
    columns_for,
)
from .reader import (
    RowBudgetExceeded,
    StringBudgetExceeded,
    UnreadableWorkbook,
    WorkbookReader,
    WrongTemplate,
    check_shared_strings,
)
from .result import ResultWorkbook

logger = logging.getLogger(__name__)

FIELD = "file"
BATCH_SIZE = 500  # rows checked, saved and reported together
BLANK_ROWS_ALLOWED = 1000  # blank rows the worker walks through beyond the data-row cap
STRINGS_SLACK = 1000  # shared strings beyond one per cell of a full sheet (the header...)
STRING_BYTES_EACH = 512  # decompressed bytes per allowed shared string, on average
# A PROCESSING import not bumped for this long lost its worker; another one restarts it.
STALE_AFTER = timedelta(minutes=10)
TERMINAL_STATUSES = (
    ListingImportStatus.DONE,
    ListingImportStatus.FAILED,
    ListingImportStatus.COMMITTED,
)
DUPLICATE_CODES = {
    ImportErrorCode.DUPLICATE_IN_FILE.value,
    ImportErrorCode.ACHIEVEMENT_ALREADY_LISTED.value,
    ListingErrorCode.PATENT_ALREADY_LISTED.value,
}
_CODES: dict[str, ErrorCode] = {
    member.value: member
    for source in (CommonErrorCode, ListingErrorCode, ImportErrorCode)
    for member in source
}
NONE_MARK = "—"


def import_group(import_id: int) -> str:
    return f"listing_import.{import_id}"


def error_code(value: str) -> ErrorCode:
    return _CODES[value]


def error_message(code: str, params: dict | None = None) -> str:
    """A stored refusal's message in the active language."""
    return DomainError.Item(code=error_code(code), params=params or {}).message


# -- upload ---------------------------------------------------------------------------


def _open_shop(user: User, shop_id: int, *, field: str, lock: bool = False) -> Shop:
    shops = Shop.objects.select_related("identity__user__verification")
    if lock:
        shops = shops.select_for_update(of=("self",))
    shop = shops.filter(pk=shop_id, identity__user=user, status=ReviewStatus.APPROVED).first()
    if shop is None:
        raise DomainError(ShopErrorCode.SHOP_NOT_OPEN, field=field)
    return shop


def _wrong_template(exc: WrongTemplate) -> DomainError:
    return DomainError(
        ImportErrorCode.WRONG_TEMPLATE,
        field=FIELD,
        params={
            "template": exc.template,
            "missing": "、".join(exc.missing) or NONE_MARK,
            "unknown": "、".join(exc.unknown) or NONE_MARK,
        },
    )


def _check_workbook(upload, type: str) -> None:
    """Refuse what is not an xlsx workbook without macros, from its zip directory only."""
    if upload is None:
        raise DomainError(FileErrorCode.FILE_REQUIRED, field=FIELD)
    limit = max_bytes_for(FileKind.LISTING_IMPORT)
    too_large = DomainError(
        FileErrorCode.FILE_TOO_LARGE, field=FIELD, params={"limit_mb": limit // (1024 * 1024)}
    )
    if upload.size > limit:
        raise too_large
    if upload.size == 0:
        raise DomainError(FileErrorCode.FILE_EMPTY, field=FIELD)
    upload.seek(0)
    head = upload.read(len(XLSX.magic[0]))
    package = spreadsheet_package(upload)
    if head not in XLSX.magic or not package.readable or not package.workbook:
        raise DomainError(ImportErrorCode.NOT_AN_XLSX, field=FIELD)
    if package.macros:
        raise DomainError(ImportErrorCode.MACRO_NOT_ALLOWED, field=FIELD)
    if package.expanded_size > limit * MAX_EXPANSION:
        raise too_large
    upload.seek(0)


@transaction.atomic
def listing_import_upload(*, user: User, shop_id: int, type: str, upload) -> ListingImport:
    """Queue a workbook of ``type`` for checking, in one of the user's open shops.

    The request only looks at the zip's directory (cheap, bounded: not a workbook, macros,
    expands too much) and stores and queues; the sheets are read in the worker only, with
    a row and a shared-strings budget (``_check_rows``), where a wrong template, an empty
    sheet or too many rows end the import as FAILED with the reason."""
    shop = _open_shop(user, shop_id, field="shopId")
    _check_workbook(upload, type)
    source = file_store(upload=upload, kind=FileKind.LISTING_IMPORT, owner=user, field=FIELD)
    return ListingImport.objects.create(
        shop=shop, type=type, uploaded_by=user, source=source, total_rows=0
    )


# -- the row check (worker) -----------------------------------------------------------


@dataclass
class CheckedRow:
    number: int
    values: tuple
    form: ListingForm
    errors: list[dict] = field(default_factory=list)
    key: str = ""  # what makes two rows the same item: the patent number, the name
    ownership: str = ""

    @property
    def status(self) -> str:
        if not self.errors:
            return ListingImportRowStatus.VALID
        if all(error["code"] in DUPLICATE_CODES for error in self.errors):
            return ListingImportRowStatus.DUPLICATE
        return ListingImportRowStatus.INVALID


def _cell_error(column: Column | None, value, code: ErrorCode, params: dict) -> dict:
    if column is not None and isinstance(column.parser, Choice):
        # A choice named in a message reads as the label the seller picks, not its code.
        params = {
            name: column.parser.label_of(param) if isinstance(param, str) else param
            for name, param in params.items()
        }
    return {
        "column": column.header if column else "",
        "field": column.field if column else "",
        "value": cell_text(value) if column else "",
        "code": code.value,
        "params": {name: _json_param(param) for name, param in params.items()},
    }


def _by_column(errors: list[dict], columns: tuple[Column, ...]) -> list[dict]:
    """``errors`` left to right, as the row reads (a cell's own errors keep their order;
    an error of no column comes last)."""
    if len(errors) < 2:
        return list(errors)
    position = column_index(columns).by_header
    return sorted(errors, key=lambda error: position.get(error["column"], len(columns)))


def _json_param(value):
    return value if isinstance(value, (str, int, float, bool)) or value is None else str(value)


def _form(type: str, values: dict[tuple[str, ...], object]) -> ListingForm:
    top: dict = {}
    details: dict = {}
    for path, value in values.items():
        if len(path) == 1:
            top[path[0]] = value
        else:
            details[path[1]] = value
    for name in ("rights_holders", "inventors", "ipc_classes"):
        for target in (top, details):
            if name in target and target[name] is None:
                target[name] = []
    if type == ListingType.PATENT:
        return ListingForm(**top, patent=PatentDetails(**details))
    return ListingForm(**top, achievement=AchievementDetails(**details))


def _plain(value):
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    """A dataclass's field names, in order (``fields`` builds its list on every call)."""
    return tuple(item.name for item in fields(cls))


def form_to_data(form: ListingForm) -> dict:
    """The form as JSON (dates ISO, amounts as text); ``form_from_data`` reads it back."""
    data = {}
    for name in _field_names(type(form)):
        value = getattr(form, name)
        if name == "licence":  # no template column: terms are set on the listing form
            continue
        if name in ("patent", "achievement"):
            value = (
                None
                if value is None
                else {f: _plain(getattr(value, f)) for f in _field_names(type(value))}
            )
        data[name] = _plain(value)
    return data


def form_from_data(data: dict) -> ListingForm:
    data = dict(data)
    patent = data.pop("patent", None)
    achievement = data.pop("achievement", None)
    if data.get("start_price") is not None:
        data["start_price"] = Decimal(data["start_price"])
    if patent is not None:
        patent = dict(patent)
        for name in ("application_date", "grant_date"):
            if patent.get(name):
                patent[name] = date.fromisoformat(patent[name])
        patent = PatentDetails(**patent)
    if achievement is not None:
        achievement = AchievementDetails(**achievement)
    return ListingForm(**data, patent=patent, achievement=achievement)


def _duplicate_key(type: str, columns: tuple[Column, ...], values: tuple) -> str:
    """What makes two rows the same item: a patent's number (in any written form), an
    achievement's name (spaces and bracket widths aside)."""
    raw = cell_text(values[column_index(columns).by_field[_key_field(type)]])
    if type == ListingType.PATENT:
        number = parse_patent_number(raw)
        return number.canonical if number else ""
    return entity_name_key(raw)


def _key_field(type: str) -> str:
    return "patent.number" if type == ListingType.PATENT else "title"


def _key_column(type: str, columns: tuple[Column, ...]) -> Column:
    return column_for_field(columns, _key_field(type))


def _check_row(
    *, shop: Shop, type: str, columns: tuple[Column, ...], number: int, values: tuple
) -> CheckedRow:
    """Parse each cell, then judge the form as submission would (listing_validate)."""
    errors: list[dict] = []
    parsed: dict[tuple[str, ...], object] = {}
    bad_fields: set[str] = set()
    for column, value in zip(columns, values, strict=True):
        try:
            result = column.read(value)
        except CellInvalid as exc:
            errors.append(_cell_error(column, value, exc.code, exc.params))
            bad_fields.add(column.field)
            result = None
        if column.in_form:
            parsed[column.path] = result
    form = _form(type, parsed)
    row = CheckedRow(number=number, values=values, form=form, errors=errors)
    key = None
    try:
        listing = listing_validate(shop=shop, type=type, form=form)
    except DomainError as exc:
        by_field = column_index(columns).by_field
        for item in exc.items:
            if item.field in bad_fields:
                continue  # the cell could not be read; its parse error says why
            position = by_field.get(item.field)
            column = None if position is None else columns[position]
            value = None if position is None else values[position]
            errors.append(_cell_error(column, value, item.code, item.params))
    else:
        row.ownership = listing.ownership
        if type == ListingType.PATENT:
            # The number cell's text, parsed: what _duplicate_key would parse again.
            key = listing.patent_number
    # An unreadable patent number is also "missing"; the first reason is the one to show.
    if errors:
        specific = {e["field"] for e in errors if e["code"] != CommonErrorCode.REQUIRED.value}
        row.errors = _by_column(
            [
                e
                for e in errors
                if e["code"] != CommonErrorCode.REQUIRED.value or e["field"] not in specific
            ],
            columns,
        )
    row.key = _duplicate_key(type, columns, values) if key is None else key
    return row


def _active_keys(*, shop: Shop, type: str, keys: Iterable[str]) -> set[str]:
    """Which of ``keys`` an active listing already holds: a patent on the whole market, an
    achievement's name within the shop."""
    keys = {key for key in keys if key}
    if not keys:
        return set()
    active = Listing.objects.filter(status__in=ACTIVE_STATUSES)
    if type == ListingType.PATENT:
        return set(active.filter(patent_number__in=keys).values_list("patent_number", flat=True))
    titles = active.filter(shop=shop, type=ListingType.ACHIEVEMENT).values_list("title", flat=True)
    return {entity_name_key(title) for title in titles.iterator()} & keys


def _mark_duplicates(
    rows: list[CheckedRow], *, shop: Shop, type: str, columns, seen: dict[str, int]
) -> None:
    column = _key_column(type, columns)
    listed_code = (
        ListingErrorCode.PATENT_ALREADY_LISTED
        if type == ListingType.PATENT
        else ImportErrorCode.ACHIEVEMENT_ALREADY_LISTED
    )
    position = column_index(columns).by_field[column.field]
    listed = _active_keys(shop=shop, type=type, keys=(row.key for row in rows))
    for row in rows:
        if not row.key:
            continue
        value = row.values[position]
        if row.key in listed:
            row.errors.append(_cell_error(column, value, listed_code, {}))
        elif row.key in seen:
            row.errors.append(
                _cell_error(
                    column, value, ImportErrorCode.DUPLICATE_IN_FILE, {"row": seen[row.key]}
                )
            )
        row.errors = _by_column(row.errors, columns)
        seen.setdefault(row.key, row.number)


class _Superseded(Exception):
    """Another worker took this import over (this one was thought dead)."""


class _ImportFailed(Exception):
    def __init__(self, code: ImportErrorCode, **params) -> None:
        super().__init__(code.value)
        self.code = code
        self.params = params


def _batches(items: Iterator, size: int) -> Iterator[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


@dataclass(frozen=True, kw_only=True)
class ImportProgress(LiveEvent):
    """An import's counts after a batch of rows (and its end), to its owner's sockets."""

    TYPE = "listing_import.progress"
    id: int
    status: str
    total_rows: int
    processed_rows: int
    valid_rows: int
    invalid_rows: int
    duplicate_rows: int
    committed_rows: int
    error_code: str
    error_params: dict

    @classmethod
    def of(cls, listing_import: ListingImport) -> "ImportProgress":
        return cls(
            id=listing_import.pk,
            status=listing_import.status,
            total_rows=listing_import.total_rows,
            processed_rows=listing_import.processed_rows,
            valid_rows=listing_import.valid_rows,
            invalid_rows=listing_import.invalid_rows,
            duplicate_rows=listing_import.duplicate_rows,
            committed_rows=listing_import.committed_rows,
            error_code=listing_import.error_code,
            error_params=listing_import.error_params or {},
        )


def _publish_progress(listing_import: ListingImport) -> None:
    publish([(import_group(listing_import.pk), ImportProgress.of(listing_import))])


_COUNTS = ("processed_rows", "valid_rows", "invalid_rows", "duplicate_rows")


def _claim(queryset) -> ListingImport | None:
    """Take one import to check: queued, or checking by a worker that stopped reporting.
    ``skip_locked`` lets several workers claim different imports at the same time."""
    with transaction.atomic():
        listing_import = (
            queryset.select_for_update(skip_locked=True)
            .filter(
                Q(status=ListingImportStatus.QUEUED)
                | Q(status=ListingImportStatus.PROCESSING, updated_at__lt=now() - STALE_AFTER)
            )
            .order_by("created_at", "pk")
            .first()
        )
        if listing_import is None:
            return None
        listing_import.rows.all().delete()  # a takeover starts again from the top
        at = now()
        listing_import.status = ListingImportStatus.PROCESSING
        listing_import.started_at = at
        for name in _COUNTS:
            setattr(listing_import, name, 0)
        listing_import.save(update_fields=["status", "started_at", "updated_at", *_COUNTS])
        _publish_progress(listing_import)
    return listing_import


def _update_claimed(listing_import: ListingImport, **fields) -> None:
    """Save ``fields`` if this worker still holds the import (its claim time is unchanged)."""
    fields["updated_at"] = now()
    updated = ListingImport.objects.filter(
        pk=listing_import.pk,
        status=ListingImportStatus.PROCESSING,
        started_at=listing_import.started_at,
    ).update(**fields)
    if not updated:
        raise _Superseded
    for name, value in fields.items():
        setattr(listing_import, name, value)


def _insert_rows(rows: Iterable[dict]) -> None:
    """Insert ``ListingImportRow`` rows (attribute name -> value; a field left out takes
    its default) with one statement run for each row (executemany), every value prepared by
    its own model field, as ``bulk_create`` prepares it (the JSON fields encoded as they
    encode). A model instance per row and the ORM compiling each row's values field by
    field took half of a batch's save."""
    alias = router.db_for_write(ListingImportRow)
    connection = connections[alias]
    names = connection.ops.quote_name
    fields = [field for field in ListingImportRow._meta.concrete_fields if not field.primary_key]
    defaults = {field.attname: field.get_default() for field in fields}
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        names(ListingImportRow._meta.db_table),
        ", ".join(names(field.column) for field in fields),
        ", ".join(["%s"] * len(fields)),
    )
    params = [
        tuple(
            field.get_db_prep_save(row.get(field.attname, defaults[field.attname]), connection)
            for field in fields
        )
        for row in rows
    ]
    if params:
        with connection.cursor() as cursor:
            cursor.executemany(sql, params)


def _save_batch(listing_import: ListingImport, rows: list[CheckedRow]) -> None:
    with transaction.atomic():
        _insert_rows(
            {
                "listing_import_id": listing_import.pk,
                "row_number": row.number,
                "status": row.status,
                "data": form_to_data(row.form),
                "errors": row.errors,
                "ownership": row.ownership,
            }
            for row in rows
        )
        counts = {name: getattr(listing_import, name) for name in _COUNTS}
        counts["processed_rows"] += len(rows)
        for row in rows:
            name = {
                ListingImportRowStatus.VALID: "valid_rows",
                ListingImportRowStatus.INVALID: "invalid_rows",
                ListingImportRowStatus.DUPLICATE: "duplicate_rows",
            }[row.status]
            counts[name] += 1
        _update_claimed(listing_import, **counts)
        _publish_progress(listing_import)


def _write_result(result: ResultWorkbook, columns, rows: list[CheckedRow]) -> None:
    by_field = column_index(columns).by_field
    with translation.override(settings.LANGUAGE_CODE):
        labels: dict[str, str] = {}  # each status's label, translated once per batch
        for row in rows:
            messages: dict[int, list[str]] = {}
            problems = []
            for error in row.errors:
                message = error_message(error["code"], error["params"])
                position = by_field.get(error["field"])
                if position is not None:
                    messages.setdefault(position, []).append(message)
                problems.append(f"{error['column']}：{message}" if error["column"] else message)
            status = row.status
            label = labels.get(status)
            if label is None:
                label = labels[status] = str(ListingImportRowStatus(status).label)
            result.write(
                number=row.number,
                values=row.values,
                messages=messages,
                result=label,
                problems=problems,
                good=status == ListingImportRowStatus.VALID,
            )


def _copy_source(listing_import: ListingImport, path: Path) -> None:
    """A local, seekable copy of the upload, whatever the storage backend."""
    with (
        default_storage.open(listing_import.source.stored_name, "rb") as source,
        open(path, "wb") as target,
    ):
        shutil.copyfileobj(source, target, 1024 * 1024)


def _check_rows(listing_import: ListingImport, *, source: Path, result: ResultWorkbook) -> None:
    """Stream the sheet in batches: check, mark duplicates, write the result, save, report."""
    type = listing_import.type
    columns = columns_for(type)
    shop = Shop.objects.select_related("identity__user__verification").get(
        pk=listing_import.shop_id
    )
    row_limit = settings.LISTING_IMPORT_MAX_ROWS
    seen: dict[str, int] = {}  # duplicate key -> the first row that has it
    # Budgets enforced while streaming, before openpyxl loads the strings table whole and
    # before it walks millions of (blank) rows: what a full template could need, no more.
    string_limit = row_limit * len(columns) + STRINGS_SLACK
    try:
        check_shared_strings(
            source,
            max_strings=string_limit,
            max_bytes=string_limit * STRING_BYTES_EACH,
        )
    except StringBudgetExceeded as exc:
        raise _ImportFailed(ImportErrorCode.TOO_MANY_CELLS, limit=string_limit) from exc
    except UnreadableWorkbook as exc:
        raise _ImportFailed(ImportErrorCode.UNREADABLE_WORKBOOK) from exc
    try:
        with WorkbookReader(source, type, row_budget=row_limit + BLANK_ROWS_ALLOWED) as reader:
            for batch in _batches(reader.rows(), BATCH_SIZE):
                if listing_import.processed_rows + len(batch) > row_limit:
                    raise _ImportFailed(ImportErrorCode.TOO_MANY_ROWS, limit=row_limit)
                rows = [
                    _check_row(
                        shop=shop, type=type, columns=columns, number=r.number, values=r.values
                    )
                    for r in batch
                ]
                _mark_duplicates(rows, shop=shop, type=type, columns=columns, seen=seen)
                _write_result(result, columns, rows)
                _save_batch(listing_import, rows)
    except RowBudgetExceeded as exc:
        raise _ImportFailed(ImportErrorCode.TOO_MANY_ROWS, limit=row_limit) from exc
    except UnreadableWorkbook as exc:
        raise _ImportFailed(ImportErrorCode.UNREADABLE_WORKBOOK) from exc
    except WrongTemplate as exc:
        params = _wrong_template(exc).items[0].params
        raise _ImportFailed(ImportErrorCode.WRONG_TEMPLATE, **params) from exc
    if listing_import.processed_rows == 0:
        raise _ImportFailed(ImportErrorCode.EMPTY_WORKBOOK)


def _check_all(listing_import: ListingImport) -> None:
    with tempfile.TemporaryDirectory(prefix="listing-import-") as directory:
        source_path = Path(directory) / "source.xlsx"
        result_path = Path(directory) / "result.xlsx"
        _copy_source(listing_import, source_path)
        result = ResultWorkbook(columns_for(listing_import.type))
        try:
            _check_rows(listing_import, source=source_path, result=result)
            result.save(result_path)
        except BaseException:
            result.discard()
            raise
        stem = PurePosixPath(listing_import.source.name).stem[:100] or "import"
        with transaction.atomic(), open(result_path, "rb") as handle:
            result_file = file_save(
                content=File(handle, name="result.xlsx"),
                name=f"{stem}-导入结果.xlsx",
                kind=FileKind.LISTING_IMPORT_RESULT,
                owner=listing_import.uploaded_by,
                file_type=XLSX,
            )
            _update_claimed(
                listing_import,
                status=ListingImportStatus.DONE,
                result=result_file,
                total_rows=listing_import.processed_rows,
                finished_at=now(),
            )
            _publish_progress(listing_import)


def _fail(listing_import: ListingImport, code: ImportErrorCode, params: dict) -> None:
    with transaction.atomic():
        listing_import.rows.all().delete()
        _update_claimed(
            listing_import,
            status=ListingImportStatus.FAILED,
            error_code=code.value,
            error_params=params,
            finished_at=now(),
            **dict.fromkeys(_COUNTS, 0),
        )
        _publish_progress(listing_import)


def _process(listing_import: ListingImport) -> None:
    try:
        _check_all(listing_import)
    except _Superseded:
        logger.warning("listing import %s was taken over by another worker", listing_import.pk)
    except _ImportFailed as exc:
        _fail(listing_import, exc.code, exc.params)
    except Exception:
        # Never leave it PROCESSING to be retried forever: the seller is told to save the
        # file again, and the log has the cause.
        logger.exception("listing import %s failed", listing_import.pk)
        with contextlib.suppress(_Superseded):
            _fail(listing_import, ImportErrorCode.UNREADABLE_WORKBOOK, {})


def listing_import_process(*, import_id: int) -> ListingImport | None:
    """Check one import's rows, if it is waiting (or its worker died); None when another
    worker has it or it is already checked."""
    listing_import = _claim(ListingImport.objects.filter(pk=import_id))
    if listing_import is None:
        return None
    _process(listing_import)
    listing_import.refresh_from_db()
    return listing_import


def listing_imports_process_queued(*, should_continue: Callable[[], bool] = lambda: True) -> int:
    """The worker's job: check waiting imports, oldest first, until none is left."""
    processed = 0
    while should_continue():
        listing_import = _claim(ListingImport.objects.all())
        if listing_import is None:
            break
        _process(listing_import)
        processed += 1
    return processed


# -- commit ---------------------------------------------------------------------------


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@transaction.atomic
def listing_import_commit(
    *, user: User, import_id: int, season_opt_in: bool, agreement_version: str
) -> ListingImport:
    """List the valid rows of a checked import: one listing per row, submitted for review
    (上架), with 《商品发布协议》 accepted and, for eligible shops, the season opt-in."""
    listing_import = (
        ListingImport.objects.select_for_update().filter(pk=import_id, uploaded_by=user).first()
    )
    if listing_import is None:
        raise DomainError(CommonErrorCode.NOT_FOUND, field="id")
    if listing_import.status == ListingImportStatus.COMMITTED:
        raise DomainError(ImportErrorCode.IMPORT_ALREADY_COMMITTED, field="id")
    if listing_import.status == ListingImportStatus.FAILED:
        raise DomainError(ImportErrorCode.IMPORT_FAILED, field="id")
    if listing_import.status != ListingImportStatus.DONE:
        raise DomainError(ImportErrorCode.IMPORT_NOT_READY, field="id")
    # The shop's lock makes its commits take turns: an achievement has no unique number for
    # the database to guard, so the re-check below must see the other commit's listings.
    shop = _open_shop(user, listing_import.shop_id, field="id", lock=True)
    agreement = agreement_check_accepted(
        kind=AgreementKind.LISTING_AGREEMENT, version=agreement_version, field="agreementVersion"
    )
    if season_opt_in and shop.identity.kind not in SEASON_IDENTITIES:
        raise DomainError(ListingErrorCode.SEASON_OPT_IN_NOT_ELIGIBLE, field="seasonOptIn")
    row_ids = list(
        listing_import.rows.filter(status=ListingImportRowStatus.VALID)
        .order_by("row_number")
        .values_list("pk", flat=True)
    )
    if not row_ids:
        raise DomainError(ImportErrorCode.NOTHING_TO_COMMIT, field="id")

    at = now()
    listing_type = ContentType.objects.get_for_model(Listing)
    columns = columns_for(listing_import.type)
    committed = dropped_duplicate = dropped_invalid = 0
    for chunk in _chunks(row_ids, BATCH_SIZE):
        rows = list(ListingImportRow.objects.filter(pk__in=chunk).order_by("row_number"))
        listings = _listings_for(
            rows,
            shop=shop,
            type=listing_import.type,
            columns=columns,
            at=at,
            agreement=agreement,
            season_opt_in=season_opt_in,
        )
        # Insert in patent-number order: two commits racing over several patents then
        # wait on each other in one order instead of deadlocking.
        listings.sort(key=lambda pair: pair[1].patent_number)
        try:
            # The partial unique constraint decides a race with another submission of the
            # same patent since the re-check above: refuse the whole commit, create nothing.
            with transaction.atomic():
                Listing.objects.bulk_create([listing for _, listing in listings])
        except IntegrityError as exc:
            raise DomainError(ListingErrorCode.PATENT_ALREADY_LISTED, field="id") from exc
        # What review_submit records for one submission, for all of them at once.
        ReviewRecord.objects.bulk_create(
            ReviewRecord(
                subject_type=listing_type,
                subject_id=listing.pk,
                action=ReviewAction.SUBMITTED,
                actor=user,
                at=at,
                snapshot=listing_snapshot(listing),
            )
            for _, listing in listings
        )
        for row, listing in listings:
            row.status = ListingImportRowStatus.COMMITTED
            row.listing = listing
            row.season_opt_in = listing.season_opt_in
        committed += len(listings)
        dropped_duplicate += sum(r.status == ListingImportRowStatus.DUPLICATE for r in rows)
        dropped_invalid += sum(r.status == ListingImportRowStatus.INVALID for r in rows)
        # One INSERT ... ON CONFLICT DO UPDATE per chunk: bulk_update's CASE per row and
        # field cost ten times as much here.
        ListingImportRow.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["listing_import", "row_number"],
            update_fields=["status", "listing", "season_opt_in", "errors", "ownership"],
        )

    listing_import.status = ListingImportStatus.COMMITTED
    listing_import.season_opt_in = season_opt_in
    listing_import.committed_at = at
    listing_import.committed_rows = committed
    listing_import.valid_rows -= dropped_duplicate + dropped_invalid
    listing_import.duplicate_rows += dropped_duplicate
    listing_import.invalid_rows += dropped_invalid
    listing_import.save()
    _publish_progress(listing_import)
    return listing_import


def _listings_for(
    rows: list[ListingImportRow], *, shop, type, columns, at, agreement, season_opt_in
) -> list[tuple[ListingImportRow, Listing]]:
    """Unsaved, submitted listings for the rows that still pass; the others are marked
    (a listing of the same item appeared since the check, or a rule changed)."""
    key_column = _key_column(type, columns)
    forms = {row.pk: form_from_data(row.data) for row in rows}
    checked: list[tuple[ListingImportRow, Listing]] = []
    for row in rows:
        try:
            listing = listing_validate(shop=shop, type=type, form=forms[row.pk])
        except DomainError as exc:
            row.status = ListingImportRowStatus.INVALID
            row.errors = _by_column(
                [
                    _cell_error(column_for_field(columns, item.field), None, item.code, item.params)
                    for item in exc.items
                ],
                columns,
            )
            continue
        checked.append((row, listing))
    keys = {
        row.pk: listing.patent_number
        if type == ListingType.PATENT
        else entity_name_key(listing.title)
        for row, listing in checked
    }
    listed = _active_keys(shop=shop, type=type, keys=keys.values())
    code = (
        ListingErrorCode.PATENT_ALREADY_LISTED
        if type == ListingType.PATENT
        else ImportErrorCode.ACHIEVEMENT_ALREADY_LISTED
    )
    result = []
    for row, listing in checked:
        if keys[row.pk] in listed:
            row.status = ListingImportRowStatus.DUPLICATE
            row.errors = [_cell_error(key_column, keys[row.pk], code, {})]
            continue
        listing.status = ListingStatus.PENDING_REVIEW
        listing.submitted_at = at
        listing.decided_at = None
        listing.decided_by = None
        listing.decision_reason = ""
        listing.agreement = agreement
        listing.agreement_accepted_at = at
        listing.season_opt_in = season_opt_in and season_eligible(listing)
        row.ownership = listing.ownership
        result.append((row, listing))
    return result
