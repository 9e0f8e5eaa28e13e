"""A local S3-compatible endpoint for the tests: moto's S3 in server mode, in a process of
its own on a free port (``python -m tests.s3 --port N`` is that process).

moto does not refuse an expired presigned URL (S3 does: 403 ``AccessDenied``, "Request has
expired"); the server below adds that one check in front of moto so the tests see the
store's behaviour. Everything else is moto's.

Use it from pytest (fixtures in ``tests/conftest.py``)::

    def test_something(s3_storage):      # settings point the product at a fresh bucket
        s3_storage.keys()                # what is stored

    def test_processes(s3_endpoint):     # the session's server, for subprocesses
        env = {**os.environ, **s3_endpoint.env(bucket=s3_endpoint.new_bucket())}

or by hand: ``with s3_server() as endpoint: ...``.
"""

import argparse
import contextlib
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlencode

REPO = Path(__file__).resolve().parent.parent
REGION = "cn-east-1"
ACCESS_KEY = "test-access-key"
SECRET_KEY = "test-secret-key"

EXPIRED = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
    b"<Message>Request has expired</Message></Error>"
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class S3Endpoint:
    """A running local S3 endpoint. ``url`` is ``http://127.0.0.1:<port>``; any key and
    secret are accepted (``ACCESS_KEY``/``SECRET_KEY`` are the ones handed out)."""

    port: int
    region: str = REGION
    access_key: str = ACCESS_KEY
    secret_key: str = SECRET_KEY
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def storage_url(self, bucket: str, prefix: str = "") -> str:
        """The ``STORAGE_URL`` for ``bucket`` (credentials given apart, see ``env``)."""
        query = urlencode(
            {"endpoint_url": self.url, "region": self.region, "addressing_style": "path"}
        )
        path = f"/{prefix}" if prefix else ""
        return f"s3://{bucket}{path}?{query}"

    def env(self, bucket: str, prefix: str = "") -> dict[str, str]:
        """Environment variables that point a product process (Daphne, the worker,
        ``manage.py``) at ``bucket``."""
        return {
            "STORAGE_URL": self.storage_url(bucket, prefix),
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
        }

    def storages(self, bucket: str, prefix: str = "") -> dict:
        """The ``STORAGES["default"]`` entry the product builds from ``env`` (for
        ``settings.STORAGES`` in this process)."""
        from files.storage import storage_from_url

        entry = storage_from_url(self.storage_url(bucket, prefix))
        entry["OPTIONS"].update(access_key=self.access_key, secret_key=self.secret_key)
        return entry

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.url,
            region_name=self.region,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
        )

    def new_bucket(self, name: str | None = None) -> str:
        name = name or f"test-{uuid.uuid4().hex[:16]}"
        self.client().create_bucket(
            Bucket=name, CreateBucketConfiguration={"LocationConstraint": self.region}
        )
        return name

    def keys(self, bucket: str) -> list[str]:
        """Every object key in ``bucket``, sorted."""
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket)
        return sorted(entry["Key"] for page in pages for entry in page.get("Contents", ()))

    def get(self, bucket: str, key: str) -> bytes:
        return self.client().get_object(Bucket=bucket, Key=key)["Body"].read()

    # -- the server process --------------------------------------------------------------

    def start(self, timeout: float = 30) -> None:
        """Start (or restart, on the same port) the server; a restarted one is empty."""
        if self.process is not None and self.process.poll() is None:
            return
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.s3", "--port", str(self.port)],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while not _listening(self.port):
            if self.process.poll() is not None:
                raise RuntimeError(f"the S3 server exited ({self.process.returncode})")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the S3 server did not listen on {self.port}")
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop the server (its objects are lost)."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None


@contextlib.contextmanager
def s3_server(port: int | None = None) -> Iterator[S3Endpoint]:
    """A local S3 endpoint on ``port`` (a free one by default) for the block's duration."""
    endpoint = S3Endpoint(port=port or free_port())
    endpoint.start()
    try:
        yield endpoint
    finally:
        endpoint.stop()


def _refusing_expired(app):
    """S3's check of a presigned URL's lifetime (``X-Amz-Date`` + ``X-Amz-Expires``)."""

    def application(environ, start_response):
        query = parse_qs(environ.get("QUERY_STRING", ""))
        if "X-Amz-Date" in query and "X-Amz-Expires" in query:
            signed = datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ")
            expires = signed.replace(tzinfo=UTC) + timedelta(seconds=int(query["X-Amz-Expires"][0]))
            if datetime.now(UTC) > expires:
                start_response(
                    "403 Forbidden",
                    [("Content-Type", "application/xml"), ("Content-Length", str(len(EXPIRED)))],
                )
                return [EXPIRED]
        return app(environ, start_response)

    return application


def main() -> None:
    parser = argparse.ArgumentParser(description="moto's S3 on 127.0.0.1 (tests only)")
    parser.add_argument("--port", type=int, required=True)
    port = parser.parse_args().port
    os.environ.setdefault("MOTO_ALLOW_NONEXISTENT_REGION", "true")
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    app = _refusing_expired(DomainDispatcherApplication(create_backend_app))
    make_server(
        "127.0.0.1", port, app, threaded=True, request_handler=MotoRequestHandler
    ).serve_forever()


if __name__ == "__main__":
    main()
