"""The inbox through the API: read it, mark it read, follow it live over WebSocket."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.services.tokens import api_token_issue
from config.asgi import application
from notifications.models import Notification
from notifications.services import notify
from tests.api import operations as op
from tests.api.helpers import error_codes, gid
from tests.factories import UserFactory, VerificationFactory, staff_user

pytestmark = pytest.mark.django_db

INBOX = """
query($first: Int, $after: String, $unreadOnly: Boolean) {
  notifications(first: $first, after: $after, unreadOnly: $unreadOnly) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id kind title body createdAt readAt read subjectId } }
  }
  unreadNotificationCount
}"""

MARK_READ = """
mutation($ids: [ID!]) {
  notificationsMarkRead(input: {ids: $ids}) { count errors { code field message } }
}"""

NODE = "query($id: ID!) { node(id: $id) { id ... on Notification { title body } } }"


def inbox(client, **variables):
    response = client(INBOX, variables)
    assert "errors" not in response, response["errors"]
    return response["data"]


def titles(data) -> list[str]:
    return [edge["node"]["title"] for edge in data["notifications"]["edges"]]


def send(user, count: int) -> list[Notification]:
    return [
        notify(user=user, kind="lot.won", title=f"第{n}条", text=f"【测试】第{n}条")
        for n in range(1, count + 1)
    ]


def test_the_applicant_finds_a_staff_decision_in_the_inbox(signed_in_as, sms_outbox):
    verification = VerificationFactory(status="PENDING")
    staff = signed_in_as(staff_user())

    rejected = staff(
        op.REVIEW_REJECT, {"id": gid("Verification", verification.pk), "reason": "证书不清晰"}
    )

    assert rejected["data"]["reviewReject"]["errors"] == []
    data = inbox(signed_in_as(verification.user))
    assert data["unreadNotificationCount"] == 1
    assert data["notifications"]["totalCount"] == 1
    node = data["notifications"]["edges"][0]["node"]
    text = (
        "【省技术产权交易市场】您提交的实名认证申请未通过审核，原因：证书不清晰。请修改后重新提交。"
    )
    assert node["id"] == gid("Notification", Notification.objects.get().pk)
    assert (node["kind"], node["title"], node["body"]) == (
        "review.decided",
        "实名认证未通过审核",
        text,
    )
    assert (node["read"], node["readAt"]) == (False, None)
    assert node["subjectId"] == gid("Verification", verification.pk)
    assert node["createdAt"].endswith("+00:00")
    assert sms_outbox == [(verification.user.phone, text)]
    # the staff member's own inbox is untouched
    assert inbox(staff)["notifications"]["totalCount"] == 0


def test_the_inbox_is_newest_first_pages_and_filters_unread(signed_in_as):
    user = UserFactory()
    *_, third = send(user, 3)
    client = signed_in_as(user)
    client(MARK_READ, {"ids": [gid("Notification", third.pk)]})

    page = inbox(client, first=2)
    assert titles(page) == ["第3条", "第2条"]
    assert page["notifications"]["pageInfo"]["hasNextPage"] is True
    after = page["notifications"]["pageInfo"]["endCursor"]
    assert titles(inbox(client, first=2, after=after)) == ["第1条"]

    unread = inbox(client, unreadOnly=True)
    assert titles(unread) == ["第2条", "第1条"]
    assert unread["notifications"]["totalCount"] == 2
    assert unread["unreadNotificationCount"] == 2
    read = inbox(client)["notifications"]["edges"][0]["node"]
    assert read["read"] is True and read["readAt"] is not None


def test_marking_one_read(signed_in_as):
    user = UserFactory()
    first, _ = send(user, 2)
    client = signed_in_as(user)

    marked = client(MARK_READ, {"ids": [gid("Notification", first.pk)]})["data"]
    again = client(MARK_READ, {"ids": [gid("Notification", first.pk)]})["data"]

    assert marked["notificationsMarkRead"] == {"count": 1, "errors": []}
    assert again["notificationsMarkRead"] == {"count": 0, "errors": []}
    assert titles(inbox(client, unreadOnly=True)) == ["第2条"]


def test_marking_all_read(signed_in_as):
    user = UserFactory()
    send(user, 3)
    client = signed_in_as(user)

    marked = client(MARK_READ)["data"]["notificationsMarkRead"]

    assert marked == {"count": 3, "errors": []}
    data = inbox(client, unreadOnly=True)
    assert data["notifications"]["totalCount"] == 0
    assert data["unreadNotificationCount"] == 0


def test_an_id_of_another_type_is_refused_and_nothing_is_marked(signed_in_as):
    user = UserFactory()
    (mine,) = send(user, 1)
    client = signed_in_as(user)

    marked = client(MARK_READ, {"ids": [gid("Notification", mine.pk), gid("Shop", mine.pk)]})[
        "data"
    ]["notificationsMarkRead"]

    assert marked["count"] == 0
    assert error_codes(marked) == ["NOT_FOUND"]
    assert marked["errors"][0]["field"] == "ids"
    assert inbox(client)["unreadNotificationCount"] == 1


def test_another_user_can_neither_see_nor_mark_ones_notifications(signed_in_as):
    owner, stranger = UserFactory(), UserFactory()
    (notification,) = send(owner, 1)
    client = signed_in_as(stranger)
    notification_id = gid("Notification", notification.pk)

    assert client(NODE, {"id": notification_id})["data"] == {"node": None}
    assert inbox(client)["notifications"]["totalCount"] == 0
    marked = client(MARK_READ, {"ids": [notification_id]})["data"]["notificationsMarkRead"]
    assert marked == {"count": 0, "errors": []}
    assert client(MARK_READ)["data"]["notificationsMarkRead"]["count"] == 0

    notification.refresh_from_db()
    assert notification.read_at is None
    assert signed_in_as(owner)(NODE, {"id": notification_id})["data"]["node"]["title"] == "第1条"


def test_the_inbox_needs_a_signed_in_user(gql):
    for query in (INBOX, MARK_READ):
        response = gql(query)
        assert response["data"] is None
        assert response["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_a_page_costs_the_same_number_of_queries_whatever_its_size(signed_in_as):
    user = UserFactory()
    client = signed_in_as(user)
    send(user, 2)
    with CaptureQueriesContext(connection) as small:
        client(INBOX, {"first": 2})
    send(user, 18)
    with CaptureQueriesContext(connection) as large:
        data = inbox(client, first=20)
    assert len(data["notifications"]["edges"]) == 20
    assert len(large) == len(small)


# -- live over WebSocket --------------------------------------------------------------------

SUBSCRIPTION = (
    "subscription { myNotifications { id kind title body read readAt createdAt subjectId } }"
)


async def subscribe(raw_token: str | None):
    socket = WebsocketCommunicator(
        application,
        "/graphql",
        subprotocols=["graphql-transport-ws"],
        headers=[(b"origin", b"http://127.0.0.1:8000")],
    )
    connected, _ = await socket.connect()
    assert connected
    payload = {"authorization": f"Bearer {raw_token}"} if raw_token else {}
    await socket.send_json_to({"type": "connection_init", "payload": payload})
    assert (await socket.receive_json_from(timeout=5))["type"] == "connection_ack"
    await socket.send_json_to({"id": "n", "type": "subscribe", "payload": {"query": SUBSCRIPTION}})
    return socket


def _user_with_token():
    user = UserFactory()
    _, raw = api_token_issue(user=user)
    return user, raw


@pytest.mark.django_db(transaction=True)
async def test_a_subscriber_sees_its_new_notifications_live():
    user, raw_token = await sync_to_async(_user_with_token)()
    other = await sync_to_async(UserFactory)()
    verification = await sync_to_async(VerificationFactory)(user=user)
    socket = await subscribe(raw_token)
    await asyncio.sleep(0.2)  # let the subscription join its group

    await sync_to_async(notify)(user=other, kind="lot.won", title="别人的", text="别人的")
    notification = await sync_to_async(notify)(
        user=user,
        kind="review.decided",
        title="实名认证审核通过",
        text="已审核通过。",
        subject=verification,
    )

    message = await socket.receive_json_from(timeout=5)
    assert message["type"] == "next" and message["id"] == "n"
    assert message["payload"]["data"]["myNotifications"] == {
        "id": gid("Notification", notification.pk),
        "kind": "review.decided",
        "title": "实名认证审核通过",
        "body": "已审核通过。",
        "read": False,
        "readAt": None,
        "createdAt": notification.created_at.isoformat(),
        "subjectId": gid("Verification", verification.pk),
    }
    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_an_anonymous_subscriber_gets_unauthenticated():
    socket = await subscribe(None)
    message = await socket.receive_json_from(timeout=5)
    assert message["type"] == "error"
    assert message["payload"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    await socket.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_subscriber_resuming_after_an_id_gets_what_it_missed_then_live_once_each():
    from tests.api.ws import Socket

    def setup():
        user = UserFactory()
        sent = [
            notify(user=user, kind="lot.unsold", title=f"第{n}条", text=f"通知{n}")
            for n in range(3)
        ]
        return user, api_token_issue(user=user)[1], sent

    user, raw, sent = await sync_to_async(setup)()
    ws = await Socket.open({"authorization": f"Bearer {raw}"})
    await ws.subscribe(
        "n",
        "subscription($after: ID) { myNotifications(afterId: $after) { id title } }",
        {"after": gid("Notification", sent[0].pk)},
    )
    missed = [await ws.data("myNotifications") for _ in range(2)]
    await sync_to_async(notify)(user=user, kind="lot.unsold", title="第3条", text="通知3")
    live = await ws.data("myNotifications")

    assert [n["title"] for n in missed] == ["第1条", "第2条"]
    assert missed[0]["id"] == gid("Notification", sent[1].pk)
    assert live["title"] == "第3条"
    assert await ws.nothing_for(1)
    await ws.close()
