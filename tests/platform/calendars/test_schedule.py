"""Staff keep the holiday schedule: import, validation, the November warning, and the
provisional deadlines it settles."""

from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from calendars.models import DayKind, HolidaySchedule
from calendars.services import (
    MISSING_YEAR_KIND,
    ScheduleDayInput,
    calendar_warn_missing_next_year,
    holiday_schedule_enter,
    schedule_days_parse,
)
from deals.models import Deal
from kernel.clock import SHANGHAI
from kernel.errors import DomainError
from notifications.models import Notification
from tests.api.test_deals import pdf_text, sold_lot
from tests.api.test_document_verify import printed
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SCHEDULE_2027 = """\
# 国务院办公厅关于2027年部分节假日安排的通知（示例）
date,kind,name
2027-01-01,休,元旦
2027-01-02,休,元旦
2027-01-03,休,元旦
2027-02-05,休,春节
2027-02-06,休,春节
2027-02-07,休,春节
2027-02-08,休,春节
2027-02-09,休,春节
2027-02-10,休,春节
2027-02-11,休,春节
2027-02-20,班,春节
"""


def calendar_keeper(phone="13600000001"):
    user = UserFactory(phone=phone, is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="calendars"))
    return user


def enter_2027(days_text=SCHEDULE_2027, **kwargs):
    return holiday_schedule_enter(
        actor=None,
        year=2027,
        notice="国务院办公厅关于2027年部分节假日安排的通知",
        days=schedule_days_parse(days_text),
        **kwargs,
    )


def notice_text(deal: Deal) -> str:
    with default_storage.open(deal.notice.stored_name, "rb") as handle:
        return pdf_text(handle.read())


def deal_closing(day: date) -> Deal:
    ended = datetime.combine(day, datetime.min.time(), tzinfo=SHANGHAI) + timedelta(hours=15)
    with time_machine.travel(ended - timedelta(hours=2), tick=False):
        sold_lot(ended_at=ended)
    return Deal.objects.get()


def test_the_import_file_reads_days_off_and_adjusted_working_days():
    days = schedule_days_parse(SCHEDULE_2027)
    assert len(days) == 11
    assert days[0] == ScheduleDayInput(date(2027, 1, 1), DayKind.HOLIDAY, "元旦")
    assert days[-1] == ScheduleDayInput(date(2027, 2, 20), DayKind.WORKDAY, "春节")
    assert schedule_days_parse("2027-10-09,WORKDAY,国庆节")[0].kind == DayKind.WORKDAY


def test_unreadable_lines_are_refused_with_their_numbers():
    with pytest.raises(DomainError) as refused:
        schedule_days_parse("2027-01-01,休,元旦\n2027-13-01,休\n2027-01-02,放\n2027-01-03\n")
    assert refused.value.codes == ["SCHEDULE_LINE_INVALID"] * 3
    assert [item.params["line"] for item in refused.value.items] == [2, 3, 4]


def test_a_schedule_with_wrong_days_is_refused_whole():
    with pytest.raises(DomainError) as refused:
        enter_2027("2027-01-01,休\n2027-01-01,休\n2027-01-04,班\n2026-06-06,班\n2028-01-01,休\n")
    assert refused.value.codes == [
        "SCHEDULE_DAY_TWICE",
        "SCHEDULE_WORKDAY_NOT_WEEKEND",
        "SCHEDULE_DAY_OUTSIDE_YEAR",
        "SCHEDULE_DAY_OUTSIDE_YEAR",
    ]
    assert not HolidaySchedule.objects.filter(year=2027).exists()


def test_an_entered_year_is_replaced_only_when_asked():
    enter_2027()
    with pytest.raises(DomainError) as refused:
        enter_2027()
    assert refused.value.codes == ["SCHEDULE_EXISTS"]
    schedule = enter_2027("2027-01-01,休,元旦\n", replace=True)
    assert list(schedule.days.values_list("date", flat=True)) == [date(2027, 1, 1)]


def test_the_import_command_enters_the_year(tmp_path):
    path = tmp_path / "2027.csv"
    path.write_text(SCHEDULE_2027, encoding="utf-8")
    call_command(
        "holiday_schedule_import", str(path), "--year", "2027", "--notice", "国办发明电〔2026〕7号"
    )
    schedule = HolidaySchedule.objects.get(year=2027)
    assert schedule.notice == "国办发明电〔2026〕7号"
    assert schedule.days.count() == 11
    with pytest.raises(CommandError, match="2027"):
        call_command("holiday_schedule_import", str(path), "--year", "2027", "--notice", "x")


