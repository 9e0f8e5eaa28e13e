"""The SMS outbox: backends, queued by the operation, delivered and retried by the worker's
sms loop (sms_dispatch_due) or sms_dispatch."""

import json
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from kernel.logs import RequestIdFilter, request_id_bound
from notifications.models import SmsMessage, SmsStatus
from notifications.services import sms_dispatch_due, sms_send
from notifications.sms import ConsoleBackend, InMemoryBackend

PHONE = "13812345678"
TEXT = "【专利拍卖】您的验证码为123456，5分钟内有效。"
GATEWAY_KEY = "gateway-secret-key"


@dataclass
class Received:
    path: str
    headers: Message
    body: bytes


@dataclass
class FakeGateway:
    """What the fake gateway answers, and what it was sent."""

    status: int = 200
    delay: float = 0.0
    requests: list[Received] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)


@pytest.fixture
def gateway(settings, monkeypatch):
    """A real HTTP server on 127.0.0.1 that HttpGatewayBackend talks to."""
    for name in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    state = FakeGateway()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.requests.append(Received(path=self.path, headers=self.headers, body=body))
            if state.delay:
                state.release.wait(state.delay)
            self.send_response(state.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    settings.SMS_BACKEND = "notifications.sms.HttpGatewayBackend"
    settings.SMS_GATEWAY_URL = f"http://127.0.0.1:{server.server_address[1]}/sms"
    settings.SMS_GATEWAY_KEY = GATEWAY_KEY
    settings.SMS_GATEWAY_TIMEOUT = 2.0
    yield state
    state.release.set()
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def sms_outbox():
    """What the backend was given, nothing delivered on reading (this module tests the
    delivery itself)."""
    return InMemoryBackend.outbox


@pytest.fixture
def send_and_commit(django_capture_on_commit_callbacks):
    """Queue a message, commit, and let one round of the worker's sms loop deliver it."""

    def send(phone: str = PHONE, text: str = TEXT) -> SmsMessage:
        with django_capture_on_commit_callbacks(execute=True):
            message = sms_send(phone=phone, text=text)
        sms_dispatch_due()
        message.refresh_from_db()
        return message

    return send


def dispatch(*args: str) -> str:
    out = StringIO()
    call_command("sms_dispatch", *args, stdout=out)
    return out.getvalue()


# HttpGatewayBackend


@pytest.mark.parametrize("status", [200, 202])
@pytest.mark.django_db
def test_a_2xx_gateway_answer_marks_the_message_sent(gateway, send_and_commit, status):
    # given
    gateway.status = status
    before = timezone.now()

    # when
    message = send_and_commit()

    # then
    assert message.status == SmsStatus.SENT
    assert message.attempts == 1
    assert message.error == ""
    assert message.backend == "notifications.sms.HttpGatewayBackend"
    assert before <= message.sent_at <= timezone.now()


@pytest.mark.django_db
def test_the_gateway_receives_the_phone_and_text_as_json_with_the_bearer_key(
    gateway, send_and_commit
):
    send_and_commit()

    assert len(gateway.requests) == 1
    received = gateway.requests[0]
    assert received.path == "/sms"
    assert received.headers["Authorization"] == f"Bearer {GATEWAY_KEY}"
    assert received.headers["Content-Type"] == "application/json"
    assert json.loads(received.body.decode("utf-8")) == {"phone": PHONE, "text": TEXT}


@pytest.mark.django_db
def test_a_500_gateway_answer_marks_the_message_failed_with_the_error(gateway, send_and_commit):
    gateway.status = 500

    message = send_and_commit()

    assert message.status == SmsStatus.FAILED
    assert message.attempts == 1
    assert message.sent_at is None
    assert message.error == "HTTP Error 500: Internal Server Error"
    assert len(gateway.requests) == 1


@pytest.mark.django_db
def test_a_gateway_slower_than_the_timeout_marks_the_message_failed(
    gateway, send_and_commit, settings
):
    # given
    settings.SMS_GATEWAY_TIMEOUT = 0.3
    gateway.delay = 5.0
    started = time.monotonic()

    # when
    message = send_and_commit()

    # then
    assert time.monotonic() - started < 2.0
    assert message.status == SmsStatus.FAILED
    assert message.attempts == 1
    assert message.sent_at is None
    assert message.error == "timed out"


@pytest.mark.parametrize("url", [None, ""])
@pytest.mark.django_db
def test_an_unset_gateway_url_marks_the_message_failed(gateway, send_and_commit, settings, url):
    settings.SMS_GATEWAY_URL = url

    message = send_and_commit()

    assert message.status == SmsStatus.FAILED
    assert message.attempts == 1
    assert message.error == "SMS_GATEWAY_URL is not set"
    assert gateway.requests == []


# Queued by the operation, delivered by the worker


@pytest.mark.django_db(transaction=True)
def test_an_sms_queued_in_a_transaction_that_rolls_back_is_never_sent(sms_outbox):
    # when
    with pytest.raises(RuntimeError, match="operation refused"), transaction.atomic():
        sms_send(phone=PHONE, text=TEXT)
        raise RuntimeError("operation refused")

    # then
    assert sms_outbox == []
    assert SmsMessage.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_committed_sms_is_only_queued_and_the_worker_sends_it_exactly_once(gateway):
    # when: the operation commits
    with transaction.atomic():
        message = sms_send(phone=PHONE, text=TEXT)

    # then: nothing went to the gateway from the operation or its commit
    assert gateway.requests == []
    message.refresh_from_db()
    assert (message.status, message.attempts) == (SmsStatus.QUEUED, 0)

    # when: the worker's sms loop runs twice
    first, second = sms_dispatch_due(), sms_dispatch_due()

    # then
    assert first == {SmsStatus.SENT: 1, SmsStatus.FAILED: 0, SmsStatus.EXPIRED: 0}
    assert second == {SmsStatus.SENT: 0, SmsStatus.FAILED: 0, SmsStatus.EXPIRED: 0}
    assert len(gateway.requests) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (SmsStatus.SENT, 1)


@pytest.mark.django_db
def test_the_worker_retries_a_failed_sms_only_after_the_retry_delay(gateway, send_and_commit):
    gateway.status = 500
    message = send_and_commit()
    assert message.status == SmsStatus.FAILED
    gateway.status = 200

    assert sms_dispatch_due()[SmsStatus.SENT] == 0  # too soon
    with time_machine.travel(timezone.now() + timedelta(seconds=31)):
        assert sms_dispatch_due()[SmsStatus.SENT] == 1

    message.refresh_from_db()
    assert (message.status, message.attempts) == (SmsStatus.SENT, 2)
    assert len(gateway.requests) == 2


@pytest.mark.django_db
def test_an_sms_keeps_the_request_id_that_queued_it_for_the_workers_log(gateway, caplog):
    gateway.status = 500
    with request_id_bound("req-sms-1"):
        message = sms_send(phone=PHONE, text=TEXT)
    assert message.request_id == "req-sms-1"

    caplog.handler.addFilter(RequestIdFilter())
    with caplog.at_level("WARNING", logger="notifications.services"):
        sms_dispatch_due()

    assert [(record.request_id, record.getMessage()) for record in caplog.records] == [
        ("req-sms-1", f"sms {message.pk} to 5678 failed: HTTP Error 500: Internal Server Error")
    ]


# sms_dispatch


@pytest.mark.django_db
def test_sms_dispatch_retries_a_failed_message_once_the_gateway_recovers(gateway, send_and_commit):
    # given
    gateway.status = 500
    message = send_and_commit()
    assert message.status == SmsStatus.FAILED
    gateway.status = 200

    # when
    out = dispatch()

    # then
    message.refresh_from_db()
    assert message.status == SmsStatus.SENT
    assert message.attempts == 2
    assert message.error == ""
    assert message.sent_at is not None
    assert len(gateway.requests) == 2
    assert out == "sms_dispatch: sent 1, failed 0\n"


@pytest.mark.django_db
def test_sms_dispatch_leaves_sent_messages_alone(sms_outbox):
    # given
    sent_at = timezone.now()
    sent = SmsMessage.objects.create(
        phone=PHONE, text="已发送", status=SmsStatus.SENT, attempts=1, sent_at=sent_at
    )
    failed = SmsMessage.objects.create(
        phone="13900000000", text="待重试", status=SmsStatus.FAILED, attempts=1, error="boom"
    )

    # when
    out = dispatch()

    # then
    assert sms_outbox == [("13900000000", "待重试")]
    sent.refresh_from_db()
    assert sent.attempts == 1
    assert sent.sent_at == sent_at
    failed.refresh_from_db()
    assert failed.status == SmsStatus.SENT
    assert failed.attempts == 2
    assert out == "sms_dispatch: sent 1, failed 0\n"


@pytest.mark.django_db
def test_sms_dispatch_stops_retrying_a_message_after_max_attempts(gateway, send_and_commit):
    # given: a gateway that never recovers; sending was the first attempt
    gateway.status = 500
    message = send_and_commit()

    # when
    outputs = [dispatch("--max-attempts", "3") for _ in range(4)]

    # then
    message.refresh_from_db()
    assert message.status == SmsStatus.FAILED
    assert message.attempts == 3
    assert len(gateway.requests) == 3
    assert outputs == [
        "sms_dispatch: sent 0, failed 1\n",
        "sms_dispatch: sent 0, failed 1\n",
        "",  # nothing left to try: a quiet round
        "",
    ]


@pytest.mark.django_db
def test_sms_dispatch_retries_only_messages_below_max_attempts(sms_outbox):
    # given
    SmsMessage.objects.create(phone="13900000002", text="二", status=SmsStatus.FAILED, attempts=2)
    SmsMessage.objects.create(phone="13900000003", text="三", status=SmsStatus.FAILED, attempts=3)

    # when
    dispatch("--max-attempts", "3")

    # then
    assert sms_outbox == [("13900000002", "二")]
    assert dict(SmsMessage.objects.values_list("phone", "status")) == {
        "13900000002": SmsStatus.SENT,
        "13900000003": SmsStatus.FAILED,
    }


@pytest.mark.django_db
def test_sms_dispatch_by_default_gives_up_after_five_attempts(sms_outbox):
    SmsMessage.objects.create(phone="13900000004", text="四", status=SmsStatus.FAILED, attempts=4)
    SmsMessage.objects.create(phone="13900000005", text="五", status=SmsStatus.FAILED, attempts=5)

    dispatch()

    assert sms_outbox == [("13900000004", "四")]


# worker


@pytest.mark.django_db(transaction=True)
def test_one_worker_round_delivers_a_queued_message():
    # given
    message = sms_send(phone=PHONE, text=TEXT)
    assert message.status == SmsStatus.QUEUED
    out = StringIO()

    # when
    call_command("worker", "--once", "--loops", "sms", stdout=out)

    # then
    assert InMemoryBackend.outbox == [(PHONE, TEXT)]
    message.refresh_from_db()
    assert message.status == SmsStatus.SENT
    assert message.attempts == 1
    assert out.getvalue() == ""


# ConsoleBackend


def test_the_console_backend_writes_one_line_per_message(capsys):
    ConsoleBackend().send(PHONE, TEXT)

    captured = capsys.readouterr()
    assert captured.out == f"SMS to {PHONE}: {TEXT}\n"
    assert captured.err == ""


@pytest.mark.django_db
def test_sms_dispatch_delivers_fresh_queued_messages_oldest_first():
    SmsMessage.objects.create(phone="13900000006", text="先", status=SmsStatus.QUEUED)
    SmsMessage.objects.create(phone="13900000007", text="后", status=SmsStatus.QUEUED)

    assert dispatch() == "sms_dispatch: sent 2, failed 0\n"

    assert InMemoryBackend.outbox == [("13900000006", "先"), ("13900000007", "后")]


def test_a_malformed_gateway_answer_is_a_recorded_failure(settings):
    """A peer that answers garbage (not HTTP) must not escape as an unexpected exception."""
    import socket
    import threading

    from notifications.sms import HttpGatewayBackend, SmsDeliveryError

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)

    def answer_garbage():
        conn, _ = server.accept()
        conn.recv(65536)
        conn.sendall(b"NOT-HTTP garbage\r\n\r\n")
        conn.close()

    thread = threading.Thread(target=answer_garbage, daemon=True)
    thread.start()
    settings.SMS_GATEWAY_URL = f"http://127.0.0.1:{server.getsockname()[1]}/sms"
    try:
        with pytest.raises(SmsDeliveryError):
            HttpGatewayBackend().send(PHONE, TEXT)
    finally:
        thread.join(timeout=5)
        server.close()
