"""An upload's type is decided by its content, never by its name or claimed content type."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from files.errors import FileErrorCode
from files.models import FileKind
from files.services import ALLOWED_TYPES, JPEG, PDF, PNG, XLSX, detect_type, file_check
from kernel.errors import DomainError

PDF_BYTES = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01"
WINDOWS_EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
ELF_BYTES = b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"

KIND = FileKind.VERIFICATION_CERTIFICATE
FIELD = "certificate"


def check(upload):
    return file_check(upload=upload, kind=KIND, field=FIELD)


def refusal(upload) -> DomainError:
    with pytest.raises(DomainError) as caught:
        check(upload)
    return caught.value


@pytest.mark.parametrize(
    ("name", "content", "content_type", "expected"),
    [
        ("scan.pdf", PDF_BYTES, "application/pdf", PDF),
        ("scan.png", PDF_BYTES, "image/png", PDF),
        ("photo.jpg", JPEG_BYTES, "image/jpeg", JPEG),
        ("photo.pdf", JPEG_BYTES, "application/octet-stream", JPEG),
        ("image.png", PNG_BYTES, "image/png", PNG),
        ("image", PNG_BYTES, "text/plain", PNG),
    ],
)
def test_file_check_decides_the_type_by_the_magic_bytes_whatever_the_name(
    name, content, content_type, expected
):
    # given
    upload = SimpleUploadedFile(name, content, content_type=content_type)

    # when
    file_type = check(upload)

    # then
    assert file_type is expected
    assert upload.read() == content


@pytest.mark.parametrize(
    "kind",
    [FileKind.VERIFICATION_CERTIFICATE, FileKind.IDENTITY_CERTIFICATE, FileKind.COMMITMENT_LETTER],
)
def test_documents_may_be_pdf_jpeg_or_png(kind):
    assert ALLOWED_TYPES[kind] == (PDF, JPEG, PNG)


def test_import_workbooks_may_only_be_xlsx():
    assert ALLOWED_TYPES[FileKind.LISTING_IMPORT] == (XLSX,)
    assert ALLOWED_TYPES[FileKind.LISTING_IMPORT_RESULT] == (XLSX,)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("certificate.pdf", WINDOWS_EXE_BYTES),
        ("certificate.pdf", ELF_BYTES),
        ("certificate.png", "这不是图片，只是文字。".encode()),
        ("certificate.pdf", b" %PDF-1.7\n"),
    ],
)
def test_file_check_refuses_content_of_another_type_disguised_by_its_name(name, content):
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")

    error = refusal(upload)

    assert error.codes == [FileErrorCode.FILE_TYPE_NOT_ALLOWED]
    assert error.items[0].field == FIELD
    assert error.items[0].params == {"allowed": "PDF、JPEG、PNG"}


def test_file_check_refuses_an_empty_file():
    error = refusal(SimpleUploadedFile("certificate.pdf", b"", content_type="application/pdf"))

    assert error.codes == [FileErrorCode.FILE_EMPTY]
    assert error.items[0].field == FIELD


def test_file_check_refuses_a_file_one_byte_over_the_limit(settings):
    # given
    limit = settings.FILE_UPLOAD_MAX_BYTES
    content = PDF_BYTES + b"\0" * (limit + 1 - len(PDF_BYTES))
    upload = SimpleUploadedFile("certificate.pdf", content, content_type="application/pdf")

    # when
    error = refusal(upload)

    # then
    assert error.codes == [FileErrorCode.FILE_TOO_LARGE]
    assert error.items[0].field == FIELD
    assert error.items[0].params == {"limit_mb": limit // (1024 * 1024)}


def test_file_check_accepts_a_file_of_exactly_the_limit(settings):
    limit = settings.FILE_UPLOAD_MAX_BYTES
    content = PDF_BYTES + b"\0" * (limit - len(PDF_BYTES))

    assert check(SimpleUploadedFile("certificate.pdf", content)) is PDF


def test_file_check_refuses_a_missing_file():
    error = refusal(None)

    assert error.codes == [FileErrorCode.FILE_REQUIRED]
    assert error.items[0].field == FIELD


def test_file_check_passes_the_field_name_through():
    with pytest.raises(DomainError) as caught:
        file_check(upload=None, kind=KIND, field="identityCertificate")

    assert caught.value.items[0].field == "identityCertificate"


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (PDF_BYTES[:16], PDF),
        (JPEG_BYTES[:16], JPEG),
        (PNG_BYTES[:16], PNG),
        (WINDOWS_EXE_BYTES, None),
        (b"%PDF", None),
        (b"\x89PNG", None),
        (b"", None),
    ],
)
def test_detect_type_matches_only_a_complete_magic_prefix(head, expected):
    assert detect_type(head, (PDF, JPEG, PNG)) is expected


def test_detect_type_ignores_types_that_are_not_allowed():
    assert detect_type(PNG_BYTES, (PDF, JPEG)) is None