def test_staff_are_warned_from_november_once_a_day_while_next_year_is_missing(sms_outbox):
    keeper = calendar_keeper()
    UserFactory(phone="13600000002", is_staff=True)  # staff who do not keep the calendar
    superuser = UserFactory(phone="13600000003", is_staff=True, is_superuser=True)
    october = datetime(2026, 10, 31, 10, tzinfo=SHANGHAI)
    with time_machine.travel(october, tick=False):
        assert calendar_warn_missing_next_year() == 0
    with time_machine.travel(october + timedelta(days=1), tick=False):
        assert calendar_warn_missing_next_year() == 2
        assert calendar_warn_missing_next_year() == 0
    with time_machine.travel(october + timedelta(days=2), tick=False):
        assert calendar_warn_missing_next_year() == 2
    warned = Notification.objects.filter(kind=MISSING_YEAR_KIND)
    assert sorted(warned.values_list("user_id", flat=True)) == sorted([keeper.pk, superuser.pk] * 2)
    assert "2027年节假日安排尚未录入" in warned.first().title
    assert sms_outbox == []  # inbox only: a daily chore is not an SMS
    enter_2027()
    with time_machine.travel(october + timedelta(days=3), tick=False):
        assert calendar_warn_missing_next_year() == 0


@pytest.mark.parametrize(
    "page", ["admin:index", "admin:calendars_holidayschedule_changelist"], ids=["index", "list"]
)
def test_the_admin_warns_the_calendars_keepers_while_next_year_is_missing(page):
    url = reverse(page)
    with time_machine.travel(datetime(2026, 11, 2, 10, tzinfo=SHANGHAI), tick=False):
        client = Client()
        client.force_login(calendar_keeper())
        assert "2027年节假日安排尚未录入" in client.get(url).content.decode()
        other = Client()
        other.force_login(UserFactory(phone="13600000009", is_staff=True))
        assert "尚未录入" not in other.get(reverse("admin:index")).content.decode()
        enter_2027()
        assert "尚未录入" not in client.get(url).content.decode()
    with time_machine.travel(datetime(2026, 10, 30, 10, tzinfo=SHANGHAI), tick=False):
        HolidaySchedule.objects.filter(year=2027).delete()
        client.force_login(calendar_keeper("13600000008"))
        assert "尚未录入" not in client.get(url).content.decode()  # not yet November


def test_a_deal_closing_2026_12_28_without_2027_is_provisional_and_skips_new_year():
    deal = deal_closing(date(2026, 12, 28))
    # 12-29, 12-30, 12-31, (01-01 New Year's Day by rule), 01-04, 01-05
    assert (deal.contract_deadline, deal.contract_deadline_provisional) == (date(2027, 1, 5), True)
    text = notice_text(deal)
    assert "2027年1月5日（含当日）（暂定）" in text
    assert "2027年国务院节假日安排尚未公布" in text


def test_entering_2027_settles_the_deadline_quietly_when_it_does_not_move(sms_outbox):
    deal = deal_closing(date(2026, 12, 28))
    old_notice = deal.notice
    sms_outbox.clear()
    with time_machine.travel(datetime(2026, 12, 29, 10, tzinfo=SHANGHAI), tick=False):
        enter_2027()
    deal.refresh_from_db()
    assert (deal.contract_deadline, deal.contract_deadline_provisional) == (date(2027, 1, 5), False)
    assert deal.notice_id != old_notice.pk
    assert printed(deal.notice) == printed(old_notice)  # same serial and code: still verifies
    assert "暂定" not in notice_text(deal)
    assert sms_outbox == []
    assert not Notification.objects.filter(kind="deal.deadline_moved").exists()


