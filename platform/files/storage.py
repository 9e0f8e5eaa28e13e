"""Where the bytes of private files live: local disk under ``PRIVATE_MEDIA_ROOT`` (the
embedded default) or an S3-compatible object store (``STORAGE_URL``, django-storages).

With the store, a download is a presigned URL of the store itself (short-lived, with the
file's name and type in the response headers), so no web process streams the bytes; with
local disk it stays a signed link to ``files.views.download``.

``STORAGE_URL`` is ``s3://[KEY:SECRET@]BUCKET[/PREFIX][?endpoint_url=…&region=…
&addressing_style=path|virtual&signature_version=s3v4]``; without ``KEY:SECRET`` the
credentials come from boto3's usual chain (``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``,
an instance role, …).
"""

import mimetypes
import threading
from collections.abc import Iterator
from datetime import datetime
from urllib.parse import parse_qs, unquote, urlsplit

from botocore.config import Config
from django.core.exceptions import ImproperlyConfigured
from storages.backends.s3 import S3Storage

S3_BACKEND = "files.storage.PrivateS3Storage"
_QUERY_OPTIONS = {
    "endpoint_url": "endpoint_url",
    "region": "region_name",
    "addressing_style": "addressing_style",
    "signature_version": "signature_version",
}


def storage_from_url(url: str) -> dict:
    """The ``STORAGES["default"]`` entry for a ``STORAGE_URL``."""
    parts = urlsplit(url)
    if parts.scheme != "s3":
        raise ImproperlyConfigured(f"STORAGE_URL must start with s3:// (got {parts.scheme!r})")
    credentials, _, bucket = parts.netloc.rpartition("@")
    if not bucket:
        raise ImproperlyConfigured("STORAGE_URL names no bucket: s3://BUCKET?endpoint_url=…")
    options = {
        "bucket_name": bucket,
        "location": parts.path.strip("/"),
        "signature_version": "s3v4",
    }
    if credentials:
        key, _, secret = credentials.partition(":")
        options["access_key"], options["secret_key"] = unquote(key), unquote(secret)
    for name, values in parse_qs(parts.query, keep_blank_values=False).items():
        if name not in _QUERY_OPTIONS:
            known = ", ".join(_QUERY_OPTIONS)
            raise ImproperlyConfigured(f"STORAGE_URL: unknown option {name!r} (known: {known})")
        options[_QUERY_OPTIONS[name]] = values[-1]
    return {"BACKEND": S3_BACKEND, "OPTIONS": options}


def _content_type_for(name: str) -> str:
    """The type a stored object is served with: the one its extension says, and the
    extension is the type detected from the content (``files.services``), never what the
    client claimed."""
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


class PrivateS3Storage(S3Storage):
    """Private objects (no ACL: the bucket's default, which must not be public),
    random names written once (no existence check before each write), bounded
    timeouts so that a dead store fails a request instead of hanging it, and no
    default request checksums (botocore >= 1.36 sends CRC32 ones that several
    S3-compatible stores refuse)."""

    default_acl = None
    file_overwrite = True
    querystring_auth = True

    def __init__(self, **options):
        super().__init__(**options)
        self.client_config = Config(
            s3={"addressing_style": self.addressing_style},
            signature_version=self.signature_version,
            connect_timeout=5,
            read_timeout=30,
            retries={"mode": "standard", "max_attempts": 3},
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        self._probe_lock = threading.Lock()
        self._probe_client = None

    def _get_write_parameters(self, name, content=None):
        params = super()._get_write_parameters(name, content)
        params["ContentType"] = _content_type_for(name)
        params.pop("ContentEncoding", None)
        return params

    def probe(self) -> None:
        """One HEAD of the bucket with a 2 s budget and no retry: the store answers,
        the bucket exists and the credentials are accepted (for ``/readyz``)."""
        with self._probe_lock:
            if self._probe_client is None:
                self._probe_client = self._create_session().client(
                    "s3",
                    region_name=self.region_name,
                    use_ssl=self.use_ssl,
                    endpoint_url=self.endpoint_url,
                    verify=self.verify,
                    config=self.client_config.merge(
                        Config(
                            connect_timeout=2,
                            read_timeout=2,
                            retries={"mode": "standard", "total_max_attempts": 1},
                        )
                    ),
                )
            client = self._probe_client
        client.head_bucket(Bucket=self.bucket_name)

    def stored_objects(self) -> Iterator[tuple[str, datetime]]:
        """Every stored name (relative to the prefix) with its modification time, one
        listing request per 1,000 objects."""
        prefix = f"{self.location}/" if self.location else ""
        paginator = self.connection.meta.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket_name, Prefix=prefix):
            for entry in page.get("Contents", ()):
                yield entry["Key"][len(prefix) :], entry["LastModified"]


def storage_is_remote() -> bool:
    """True when files live in the object store (downloads are presigned URLs of it)."""
    from django.core.files.storage import FileSystemStorage, default_storage

    return not isinstance(default_storage, FileSystemStorage)


def stored_objects() -> Iterator[tuple[str, datetime]]:
    """Every stored name with its modification time, on either backend."""
    from django.core.files.storage import default_storage

    if storage_is_remote():
        yield from default_storage.stored_objects()
        return

    def walk(directory: str = ""):
        subdirectories, files = default_storage.listdir(directory)
        for name in files:
            path = f"{directory}/{name}" if directory else name
            yield path, default_storage.get_modified_time(path)
        for subdirectory in subdirectories:
            yield from walk(f"{directory}/{subdirectory}" if directory else subdirectory)

    yield from walk()


def presigned_url(file, *, as_attachment: bool = True) -> str:
    """A URL of the store that serves ``file`` (a ``PrivateFile``) for
    ``FILE_URL_MAX_AGE``, under its original name and detected type, never cached."""
    from django.conf import settings
    from django.core.files.storage import default_storage
    from django.utils.http import content_disposition_header

    return default_storage.url(
        file.stored_name,
        parameters={
            "ResponseContentDisposition": content_disposition_header(as_attachment, file.name),
            "ResponseContentType": file.content_type,
            "ResponseCacheControl": "private, no-store",
        },
        expire=max(1, int(settings.FILE_URL_MAX_AGE.total_seconds())),
    )
