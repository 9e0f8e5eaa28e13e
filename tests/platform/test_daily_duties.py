"""The worker's daily round runs once a day, whichever of several workers ticks first."""

from datetime import datetime, timedelta
from unittest import mock

import pytest
import time_machine

from deals import services
from deals.models import DutyRun
from deals.services import DAILY_DUTIES, deals_daily_duties
from kernel.clock import SHANGHAI
from tests.concurrency import postgres_only, run_together

MORNING = datetime(2026, 11, 3, 8, 0, 5, tzinfo=SHANGHAI)


@pytest.fixture
def duties(monkeypatch):
    monkeypatch.setattr(services, "_daily_duties_seen_on", None)
    with (
        mock.patch.object(services, "deals_remind_and_mark_overdue") as remind,
        mock.patch.object(services, "deals_settle_provisional_deadlines") as settle,
        mock.patch("calendars.services.calendar_warn_missing_next_year") as warn,
    ):
        yield remind, settle, warn


@pytest.mark.django_db
def test_the_daily_round_runs_once_a_day_from_eight_in_the_morning(duties):
    remind, settle, warn = duties
    with time_machine.travel(MORNING - timedelta(minutes=1), tick=False):
        assert deals_daily_duties() is False  # 07:59: not yet
    with time_machine.travel(MORNING, tick=False):
        assert deals_daily_duties() is True
        assert deals_daily_duties() is False
    with time_machine.travel(MORNING + timedelta(hours=15), tick=False):
        assert deals_daily_duties() is False  # 23:00 the same day
    with time_machine.travel(MORNING + timedelta(days=1), tick=False):
        assert deals_daily_duties() is True
    assert (remind.call_count, settle.call_count, warn.call_count) == (2, 2, 2)
    assert DutyRun.objects.get(name=DAILY_DUTIES).ran_on == (MORNING + timedelta(days=1)).date()


@pytest.mark.django_db
def test_a_failed_round_is_tried_again_on_the_next_tick(duties):
    remind, _, _ = duties
    remind.side_effect = [RuntimeError("database went away"), None]
    with time_machine.travel(MORNING, tick=False):
        with pytest.raises(RuntimeError):
            deals_daily_duties()
        assert deals_daily_duties() is True
    assert remind.call_count == 2


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_of_several_workers_ticking_at_once_one_runs_the_round(duties):
    remind, _, _ = duties
    with time_machine.travel(MORNING, tick=False):
        results = run_together([deals_daily_duties] * 4)
    assert sorted(results) == [False, False, False, True]
    assert remind.call_count == 1


@pytest.mark.django_db
def test_once_the_round_ran_a_tick_costs_no_query(duties, django_assert_num_queries):
    with time_machine.travel(MORNING, tick=False):
        assert deals_daily_duties() is True
        with django_assert_num_queries(0):
            assert deals_daily_duties() is False
    next_day_early = MORNING + timedelta(hours=23)  # 07:00 the next day
    with time_machine.travel(next_day_early, tick=False), django_assert_num_queries(0):
        assert deals_daily_duties() is False


@pytest.mark.django_db
def test_a_worker_that_finds_the_round_done_by_another_stops_asking(duties):
    remind, _, _ = duties
    with time_machine.travel(MORNING, tick=False):
        DutyRun.objects.create(name=DAILY_DUTIES, ran_on=MORNING.date())
        assert deals_daily_duties() is False
        assert services._daily_duties_seen_on == MORNING.date()
    assert remind.call_count == 0
