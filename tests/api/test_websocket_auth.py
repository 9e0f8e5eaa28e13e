"""A socket lives only as long as its credential, and speaks every operation."""

from datetime import timedelta
from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async

from accounts.models import ApiToken
from accounts.services.tokens import api_token_issue
from kernel.clock import now
from tests.api import operations as op
from tests.api.helpers import gid
from tests.api.ws import Socket
from tests.conftest import GraphQLClient
from tests.factories import UserFactory, bidder, lot

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "an-Old-passw0rd"
TICKS = "subscription { serverTime(intervalSeconds: 60) }"


def _user_with_tokens(count: int):
    user = UserFactory()
    user.set_password(PASSWORD)
    user.save()
    return user, [api_token_issue(user=user)[1] for _ in range(count)]


async def _socket_with(raw_token: str) -> Socket:
    ws = await Socket.open({"authorization": f"Bearer {raw_token}"})
    await ws.subscribe("t", TICKS)
    assert (await ws.receive())["type"] == "next"
    return ws


@sync_to_async
def _http(raw_token: str, query: str, variables=None) -> dict:
    client = GraphQLClient()
    client.token = raw_token
    return client(query, variables)


@sync_to_async
def _http_raw(raw_token: str, query: str):
    client = GraphQLClient()
    client.token = raw_token
    return client.raw(query)


async def test_logout_closes_the_sockets_of_that_token_only():
    _, (token_a, token_b) = await sync_to_async(_user_with_tokens)(2)
    socket_a, socket_b = await _socket_with(token_a), await _socket_with(token_b)

    assert (await _http(token_a, op.LOGOUT))["data"]["logout"]["errors"] == []

    assert await socket_a.closed() == 4403
    assert await socket_b.nothing_for(1)
    await socket_b.close()


async def test_revoking_a_token_closes_its_socket():
    user, (token_a, token_b) = await sync_to_async(_user_with_tokens)(2)
    socket_b = await _socket_with(token_b)
    token_b_id = await sync_to_async(
        lambda: ApiToken.objects.filter(user=user).order_by("pk")[1].pk
    )()

    result = await _http(token_a, op.TOKEN_REVOKE, {"input": {"id": gid("ApiToken", token_b_id)}})

    assert result["data"]["tokenRevoke"]["errors"] == []
    assert await socket_b.closed() == 4403


async def test_a_password_change_revokes_the_other_tokens_and_closes_their_sockets():
    _, (caller, other) = await sync_to_async(_user_with_tokens)(2)
    socket_caller, socket_other = await _socket_with(caller), await _socket_with(other)

    changed = await _http(
        caller,
        op.PASSWORD_SET,
        {"input": {"password": "a-New-passw0rd-2026", "currentPassword": PASSWORD}},
    )

    assert changed["data"]["passwordSet"]["errors"] == []
    assert await socket_other.closed() == 4403
    refused = await _http_raw(other, "{ me { id } }")
    assert refused.status_code == 401
    assert refused.json()["errors"][0]["extensions"]["reason"] == "INVALID_TOKEN"
    assert (await _http(caller, "{ me { id } }"))["data"]["me"] is not None
    assert await socket_caller.nothing_for(1)
    await socket_caller.close()


async def test_a_browser_sessions_socket_closes_when_the_session_logs_out():
    user = await sync_to_async(UserFactory)()

    @sync_to_async
    def browser():
        client = GraphQLClient()
        client.http.force_login(user)
        client.fetch_csrf()
        return client

    client = await browser()
    cookie = "; ".join(f"{k}={v.value}" for k, v in client.http.cookies.items())
    ws = await Socket.open(headers=[(b"cookie", cookie.encode())])
    await ws.subscribe("me", "subscription { myNotifications { id } }")
    assert await ws.nothing_for(0.3)  # subscribed, as the signed-in user

    assert (await sync_to_async(client)(op.LOGOUT))["data"]["logout"]["errors"] == []

    assert await ws.closed() == 4403


