import contextlib
import copy
import json
import os
import re
import signal
import socket
import threading
import time

import pytest
from django.db import connection
from django.test import Client, TestCase

from notifications.sms import InMemoryBackend


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.SMS_BACKEND = "notifications.sms.InMemoryBackend"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Judge auction times by Python's clock here, so time-machine can move it; the one
    # test of the database clock turns this back on.
    settings.CLOCK_FROM_DATABASE = False
    # Live events stay within this run: its own relay file (embedded default), its own
    # channel prefix on a shared Redis (pub/sub channels are server-wide).
    layers = copy.deepcopy(settings.CHANNEL_LAYERS)
    config = layers["default"].setdefault("CONFIG", {})
    if "relay_path" in config:
        config["relay_path"] = str(tmp_path / "live-relay.sqlite3")
    else:
        config["prefix"] = f"test{os.getpid()}"
    settings.CHANNEL_LAYERS = layers
    InMemoryBackend.outbox.clear()
    from django.core.cache import cache

    cache.clear()
    yield
    InMemoryBackend.outbox.clear()


class DeliveredOutbox(list):
    """The messages 'sent' in this test, as (phone, text), oldest first, read as the
    worker's ``sms`` loop would have them by then: reading it first delivers every queued
    message (requests only queue them, issue 13)."""

    def _deliver(self):
        from notifications.services import sms_dispatch_due

        with contextlib.suppress(RuntimeError):  # a test without database access
            sms_dispatch_due()
        return InMemoryBackend.outbox

    def __iter__(self):
        return iter(self._deliver())

    def __len__(self):
        return len(self._deliver())

    def __getitem__(self, index):
        return self._deliver()[index]

    def __reversed__(self):
        return reversed(self._deliver())

    def __contains__(self, item):
        return item in self._deliver()

    def __eq__(self, other):
        return self._deliver() == other

    def __bool__(self):
        return bool(self._deliver())

    def __repr__(self):
        return repr(self._deliver())

    def clear(self):
        self._deliver().clear()


@pytest.fixture
def restore_signal_handlers():
    """The worker installs SIGTERM/SIGINT handlers; put pytest's back afterwards."""
    saved = {signum: signal.getsignal(signum) for signum in (signal.SIGTERM, signal.SIGINT)}
    yield
    for signum, handler in saved.items():
        signal.signal(signum, handler)


@pytest.fixture
def sms_outbox():
    """Messages 'sent' in this test, as (phone, text), oldest first (DeliveredOutbox)."""
    return DeliveredOutbox()


def last_code(outbox, phone: str) -> str:
    for sent_to, text in reversed(outbox):
        if sent_to == phone:
            match = re.search(r"验证码为(\d{6})", text)
            if match:
                return match.group(1)
    raise AssertionError(f"no code was sent to {phone}")


@contextlib.contextmanager
def _nothing():
    yield


class GraphQLClient:
    """Posts real GraphQL requests (JSON or multipart) through Django's full stack."""

    def __init__(self) -> None:
        self.http = Client(enforce_csrf_checks=True)
        # Like a browser page of the site: it holds the CSRF cookie and echoes it in the
        # header, which a session login needs (issue 9); tests of refusals delete it.
        self.http.cookies["csrftoken"] = "testcsrfsecret0123456789abcdefgh"
        self.token: str | None = None
        self.headers: dict[str, str] = {}

    def _headers(self, extra: dict | None) -> dict:
        headers = dict(self.headers)
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        csrf = self.http.cookies.get("csrftoken")
        if csrf:
            headers["X-CSRFToken"] = csrf.value
        headers.update(extra or {})
        return headers

    def _committing(self):
        """Inside the test's transaction, run on_commit callbacks (SMS, live events) when the
        request ends, as a real commit would; in transactional tests they run anyway."""
        if connection.in_atomic_block:
            return TestCase.captureOnCommitCallbacks(execute=True)
        return _nothing()

    def raw(self, query: str, variables: dict | None = None, headers: dict | None = None):
        with self._committing():
            return self._post_json(query, variables, headers)

    def _post_json(self, query, variables, headers):
        return self.http.post(
            "/graphql",
            data=json.dumps({"query": query, "variables": variables or {}}),
            content_type="application/json",
            headers=self._headers(headers),
        )

    def __call__(self, query: str, variables: dict | None = None, headers: dict | None = None):
        response = self.raw(query, variables, headers)
        assert response.status_code == 200, response.content
        return response.json()

    def upload(self, query: str, variables: dict, files: dict, headers: dict | None = None):
        """GraphQL multipart request spec: ``files`` maps a variable path (``input.certificate``)
        to a Django ``SimpleUploadedFile``; the variable itself is sent as null."""
        file_map = {}
        data = {}
        for index, (path, upload) in enumerate(files.items()):
            file_map[str(index)] = [f"variables.{path}"]
            data[str(index)] = upload
        data["operations"] = json.dumps({"query": query, "variables": variables})
        data["map"] = json.dumps(file_map)
        with self._committing():
            return self.http.post("/graphql", data=data, headers=self._headers(headers))

    def fetch_csrf(self) -> None:
        self.http.get("/graphql", headers={"Accept": "text/html"})


