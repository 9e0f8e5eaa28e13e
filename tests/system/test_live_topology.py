"""Live updates through the product as deployed: separate web and worker processes, a real
client socket kept open longer than any timeout in the stack, events published by another
process, a Redis restart, and two web processes."""

import asyncio

import pytest

from tests.api.helpers import gid
from tests.system.client import Feed
from tests.system.conftest import PRODUCTION

# Longer than every timeout in the stack: channels-redis' 5 s blocking reads, redis-py's
# socket timeout (10 s) and health checks (15 s), Daphne's 20 s pings, Strawberry's 60 s
# connection-init wait.
QUIET_SECONDS = 65

LOT_EVENTS = """
subscription($lotId: ID!, $afterSeq: Int) {
  lotEvents(lotId: $lotId, afterSeq: $afterSeq, tickSeconds: 60) {
    __typename
    ... on LotSnapshot { phase lastSeq }
    ... on BidPlaced { seq amount bidderNumber }
    ... on LotPhaseChanged { phase }
    ... on LotEnded { result finalPrice winnerBidderNumber }
    ... on Tick { lastSeq }
  }
}"""
MY_NOTIFICATIONS = "subscription { myNotifications { id kind title } }"
BID = """
mutation($input: BidPlaceInput!) {
  bidPlace(input: $input) { bid { seq amount bidderNumber } errors { code message } }
}"""


def place(product, bidder: dict, lot: int, amount: str, key: str, port=None) -> dict:
    result = product.graphql(
        BID,
        {"input": {"lotId": gid("Lot", lot), "amount": amount, "idempotencyKey": key}},
        token=bidder["token"],
        port=port,
    )["bidPlace"]
    assert result["errors"] == [], result
    return result["bid"]


def kinds(items: list[dict]) -> list[str]:
    return [item["__typename"] for item in items]


async def test_a_quiet_socket_lives_on_and_sees_the_bid_the_phases_and_the_result(product):
    scenario = await asyncio.to_thread(
        product.scenario, "lot", str(QUIET_SECONDS + 10), str(QUIET_SECONDS + 25), "1"
    )
    (buyer,) = scenario["bidders"]
    lot_id = scenario["lot"]
    watcher = await Feed.open(
        product.port, LOT_EVENTS, {"lotId": gid("Lot", lot_id)}, field="lotEvents"
    )
    inbox = await Feed.open(
        product.port, MY_NOTIFICATIONS, token=buyer["token"], field="myNotifications"
    )
    snapshot = await watcher.next(10)
    assert (snapshot["__typename"], snapshot["phase"]) == ("LotSnapshot", "NOTICE")

    # Quiet: nothing but the server's clock for longer than every timeout in the stack.
    quiet = await asyncio.wait_for(
        watcher.until(lambda item: item["__typename"] == "LotPhaseChanged", QUIET_SECONDS + 30),
        QUIET_SECONDS + 30,
    )
    assert set(kinds(quiet[:-1])) <= {"Tick"}
    assert quiet[-1] == {"__typename": "LotPhaseChanged", "phase": "BIDDING"}  # the worker's

    bid = await asyncio.to_thread(
        place, product, buyer, lot_id, scenario["start_price"], "system-quiet-01"
    )
    placed = await watcher.until(lambda item: item["__typename"] == "BidPlaced", 10)
    assert placed[-1] == {"__typename": "BidPlaced", **bid}

    ended = await watcher.until(lambda item: item["__typename"] == "LotEnded", 40)
    assert ended[-1] == {
        "__typename": "LotEnded",
        "result": "SOLD",
        "finalPrice": bid["amount"],
        "winnerBidderNumber": bid["bidderNumber"],
    }
    assert await watcher.next(10) is None  # the feed completes after the result

    won = await inbox.until(lambda item: item["kind"] == "lot.won", 20)  # from the worker
    assert won[-1]["title"] == "竞价成功"
    await watcher.close()
    await inbox.close()


