"""manage.py worker: every loop in its own thread, so a long import holds back neither the
auction clock nor the SMS outbox (issue 13)."""

import os
import signal
import threading
import time
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from auctions.models import Lot
from config.management.commands import worker
from config.models import WorkerHeartbeat
from kernel.clock import now
from notifications.models import SmsMessage, SmsStatus
from notifications.services import sms_send
from tests.factories import lot

PHONE = "13812345678"


# SQLite's in-memory test database locks whole tables across threads ("database table is
# locked", no busy wait); the embedded default's file database waits instead, and the
# system tests run the threaded worker against one (tests/system).
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="threads on SQLite's in-memory test database"
)
@pytest.mark.django_db(transaction=True)
def test_a_lot_ends_and_an_sms_leaves_on_time_while_a_long_import_is_being_checked(
    monkeypatch, restore_signal_handlers
):
    # given: an import check that takes 6 s (what 10,000 rows took), a lot ending in 1 s
    import_started, import_done = threading.Event(), threading.Event()

    def slow_import(*, should_continue):
        import_started.set()
        deadline = time.monotonic() + 6
        while should_continue() and time.monotonic() < deadline:
            time.sleep(0.05)
        import_done.set()
        return 1

    monkeypatch.setattr(worker, "listing_imports_process_queued", slow_import)
    the_lot = lot(ends_at=now() + timedelta(seconds=1))
    seen = {}

    def watch():
        try:
            assert import_started.wait(10)
            message = sms_send(phone=PHONE, text="导入期间的短信")
            queued_at = time.monotonic()
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and len(seen) < 2:
                if "lot" not in seen:
                    ended = Lot.objects.get(pk=the_lot.pk)
                    if ended.finalized_at is not None:
                        seen["lot"] = (ended.finalized_at - ended.ends_at).total_seconds()
                        seen["import_running"] = not import_done.is_set()
                if "sms" not in seen:
                    message.refresh_from_db()
                    if message.status == SmsStatus.SENT:
                        seen["sms"] = time.monotonic() - queued_at
                time.sleep(0.05)
        finally:
            connection.close()
            os.kill(os.getpid(), signal.SIGTERM)

    watcher = threading.Thread(target=watch)
    watcher.start()

    # when
    out = StringIO()
    call_command("worker", stdout=out)
    watcher.join(5)

    # then
    assert seen["import_running"] is True
    assert 0 <= seen["lot"] < 2.0
    assert seen["sms"] < 2.0
    assert (
        out.getvalue()
        == "worker: started (clock, documents, sms, imports, daily)\nworker: stopped\n"
    )
    assert set(WorkerHeartbeat.objects.values_list("loop", flat=True)) == {
        "clock",
        "documents",
        "sms",
        "imports",
        "daily",
    }


@pytest.mark.django_db(transaction=True)
def test_a_failing_round_is_logged_and_its_loop_goes_on(monkeypatch, caplog):
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database went away")

    loop = worker.Loop("daily", 0.0, lambda running: flaky())
    stopping = threading.Event()
    monkeypatch.setattr(worker, "heartbeat", lambda name: stopping.set())

    worker.run_loop(loop, stopping)

    assert len(calls) == 2
    assert [record.getMessage() for record in caplog.records] == [
        "worker: the daily loop failed; retrying"
    ]


@pytest.mark.django_db
def test_the_worker_refuses_a_loop_it_does_not_know():
    with pytest.raises(CommandError, match="unknown loops: clocks"):
        call_command("worker", "--once", "--loops", "clocks,sms")


@pytest.mark.django_db
def test_one_round_of_chosen_loops_beats_only_their_hearts():
    sms_send(phone=PHONE, text="一")
    call_command("worker", "--once", "--loops", "clock,sms")
    assert set(WorkerHeartbeat.objects.values_list("loop", flat=True)) == {"clock", "sms"}
    assert SmsMessage.objects.get().status == SmsStatus.SENT


@pytest.mark.skipif(not worker.POOLED, reason="PostgreSQL with Django's pool only")
@pytest.mark.django_db(transaction=True)
def test_a_pooled_loop_hands_its_connection_back_to_the_pool_between_rounds():
    stopping = threading.Event()
    held_at_start: list[bool] = []

    def one_round(running):
        held_at_start.append(connection.connection is not None)
        WorkerHeartbeat.objects.count()  # takes a connection from the pool
        if len(held_at_start) == 4:
            stopping.set()

    thread = threading.Thread(
        target=worker.run_loop, args=(worker.Loop("probe", 0.01, one_round), stopping)
    )
    thread.start()
    thread.join(10)
    # Each round started without a connection: the previous one went back to the pool.
    assert held_at_start == [False, False, False, False]