@pytest.fixture
def gql(db):
    return GraphQLClient()


@pytest.fixture
def make_gql(db):
    return GraphQLClient


@pytest.fixture
def signed_in_as(db):
    """A client with a browser session for ``user`` (and the CSRF cookie it needs)."""

    def sign_in(user) -> GraphQLClient:
        client = GraphQLClient()
        client.http.force_login(user)
        client.fetch_csrf()
        return client

    return sign_in


# -- a live server ---------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_port(port: int, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


@pytest.fixture(scope="session")
def live_server_url(django_db_setup):
    """``http://127.0.0.1:<port>`` of Daphne serving the project's ASGI application."""
    from daphne.server import Server  # installs Twisted's asyncio reactor: import it first
    from django.conf import settings

    port = _free_port()
    origin = f"http://127.0.0.1:{port}"
    # The WebSocket consumer was built with this very list (config.asgi, at import):
    # extend it in place so the page's own origin may open the socket.
    settings.WEBSOCKET_ALLOWED_ORIGINS.append(origin)
    from twisted.internet import reactor

    from config.asgi import application

    server = Server(
        application=application,
        endpoints=[f"tcp:port={port}:interface=127.0.0.1"],
        signal_handlers=False,
    )
    thread = threading.Thread(target=server.run, name="daphne", daemon=True)
    thread.start()
    _wait_for_port(port)
    yield origin
    reactor.callFromThread(server.stop)
    thread.join(timeout=10)
    settings.WEBSOCKET_ALLOWED_ORIGINS.remove(origin)


# -- the object store (issue 13) -----------------------------------------------------------


@pytest.fixture(scope="session")
def s3_endpoint():
    """The session's local S3 endpoint (``tests.s3.S3Endpoint``: moto in server mode in a
    process of its own, on a free port). ``s3_endpoint.env(bucket=s3_endpoint.new_bucket())``
    points product subprocesses at a fresh bucket."""
    from tests.s3 import s3_server

    with s3_server() as endpoint:
        yield endpoint


class S3Storage:
    """What ``s3_storage`` yields: the endpoint, the test's bucket, and the bucket's keys."""

    def __init__(self, endpoint, bucket: str) -> None:
        self.endpoint = endpoint
        self.bucket = bucket

    def keys(self) -> list[str]:
        return self.endpoint.keys(self.bucket)

    def get(self, key: str) -> bytes:
        return self.endpoint.get(self.bucket, key)


@pytest.fixture
def s3_storage(s3_endpoint, settings, _test_settings):
    """The product's default storage in this process is a fresh bucket of ``s3_endpoint``,
    as ``STORAGE_URL`` would make it (``settings.STORAGES``)."""
    s3_endpoint.start()  # a test that stopped it may have left it down
    bucket = s3_endpoint.new_bucket()
    settings.STORAGES = {**settings.STORAGES, "default": s3_endpoint.storages(bucket)}
    return S3Storage(s3_endpoint, bucket)


@pytest.fixture(params=["local", "s3"])
def storage_backend(request):
    """Runs a test on both storages: local disk (``"local"``, the autouse default) and the
    object store (``"s3"``: ``s3_storage`` set up)."""
    if request.param == "s3":
        request.getfixturevalue("s3_storage")
    return request.param