async def test_a_bid_through_one_web_process_reaches_a_subscriber_on_another(product):
    other_port = await asyncio.to_thread(product.daphne)
    scenario = await asyncio.to_thread(product.scenario, "lot", "-60", "600", "1")
    (buyer,) = scenario["bidders"]
    review = await asyncio.to_thread(product.scenario, "pending-verification")
    watcher = await Feed.open(
        other_port, LOT_EVENTS, {"lotId": gid("Lot", scenario["lot"])}, field="lotEvents"
    )
    inbox = await Feed.open(
        other_port, MY_NOTIFICATIONS, token=review["applicant_token"], field="myNotifications"
    )
    assert (await watcher.next(10))["__typename"] == "LotSnapshot"
    await asyncio.sleep(0.5)  # both subscriptions have joined their groups

    bid = await asyncio.to_thread(
        place, product, buyer, scenario["lot"], scenario["start_price"], "system-two-01"
    )
    decided = await asyncio.to_thread(
        product.graphql,
        "mutation($id: ID!) { reviewApprove(input: {id: $id}) { errors { code } } }",
        {"id": gid("Verification", review["verification"])},
        token=review["staff_token"],
    )

    placed = await watcher.until(lambda item: item["__typename"] == "BidPlaced", 10)
    assert placed[-1] == {"__typename": "BidPlaced", **bid}
    assert decided["reviewApprove"]["errors"] == []
    # Notifications are not healed from the database: this one crossed the channel layer.
    notified = await inbox.until(lambda item: item["kind"] == "review.decided", 10)
    assert notified[-1]["title"] == "实名认证审核通过"
    await watcher.close()
    await inbox.close()


@pytest.mark.skipif(not PRODUCTION, reason="the embedded default has no Redis to restart")
async def test_after_a_redis_restart_every_bid_arrives_exactly_once_in_order(product):
    scenario = await asyncio.to_thread(product.scenario, "lot", "-60", "600", "2")
    alice, bob = scenario["bidders"]
    lot_id = scenario["lot"]
    start, step = int(float(scenario["start_price"])), int(float(scenario["increment"]))
    amounts = [f"{start + step * n}" for n in range(8)]

    async def bids(numbers):
        for n in numbers:
            await asyncio.to_thread(
                place, product, (alice, bob)[n % 2], lot_id, amounts[n], f"system-redis-{n:02d}"
            )

    stays = await Feed.open(
        product.port, LOT_EVENTS, {"lotId": gid("Lot", lot_id)}, field="lotEvents"
    )
    drops = await Feed.open(
        product.port, LOT_EVENTS, {"lotId": gid("Lot", lot_id)}, field="lotEvents"
    )
    for feed in (stays, drops):
        assert (await feed.next(10))["__typename"] == "LotSnapshot"
    await asyncio.sleep(0.5)
    await bids(range(3))
    before = await drops.until(lambda item: item.get("seq") == 3, 10)
    await drops.close()  # a network drop: this client will come back with afterSeq

    await asyncio.to_thread(product.redis.stop)
    await bids(range(3, 6))  # accepted while Redis is down: nobody is told live
    await asyncio.to_thread(product.redis.start)
    await asyncio.sleep(2)  # the web process's subscriptions reconnect
    await bids(range(6, 8))

    back = await Feed.open(
        product.port, LOT_EVENTS, {"lotId": gid("Lot", lot_id), "afterSeq": 3}, field="lotEvents"
    )
    resumed = await back.until(lambda item: item.get("seq") == 8, 20)
    stayed = await stays.until(lambda item: item.get("seq") == 8, 20)

    def seqs(items):
        return [item["seq"] for item in items if item["__typename"] == "BidPlaced"]

    assert seqs(before) == [1, 2, 3]
    assert seqs(resumed) == [4, 5, 6, 7, 8]
    assert seqs(stayed) == [1, 2, 3, 4, 5, 6, 7, 8]
    assert [i["amount"] for i in stayed if i["__typename"] == "BidPlaced"] == [
        f"{start + step * n}.00" for n in range(8)
    ]
    for feed in (stays, back):
        await feed.close()