async def test_a_socket_whose_token_expires_is_closed_by_the_periodic_check(settings):
    settings.WEBSOCKET_AUTH_RECHECK_SECONDS = 1
    user, (raw,) = await sync_to_async(_user_with_tokens)(1)
    ws = await _socket_with(raw)

    await sync_to_async(
        lambda: ApiToken.objects.filter(user=user).update(expires_at=now() - timedelta(seconds=1))
    )()

    assert await ws.closed(timeout=5) == 4403


async def test_queries_and_mutations_work_over_the_socket():
    def setup():
        the_lot = lot(start_price=Decimal("100000.00"))
        user = bidder(the_lot)
        return the_lot, api_token_issue(user=user)[1], user.phone

    the_lot, raw, phone = await sync_to_async(setup)()
    ws = await Socket.open({"authorization": f"Bearer {raw}"})

    await ws.subscribe("q", "{ me { phone } }")
    assert await ws.data("me") == {"phone": phone}
    assert await ws.receive() == {"id": "q", "type": "complete"}

    await ws.subscribe(
        "m",
        """mutation($input: BidPlaceInput!) {
          bidPlace(input: $input) { bid { seq amount } errors { code } } }""",
        {
            "input": {
                "lotId": gid("Lot", the_lot.pk),
                "amount": "100000",
                "idempotencyKey": "ws-bid-01",
            }
        },
    )
    assert await ws.data("bidPlace") == {"bid": {"seq": 1, "amount": "100000.00"}, "errors": []}
    assert await ws.receive() == {"id": "m", "type": "complete"}
    await ws.close()


async def test_a_session_login_over_the_socket_is_refused_with_a_code():
    ws = await Socket.open({"language": "en"})
    await ws.subscribe(
        "l",
        """mutation($input: LoginInput!) {
          login(input: $input) { token errors { code field message } } }""",
        {"input": {"phone": "13812345678", "password": "whatever-1", "mode": "SESSION"}},
    )
    assert await ws.data("login") == {
        "token": None,
        "errors": [
            {
                "code": "SESSION_NEEDS_HTTP",
                "field": "mode",
                "message": "A browser session is set by an HTTP request; over the WebSocket "
                "use mode TOKEN.",
            }
        ],
    }
    await ws.close()


async def test_a_socket_counts_its_subscriptions_and_the_messages_sent():
    from kernel.metrics import LIVE_EVENTS_DELIVERED, SUBSCRIBERS

    before_subscribers = SUBSCRIBERS._value.get()
    before_sent = LIVE_EVENTS_DELIVERED.labels("serverTime")._value.get()
    _, (raw,) = await sync_to_async(_user_with_tokens)(1)
    ws = await _socket_with(raw)

    assert SUBSCRIBERS._value.get() == before_subscribers + 1
    assert LIVE_EVENTS_DELIVERED.labels("serverTime")._value.get() == before_sent + 1
    await ws.close()


LOGOUT_EVERYWHERE = "mutation { logout(input: {allTokens: true}) { errors { code } } }"


async def test_logout_with_all_tokens_revokes_and_closes_every_token_of_the_user():
    user, (token_a, token_b) = await sync_to_async(_user_with_tokens)(2)
    _, (stranger,) = await sync_to_async(_user_with_tokens)(1)
    socket_b = await _socket_with(token_b)
    socket_stranger = await _socket_with(stranger)

    assert (await _http(token_a, LOGOUT_EVERYWHERE))["data"]["logout"]["errors"] == []

    assert await socket_b.closed() == 4403
    assert (await _http_raw(token_b, op.ME)).status_code == 401
    assert await sync_to_async(ApiToken.objects.filter(user=user, revoked_at=None).count)() == 0
    assert await socket_stranger.nothing_for(1)
    await socket_stranger.close()


async def test_logout_with_an_empty_input_ends_only_this_sign_in():
    _, (token_a, token_b) = await sync_to_async(_user_with_tokens)(2)

    response = await _http(token_a, "mutation { logout(input: {}) { errors { code } } }")

    assert response["data"]["logout"]["errors"] == []
    assert (await _http_raw(token_a, op.ME)).status_code == 401
    assert (await _http(token_b, op.ME))["data"]["me"] is not None
