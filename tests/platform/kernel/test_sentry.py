"""Optional Sentry (issue 13): with SENTRY_DSN an unexpected error of a request and a
worker loop's failed round reach the DSN's endpoint (here a fake one on a free port), with
the environment and release and no personal data; without it sentry-sdk is not even
imported. Each case runs in a process of its own (settings initialise it once)."""

import gzip
import json
import os
import subprocess
import sys
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.s3 import REPO

# A request whose view fails unexpectedly (the verification page's lookup raises), and a
# worker round that fails, as the worker logs it.
SCRIPT = """
import sys
from unittest import mock
import django
django.setup()
from django.test import Client
import deals.views
print("imported" if "sentry_sdk" in sys.modules else "not imported")
error = RuntimeError("view exploded")
failing = mock.patch.object(deals.views, "document_verify", side_effect=error)
with failing:
    response = Client(raise_request_exception=False).get(
        "/deals/verify?serial=13812345678&code=X",
        HTTP_COOKIE="sessionid=secret-session",
        HTTP_X_REQUEST_ID="req-sentry-1",
    )
print(response.status_code)
import logging
try:
    raise ValueError("documents round exploded")
except ValueError:
    logging.getLogger("worker").exception("worker: the documents loop failed; retrying")
if "sentry_sdk" in sys.modules:
    import sentry_sdk
    sentry_sdk.flush(timeout=5)
"""


class FakeSentry(ThreadingHTTPServer):
    """Records the envelopes posted to ``/api/<project>/envelope/``."""

    def __init__(self):
        self.envelopes: list[list[dict]] = []
        super().__init__(("127.0.0.1", 0), _Handler)

    @property
    def dsn(self) -> str:
        return f"http://public-key@127.0.0.1:{self.server_address[1]}/42"

    def events(self) -> list[dict]:
        return [item for envelope in self.envelopes for item in envelope if "exception" in item]


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        elif self.headers.get("Content-Encoding") == "deflate":
            body = zlib.decompress(body)
        items = []
        for line in body.splitlines():
            try:
                items.append(json.loads(line))
            except ValueError:
                continue
        if self.path == "/api/42/envelope/":
            self.server.envelopes.append(items)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_sentry():
    server = FakeSentry()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def run(env_changes: dict, tmp_path) -> list[str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **env_changes}
    for name in ("SENTRY_DSN", "SENTRY_ENVIRONMENT", "SENTRY_RELEASE", "DATABASE_URL"):
        if name not in env_changes:
            env.pop(name, None)
    env["SQLITE_PATH"] = str(tmp_path / "db.sqlite3")
    env["PRIVATE_MEDIA_ROOT"] = str(tmp_path / "private")
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_with_a_dsn_unexpected_errors_of_requests_and_the_worker_are_reported(
    fake_sentry, tmp_path
):
    output = run(
        {
            "SENTRY_DSN": fake_sentry.dsn,
            "SENTRY_ENVIRONMENT": "staging",
            "SENTRY_RELEASE": "auction@1.2.3",
        },
        tmp_path,
    )

    assert output[:2] == ["imported", "500"]
    events = fake_sentry.events()
    reported = {
        event["exception"]["values"][-1]["type"]: event for event in events if event["exception"]
    }
    assert set(reported) == {"RuntimeError", "ValueError"}
    request_error, worker_error = reported["RuntimeError"], reported["ValueError"]
    assert request_error["exception"]["values"][-1]["value"] == "view exploded"
    assert worker_error["logentry"]["message"].startswith("worker: the documents loop failed")
    for event in (request_error, worker_error):
        assert (event["environment"], event["release"]) == ("staging", "auction@1.2.3")
        assert "user" not in event or "ip_address" not in event["user"]
        frames = event["exception"]["values"][-1]["stacktrace"]["frames"]
        assert all("vars" not in frame for frame in frames)  # no local variables
    assert request_error["tags"]["request_id"] == "req-sentry-1"  # as in the log lines
    sent = json.dumps(fake_sentry.envelopes)
    assert "secret-session" not in sent and "13812345678" not in sent  # no cookie, no query


def test_without_a_dsn_sentry_is_not_imported_and_nothing_is_sent(fake_sentry, tmp_path):
    output = run({}, tmp_path)

    assert output[:2] == ["not", "imported"]
    assert output[2] == "500"
    assert fake_sentry.envelopes == []
