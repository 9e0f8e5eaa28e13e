"""Storing uploads: the type is decided by the file's content, never by its name or the
client's claimed content type, and the stored name is random."""

import hashlib
import uuid
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

ALLOWED_TYPES: dict[str, tuple[FileType, ...]] = {
    FileKind.VERIFICATION_CERTIFICATE: (PDF, JPEG, PNG),
    FileKind.IDENTITY_CERTIFICATE: (PDF, JPEG, PNG),
}


def detect_type(head: bytes, allowed: tuple[FileType, ...]) -> FileType | None:
    for file_type in allowed:
        if any(head.startswith(magic) for magic in file_type.magic):
            return file_type
    return None


def file_check(*, upload, kind: str, field: str) -> FileType:
    """Refuse a missing, empty, oversize or disguised upload before anything is written."""
    if upload is None:
        raise DomainError(FileErrorCode.FILE_REQUIRED, field=field)
    limit = settings.FILE_UPLOAD_MAX_BYTES
    if upload.size > limit:
        raise DomainError(
            FileErrorCode.FILE_TOO_LARGE, field=field, params={"limit_mb": limit // (1024 * 1024)}
        )
    if upload.size == 0:
        raise DomainError(FileErrorCode.FILE_EMPTY, field=field)
    allowed = ALLOWED_TYPES[kind]
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    file_type = detect_type(head, allowed)
    if file_type is None:
        raise DomainError(
            FileErrorCode.FILE_TYPE_NOT_ALLOWED,
            field=field,
            params={"allowed": "、".join(t.label for t in allowed)},
        )
    return file_type


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
    original = PurePosixPath(str(getattr(upload, "name", "") or "upload")).name[:255]
    return PrivateFile.objects.create(
        owner=owner,
        kind=kind,
        name=original,
        content_type=file_type.content_type,
        size=upload.size,
        sha256=digest.hexdigest(),
        stored_name=stored_name,
    )
