"""The in-app inbox: every notice goes out by SMS, into the inbox and live, after commit only."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import transaction

from accounts.models import Verification
from auctions.services.bidding import bid_place
from auctions.services.clock import lots_finalize_due
from kernel.clock import now
from live import events
from notifications.models import Notification, SmsMessage
from notifications.selectors import notifications_of
from notifications.services import notifications_mark_read, notify
from reviews.services import review_decide
from tests.factories import (
    UserFactory,
    VerificationFactory,
    auction_session,
    bidder,
    lot,
    staff_user,
)

pytestmark = pytest.mark.django_db

TEXT = "【省技术产权交易市场】您提交的实名认证申请已审核通过。"


class RecordingLayer:
    """Stands in for the channel layer: records what is sent to which group."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict]] = []

    async def group_send(self, group: str, message: dict) -> None:
        self.sent.append((group, message["event"]))


@pytest.fixture
def layer(monkeypatch):
    recording = RecordingLayer()
    monkeypatch.setattr(events, "get_channel_layer", lambda: recording)
    return recording


def test_notify_puts_it_in_the_inbox_and_sends_the_same_text_by_sms(
    layer, sms_outbox, django_capture_on_commit_callbacks
):
    user = UserFactory(phone="13812340001")
    verification = VerificationFactory(user=user)

    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(
            user=user,
            kind="review.decided",
            title="实名认证审核通过",
            text=TEXT,
            subject=verification,
        )

    stored = Notification.objects.get()
    assert stored == notification
    assert (stored.user, stored.kind, stored.title, stored.body) == (
        user,
        "review.decided",
        "实名认证审核通过",
        TEXT,
    )
    assert (stored.subject_type, stored.subject_id) == ("Verification", str(verification.pk))
    assert stored.read_at is None
    assert SmsMessage.objects.get().text == TEXT
    assert sms_outbox == [("13812340001", TEXT)]


def test_the_live_event_goes_to_the_users_group_after_commit_only(
    layer, django_capture_on_commit_callbacks
):
    user = UserFactory()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notification = notify(user=user, kind="lot.won", title="竞价成功", text=TEXT)
        assert layer.sent == []

    for callback in callbacks:
        callback()
    assert layer.sent == [
        (
            f"user.{user.pk}",
            {
                "type": "notification.created",
                "id": notification.pk,
                "kind": "lot.won",
                "title": "竞价成功",
                "body": TEXT,
                "created_at": notification.created_at.isoformat(),
                "subject_type": "",
                "subject_id": "",
            },
        )
    ]


def test_a_rolled_back_operation_leaves_no_notification_sms_or_event(
    layer, sms_outbox, django_capture_on_commit_callbacks
):
    user = UserFactory()

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notify(user=user, kind="lot.won", title="竞价成功", text=TEXT)
        raise RuntimeError("the caller fails after notifying")

    assert callbacks == []
    assert not Notification.objects.exists()
    assert not SmsMessage.objects.exists()
    assert sms_outbox == []
    assert layer.sent == []


def test_mark_read_touches_only_ones_own_notifications():
    mine, theirs = UserFactory(), UserFactory()
    first = notify(user=mine, kind="lot.won", title="一", text="一")
    second = notify(user=mine, kind="lot.won", title="二", text="二")
    foreign = notify(user=theirs, kind="lot.won", title="三", text="三")

    assert notifications_mark_read(user=mine, ids=[first.pk, foreign.pk]) == 1
    assert notifications_mark_read(user=mine, ids=[first.pk]) == 0  # already read

    first.refresh_from_db()
    second.refresh_from_db()
    foreign.refresh_from_db()
    assert first.read_at is not None
    assert second.read_at is None
    assert foreign.read_at is None


def test_mark_all_read_marks_every_unread_one_of_the_user_and_no_one_elses():
    mine, theirs = UserFactory(), UserFactory()
    for title in ("一", "二", "三"):
        notify(user=mine, kind="lot.won", title=title, text=title)
    notify(user=theirs, kind="lot.won", title="四", text="四")
    notifications_mark_read(user=mine, ids=[notifications_of(mine).last().pk])

    assert notifications_mark_read(user=mine, ids=None) == 2
    assert notifications_of(mine, unread_only=True).count() == 0
    assert notifications_of(theirs, unread_only=True).count() == 1
    assert notifications_mark_read(user=mine, ids=[]) == 0


