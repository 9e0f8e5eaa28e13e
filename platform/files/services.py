"""Storing uploads: the type is decided by the file's content, never by its name or the
client's claimed content type, and the stored name is random."""

import hashlib
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.conf import settings
from django.core.files.storage import default_storage

from kernel.clock import now
from kernel.errors import DomainError

from .errors import FileErrorCode
from .models import FileKind, PrivateFile


@dataclass(frozen=True)
class FileType:
    content_type: str
    extension: str
    magic: tuple[bytes, ...]
    label: str


PDF = FileType("application/pdf", "pdf", (b"%PDF-",), "PDF")
JPEG = FileType("image/jpeg", "jpg", (b"\xff\xd8\xff",), "JPEG")
PNG = FileType("image/png", "png", (b"\x89PNG\r\n\x1a\n",), "PNG")
# A zip archive by its magic bytes; ``file_check`` also opens it (``spreadsheet_package``)
# and accepts only a workbook without macros.
XLSX = FileType(
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "xlsx",
    (b"PK\x03\x04",),
    "XLSX",
)

ALLOWED_TYPES: dict[str, tuple[FileType, ...]] = {
    FileKind.VERIFICATION_CERTIFICATE: (PDF, JPEG, PNG),
    FileKind.IDENTITY_CERTIFICATE: (PDF, JPEG, PNG),
    FileKind.LISTING_IMPORT: (XLSX,),
    FileKind.LISTING_IMPORT_RESULT: (XLSX,),  # made by the platform (file_save), never uploaded
    FileKind.COMMITMENT_LETTER: (PDF, JPEG, PNG),
    FileKind.CONTRACT: (PDF,),
    FileKind.CONTRACT_TEMPLATE: (PDF,),
    FileKind.PAYMENT_PROOF: (PDF, JPEG, PNG),
    # made by the platform (file_save), never uploaded:
    FileKind.DEAL_NOTICE: (PDF,),
    FileKind.CERTIFICATE: (PDF,),
    FileKind.RESULTS_EXPORT: (XLSX,),
    FileKind.DATA_ROOM_DOCUMENT: (PDF, JPEG, PNG, XLSX),
}
# The setting that caps a kind's size, when not FILE_UPLOAD_MAX_BYTES (read at each check,
# so an override applies at once).
MAX_BYTES_SETTINGS: dict[str, str] = {
    FileKind.LISTING_IMPORT: "LISTING_IMPORT_MAX_BYTES",
    FileKind.DATA_ROOM_DOCUMENT: "DATA_ROOM_MAX_BYTES",
}
# A zip member may expand this many times over the upload cap, and no more: the bound on
# what reading a "zip bomb" could cost.
MAX_EXPANSION = 10
_MACRO_CONTENT_TYPE = b"macroenabled"


@dataclass(frozen=True)
class SpreadsheetPackage:
    """What is inside a zip upload that claims to be an xlsx workbook."""

    readable: bool  # a zip archive whose directory could be read
    workbook: bool  # has xl/workbook.xml (an OOXML workbook; not .xlsb, .docx or any zip)
    macros: bool  # a VBA project, Excel 4.0 macro sheets or a macro-enabled main part
    expanded_size: int  # the members' uncompressed sizes, summed

    @property
    def plain_workbook(self) -> bool:
        return self.readable and self.workbook and not self.macros


def spreadsheet_package(upload) -> SpreadsheetPackage:
    """Read the zip directory of ``upload`` (and its content-type list), never its sheets."""
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            members = archive.infolist()
            names = {member.filename.lower() for member in members}
            macros = any(
                name.endswith("vbaproject.bin") or name.startswith("xl/macrosheets/")
                for name in names
            )
            if not macros and "[content_types].xml" in names:
                with archive.open("[Content_Types].xml") as types:
                    macros = _MACRO_CONTENT_TYPE in types.read(1024 * 1024).lower()
            return SpreadsheetPackage(
                readable=True,
                workbook="xl/workbook.xml" in names,
                macros=macros,
                expanded_size=sum(member.file_size for member in members),
            )
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, KeyError, EOFError):
        return SpreadsheetPackage(readable=False, workbook=False, macros=False, expanded_size=0)
    finally:
        upload.seek(0)


