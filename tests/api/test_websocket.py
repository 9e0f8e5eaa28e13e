"""GraphQL over WebSocket (graphql-transport-ws) against the real ASGI application."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from strawberry import relay

from accounts.models import Verification
from accounts.services.tokens import api_token_issue
from config.asgi import application
from reviews.services import review_decide
from tests.factories import UserFactory, VerificationFactory, staff_user

pytestmark = pytest.mark.django_db(transaction=True)

PROTOCOL = "graphql-transport-ws"
ORIGIN = (b"origin", b"http://127.0.0.1:8000")


async def connect(payload=None, *, subprotocols=(PROTOCOL,), origin=ORIGIN):
    headers = [origin] if origin else []
    socket = WebsocketCommunicator(
        application, "/graphql", subprotocols=list(subprotocols), headers=headers
    )
    connected, subprotocol = await socket.connect()
    return socket, connected, subprotocol


async def init(socket, payload=None):
    await socket.send_json_to({"type": "connection_init", "payload": payload or {}})
    return await socket.receive_json_from(timeout=5)


async def test_server_time_ticks_over_graphql_transport_ws():
    socket, connected, subprotocol = await connect()
    assert connected and subprotocol == PROTOCOL
    assert (await init(socket))["type"] == "connection_ack"

    await socket.send_json_to(
        {"id": "1", "type": "subscribe", "payload": {"query": "subscription { serverTime }"}}
    )
    first = await socket.receive_json_from(timeout=5)
    assert first["type"] == "next" and first["id"] == "1"
    assert first["payload"]["data"]["serverTime"].endswith("+00:00")

    await socket.send_json_to({"id": "1", "type": "complete"})
    await socket.disconnect()


async def test_the_legacy_graphql_ws_protocol_is_not_spoken():
    socket, connected, _ = await connect(subprotocols=("graphql-ws",))
    assert not connected or (await socket.receive_output(timeout=2))["type"] == "websocket.close"


async def test_a_foreign_browser_origin_is_refused():
    _, connected, _ = await connect(origin=(b"origin", b"https://evil.example"))
    assert not connected


async def test_an_invalid_token_in_connection_init_is_rejected():
    socket, connected, _ = await connect()
    assert connected
    await socket.send_json_to(
        {"type": "connection_init", "payload": {"authorization": "Bearer pat_forged"}}
    )
    closed = await socket.receive_output(timeout=5)
    assert closed["type"] == "websocket.close"
    assert closed["code"] == 4403


async def test_an_anonymous_subscriber_to_private_events_gets_unauthenticated():
    socket, _, _ = await connect()
    await init(socket)
    await socket.send_json_to(
        {
            "id": "1",
            "type": "subscribe",
            "payload": {"query": "subscription { myReviewDecisions { status } }"},
        }
    )
    message = await socket.receive_json_from(timeout=5)
    assert message["type"] == "error"
    assert message["payload"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    await socket.disconnect()


async def test_the_applicant_sees_the_decision_live_after_commit():
    applicant, raw_token = await sync_to_async(_applicant_with_token)()
    verification = await sync_to_async(VerificationFactory)(user=applicant, status="PENDING")
    socket, _, _ = await connect()
    assert (await init(socket, {"authorization": f"Bearer {raw_token}"}))["type"] == (
        "connection_ack"
    )
    await socket.send_json_to(
        {
            "id": "d",
            "type": "subscribe",
            "payload": {
                "query": "subscription { myReviewDecisions { kind subjectId status reason at } }"
            },
        }
    )
    await asyncio.sleep(0.2)  # let the subscription join its group

    reviewer = await sync_to_async(staff_user)()
    await sync_to_async(review_decide)(
        model=Verification, pk=verification.pk, actor=reviewer, approve=False, reason="证书不清晰"
    )

    event = await socket.receive_json_from(timeout=5)
    decided = event["payload"]["data"]["myReviewDecisions"]
    assert decided["kind"] == "VERIFICATION"
    assert decided["status"] == "REJECTED"
    assert decided["reason"] == "证书不清晰"
    assert decided["subjectId"] == str(relay.GlobalID("Verification", str(verification.pk)))
    await socket.disconnect()


def _applicant_with_token():
    user = UserFactory()
    _, raw = api_token_issue(user=user)
    return user, raw