def test_the_inbox_lists_newest_first_and_filters_unread():
    user = UserFactory()
    with time_machine.travel(now() - timedelta(hours=1), tick=False):
        older = notify(user=user, kind="lot.won", title="旧", text="旧")
    newer = notify(user=user, kind="lot.won", title="新", text="新")
    notifications_mark_read(user=user, ids=[newer.pk])

    assert list(notifications_of(user)) == [newer, older]
    assert list(notifications_of(user, unread_only=True)) == [older]


def test_a_review_decision_reaches_the_inbox_and_still_publishes_review_decided(
    layer, sms_outbox, django_capture_on_commit_callbacks
):
    verification = VerificationFactory(status="PENDING")

    with django_capture_on_commit_callbacks(execute=True):
        review_decide(
            model=Verification,
            pk=verification.pk,
            actor=staff_user(),
            approve=False,
            reason="证书不清晰",
        )

    notification = Notification.objects.get(user=verification.user)
    text = (
        "【省技术产权交易市场】您提交的实名认证申请未通过审核，原因：证书不清晰。请修改后重新提交。"
    )
    assert (notification.kind, notification.title, notification.body) == (
        "review.decided",
        "实名认证未通过审核",
        text,
    )
    assert (notification.subject_type, notification.subject_id) == (
        "Verification",
        str(verification.pk),
    )
    assert sms_outbox == [(verification.user.phone, text)]
    types = [
        event["type"] for group, event in layer.sent if group == f"user.{verification.user_id}"
    ]
    assert sorted(types) == ["notification.created", "review.decided"]


def test_the_clock_tells_the_winner_and_the_seller_of_a_sale_in_their_inboxes(
    django_capture_on_commit_callbacks,
):
    the_lot = lot(start_price=Decimal("100000.00"))
    winner = bidder(the_lot)
    bid_place(
        user=winner,
        lot_id=the_lot.pk,
        amount=the_lot.start_price,
        idempotency_key="inbox-sale-0001",
    )
    seller = the_lot.listing.shop.identity.user

    with (
        time_machine.travel(now() + timedelta(hours=2), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert lots_finalize_due() == 1

    won = Notification.objects.get(user=winner)
    deal = the_lot.deal  # the sale opens the deal; the news points at it
    assert (won.kind, won.title, won.subject_type, won.subject_id) == (
        "lot.won",
        "竞价成功",
        "Deal",
        str(deal.pk),
    )
    assert won.body.startswith("【省技术产权交易市场】恭喜您以100000.00元竞得")
    sold = Notification.objects.get(user=seller)
    assert (sold.kind, sold.title, sold.subject_id) == ("lot.sold", "拍品已成交", str(deal.pk))
    assert "已以100000.00元成交" in sold.body
    assert SmsMessage.objects.filter(text__in=[won.body, sold.body]).count() == 2


def test_the_clock_tells_the_seller_when_a_lot_goes_unsold(django_capture_on_commit_callbacks):
    the_lot = lot(session_obj=auction_session())
    seller = the_lot.listing.shop.identity.user

    with (
        time_machine.travel(now() + timedelta(hours=2), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        lots_finalize_due()

    unsold = Notification.objects.get()
    assert (unsold.user, unsold.kind, unsold.title) == (seller, "lot.unsold", "拍品流拍")
    assert "本场竞价未成交（流拍）" in unsold.body


def test_staff_read_notifications_in_the_admin_but_never_change_them(client):
    from django.urls import reverse

    superuser = UserFactory(is_staff=True, is_superuser=True)
    notification = notify(
        user=UserFactory(phone="13812340009"), kind="lot.won", title="竞价成功", text=TEXT
    )
    client.force_login(superuser)
    changelist = reverse("admin:notifications_notification_changelist")
    change = reverse("admin:notifications_notification_change", args=[notification.pk])

    assert "竞价成功" in client.get(changelist, {"q": "13812340009"}).content.decode()
    page = client.get(change)
    assert page.status_code == 200 and TEXT in page.content.decode()
    assert client.get(reverse("admin:notifications_notification_add")).status_code == 403
    assert client.post(change, {"title": "改过"}).status_code == 403