def max_bytes_for(kind: str) -> int:
    return getattr(settings, MAX_BYTES_SETTINGS.get(kind, "FILE_UPLOAD_MAX_BYTES"))


def detect_type(head: bytes, allowed: tuple[FileType, ...]) -> FileType | None:
    for file_type in allowed:
        if any(head.startswith(magic) for magic in file_type.magic):
            return file_type
    return None


def file_check(*, upload, kind: str, field: str) -> FileType:
    """Refuse a missing, empty, oversize or disguised upload before anything is written."""
    if upload is None:
        raise DomainError(FileErrorCode.FILE_REQUIRED, field=field)
    limit = max_bytes_for(kind)
    too_large = DomainError(
        FileErrorCode.FILE_TOO_LARGE, field=field, params={"limit_mb": limit // (1024 * 1024)}
    )
    if upload.size > limit:
        raise too_large
    if upload.size == 0:
        raise DomainError(FileErrorCode.FILE_EMPTY, field=field)
    allowed = ALLOWED_TYPES[kind]
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    file_type = detect_type(head, allowed)
    not_allowed = DomainError(
        FileErrorCode.FILE_TYPE_NOT_ALLOWED,
        field=field,
        params={"allowed": "、".join(t.label for t in allowed)},
    )
    if file_type is None:
        raise not_allowed
    if file_type is XLSX:
        package = spreadsheet_package(upload)
        if not package.plain_workbook:
            raise not_allowed
        if package.expanded_size > limit * MAX_EXPANSION:
            raise too_large
    return file_type


def display_name(name: str | None, file_type: FileType) -> str:
    """The name a file is listed and served under: the client's base name (no directories)
    with the extension of the type detected from its content, so a PDF sent as
    ``../../evil.html`` is ``evil.pdf``."""
    base = PurePosixPath(str(name or "").replace("\\", "/")).name.strip().strip(".")
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = stem.strip() or "upload"
    return f"{stem[: 250 - len(file_type.extension)]}.{file_type.extension}"


def file_store(*, upload, kind: str, owner, field: str) -> PrivateFile:
    """Check and store an upload for ``owner``. Call inside the operation's transaction; the
    bytes written for a transaction that rolls back are left for ``files_prune``."""
    file_type = file_check(upload=upload, kind=kind, field=field)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    stored_name = f"{now():%Y/%m}/{uuid.uuid4().hex}.{file_type.extension}"
    stored_name = default_storage.save(stored_name, upload)
    return PrivateFile.objects.create(
        owner=owner,
        kind=kind,
        name=display_name(getattr(upload, "name", ""), file_type),
        content_type=file_type.content_type,
        size=upload.size,
        sha256=digest.hexdigest(),
        stored_name=stored_name,
    )


def file_save(*, content, name: str, kind: str, owner, file_type: FileType) -> PrivateFile:
    """Store a file the platform made itself (an import result, a certificate): trusted, so
    unchecked. ``content`` is a django ``File``, read in chunks. Call inside the operation's
    transaction, as ``file_store``."""
    digest = hashlib.sha256()
    content.seek(0)
    for chunk in content.chunks():
        digest.update(chunk)
    content.seek(0)
    stored_name = default_storage.save(
        f"{now():%Y/%m}/{uuid.uuid4().hex}.{file_type.extension}", content
    )
    return PrivateFile.objects.create(
        owner=owner,
        kind=kind,
        name=name[:255],
        content_type=file_type.content_type,
        size=content.size,
        sha256=digest.hexdigest(),
        stored_name=stored_name,
    )