def test_entering_2027_moves_a_deadline_and_tells_both_parties(
    sms_outbox, django_capture_on_commit_callbacks
):
    deal = deal_closing(date(2026, 12, 28))
    sms_outbox.clear()
    with (
        time_machine.travel(datetime(2026, 12, 29, 10, tzinfo=SHANGHAI), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        enter_2027(SCHEDULE_2027 + "2027-01-04,休,元旦\n")
    deal.refresh_from_db()
    assert (deal.contract_deadline, deal.contract_deadline_provisional) == (date(2027, 1, 6), False)
    told = Notification.objects.filter(kind="deal.deadline_moved")
    assert sorted(told.values_list("user_id", flat=True)) == sorted([deal.buyer_id, deal.seller_id])
    assert "由2027年01月05日调整为2027年01月06日" in told.first().body
    assert len(sms_outbox) == 2
    assert "2027年1月6日（含当日）" in notice_text(deal)


def test_spring_festival_2027_by_rule_then_with_its_adjusted_saturday_entered():
    # Tue 2027-02-16, no schedule: 02-17, 02-18, 02-19, 02-22, 02-23 (provisional)
    deal = deal_closing(date(2027, 2, 16))
    assert (deal.contract_deadline, deal.contract_deadline_provisional) == (date(2027, 2, 23), True)
    with time_machine.travel(datetime(2027, 2, 16, 18, tzinfo=SHANGHAI), tick=False):
        enter_2027()
    # entered: Saturday 02-20 is an adjusted working day: 02-17, 18, 19, 20, 22
    deal.refresh_from_db()
    assert (deal.contract_deadline, deal.contract_deadline_provisional) == (
        date(2027, 2, 22),
        False,
    )


def test_a_deal_with_a_contract_is_not_recounted():
    deal = deal_closing(date(2026, 12, 28))
    Deal.objects.filter(pk=deal.pk).update(status="CONTRACT_UPLOADED")
    enter_2027(SCHEDULE_2027 + "2027-01-04,休,元旦\n")
    deal.refresh_from_db()
    assert (deal.contract_deadline, deal.contract_deadline_provisional) == (date(2027, 1, 5), True)


def test_saving_the_schedule_in_the_admin_settles_provisional_deadlines():
    deal = deal_closing(date(2026, 12, 28))
    keeper = calendar_keeper()
    data = {
        "year": "2027",
        "notice": "国务院办公厅关于2027年部分节假日安排的通知",
        "notice_url": "",
        "published_on": "",
        "days-TOTAL_FORMS": "2",
        "days-INITIAL_FORMS": "0",
        "days-MIN_NUM_FORMS": "0",
        "days-MAX_NUM_FORMS": "1000",
        "days-0-date": "2027-01-01",
        "days-0-kind": "HOLIDAY",
        "days-0-name": "元旦",
        "days-1-date": "2027-01-04",
        "days-1-kind": "HOLIDAY",
        "days-1-name": "元旦",
    }
    with time_machine.travel(datetime(2026, 12, 29, 10, tzinfo=SHANGHAI), tick=False):
        client = Client()
        client.force_login(keeper)
        response = client.post(reverse("admin:calendars_holidayschedule_add"), data)
    assert response.status_code == 302
    assert response.url == reverse("admin:calendars_holidayschedule_changelist")
    deal.refresh_from_db()
    assert (deal.contract_deadline, deal.contract_deadline_provisional) == (date(2027, 1, 6), False)
    assert HolidaySchedule.objects.get(year=2027).entered_by is not None


def test_the_2026_year_end_from_the_deal_to_the_settled_deadline(monkeypatch):
    from deals import services as deal_services

    monkeypatch.setattr(deal_services, "_daily_duties_seen_on", None)
    keeper = calendar_keeper()
    deal = deal_closing(date(2026, 12, 28))
    assert (deal.contract_deadline, deal.contract_deadline_provisional) == (date(2027, 1, 5), True)

    with time_machine.travel(datetime(2026, 12, 28, 18, tzinfo=SHANGHAI), tick=False):
        assert deal_services.deals_daily_duties() is True
    warning = Notification.objects.get(kind=MISSING_YEAR_KIND)
    assert warning.user == keeper

    with time_machine.travel(datetime(2026, 12, 29, 9, tzinfo=SHANGHAI), tick=False):
        enter_2027()
        assert deal_services.deals_daily_duties() is True
    deal.refresh_from_db()
    assert (deal.contract_deadline, deal.contract_deadline_provisional) == (date(2027, 1, 5), False)
    assert Notification.objects.filter(kind=MISSING_YEAR_KIND).count() == 1


def test_the_admin_refuses_a_weekday_as_an_adjusted_working_day():
    client = Client()
    client.force_login(calendar_keeper())
    response = client.post(
        reverse("admin:calendars_holidayschedule_add"),
        {
            "year": "2027",
            "notice": "国务院办公厅关于2027年部分节假日安排的通知",
            "days-TOTAL_FORMS": "1",
            "days-INITIAL_FORMS": "0",
            "days-MIN_NUM_FORMS": "0",
            "days-MAX_NUM_FORMS": "1000",
            "days-0-date": "2027-01-04",
            "days-0-kind": "WORKDAY",
            "days-0-name": "元旦",
        },
    )
    assert response.status_code == 200
    assert "2027-01-04是工作日：只有周六或周日可以设为调休上班日。" in response.content.decode()
    assert not HolidaySchedule.objects.filter(year=2027).exists()
