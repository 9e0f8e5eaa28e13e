"""The production layout as the README describes it: two Daphne processes and two workers on
one PostgreSQL (through Django's connection pool), one Redis and an S3-compatible object
store (moto in server mode, ``tests.s3``; no file may touch the local disk). A short
auction runs through it (a registration with its upload over multipart, bids through both
web processes, a subscriber on each, the lot ended by the clock, the deal notice
downloaded), one web process and one worker are killed (SIGKILL) mid-run, and nothing may
be lost or done twice."""

import asyncio
import json
import os
import signal
import threading
import time
import urllib.request
import uuid

import pytest
import websockets

from tests.api.helpers import gid
from tests.factories import PDF_BYTES
from tests.system.client import Feed
from tests.system.conftest import PRODUCTION, Product, Redis
from tests.system.test_live_topology import LOT_EVENTS, place

pytestmark = pytest.mark.skipif(
    not PRODUCTION, reason="the production layout needs PostgreSQL and Redis"
)

POOL_SIZE = 4  # DATABASE_POOL_MAX_SIZE of every process here
BIDS = 10
KILL_AFTER = 4  # bids accepted before one web process and one worker die
BIDDING_IN, ENDS_IN = 20, 45  # seconds after the scenario is written (room for a slow box)

REGISTER = """
mutation($input: RegistrationSubmitInput!) {
  registrationSubmit(input: $input) {
    registration { id status commitmentLetter { url } }
    errors { code field message }
  }
}"""
APPROVE = "mutation($id: ID!) { reviewApprove(input: {id: $id}) { errors { code message } } }"
HALL = "{ lots(first: 20) { totalCount edges { node { id currentPrice } } } }"
BURST = 16  # concurrent requests per web process, four times its pool
MY_DEALS = """{ myDeals(role: BUYER, first: 10) { edges { node { serial price
  notice { url contentType } } } } }"""


@pytest.fixture
def layout(tmp_path, request, s3_endpoint):
    redis = Redis(tmp_path)
    redis.start()
    product = Product(tmp_path, redis)
    product.env["DATABASE_POOL_MAX_SIZE"] = str(POOL_SIZE)
    s3_endpoint.start()  # a storage test may have left it stopped
    product.bucket = s3_endpoint.new_bucket()
    product.store = s3_endpoint
    product.env.update(s3_endpoint.env(product.bucket))
    try:
        product.migrate()
        ports = [product.daphne(), product.daphne()]
        workers = [product.worker("1"), product.worker("2")]
        yield product, ports, workers
    finally:
        product.stop()
        redis.stop()
        if request.node.getparent(pytest.Module).__dict__.get("failed_tests"):
            print(product.logs())


class ConnectionCount:
    """Samples how many connections PostgreSQL holds for the product's database."""

    def __init__(self, product: Product) -> None:
        import dj_database_url

        self.params = dj_database_url.parse(product.admin_url)
        self.database = product.database
        self.peak = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psycopg

        with psycopg.connect(
            dbname="postgres",
            user=self.params["USER"] or "postgres",
            host=self.params["HOST"] or "127.0.0.1",
            port=self.params["PORT"] or 5432,
            password=self.params["PASSWORD"] or None,
            autocommit=True,
        ) as connection:
            while not self._stop.is_set():
                (count,) = connection.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s",
                    (self.database,),
                ).fetchone()
                self.peak = max(self.peak, count)
                self.samples += 1
                self._stop.wait(0.2)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(5)


def upload(port: int, query: str, variables: dict, path: str, content: bytes, token: str):
    """A GraphQL multipart request (one file at ``path`` in the variables)."""
    boundary = uuid.uuid4().hex
    parts = [
        ("operations", None, json.dumps({"query": query, "variables": variables}).encode()),
        ("map", None, json.dumps({"0": [path]}).encode()),
        ("0", "承诺函.pdf", content),
    ]
    body = b""
    for name, filename, value in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        body += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n".encode()
        if filename:
            body += b"Content-Type: application/pdf\r\n"
        body += b"\r\n" + value + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=body,
        headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Authorization": f"Bearer {token}",
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        payload = json.loads(response.read())
    assert "errors" not in payload, payload
    return payload["data"]


def download(port: int, url: str) -> bytes:
    """A file by the URL the API gave: a path of ours, or an object store's own URL."""
    absolute = url if "://" in url else f"http://127.0.0.1:{port}{url}"
    with urllib.request.urlopen(absolute, timeout=30) as response:
        assert response.status == 200
        return response.read()


def burst(product: Product, ports, clients: int) -> None:
    """``clients`` concurrent hall queries on each port, three each."""
    from concurrent.futures import ThreadPoolExecutor

    def load(port):
        for _ in range(3):
            assert product.graphql(HALL, port=port)["lots"]["totalCount"] >= 1

    with ThreadPoolExecutor(clients * len(ports)) as pool:
        list(pool.map(load, [port for port in ports for _ in range(clients)]))


def kill(process) -> None:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


async def drain(feed: Feed) -> list[dict]:
    """What a socket still delivers before its (killed) server's side is gone."""
    items = []
    try:
        while (item := await feed.next(10)) is not None:
            items.append(item)
    except (websockets.ConnectionClosed, TimeoutError, OSError):
        pass
    return items


def bid_seqs(items: list[dict]) -> list[int]:
    return [item["seq"] for item in items if item["__typename"] == "BidPlaced"]


async def test_two_web_processes_and_two_workers_lose_nothing_when_one_of_each_is_killed(layout):
    product, (web_a, web_b), (worker_1, _worker_2) = layout
    with ConnectionCount(product) as connections:
        await run_auction(product, web_a, web_b, worker_1)
        assert connections.samples > 10
    # Bounded by the pools: each of the four processes at most POOL_SIZE, plus a scenario
    # process of the test's own; never "too many clients".
    print(f"PostgreSQL connections: peak {connections.peak} over {connections.samples} samples")
    assert 0 < connections.peak <= 4 * POOL_SIZE + POOL_SIZE, connections.peak
    logs = "".join(path.read_text(errors="replace") for path in product.workdir.glob("*.log"))
    # Every file went to the store: the letter and the notice are objects of the bucket, and
    # the local media folder was never created.
    assert len(product.store.keys(product.bucket)) >= 2
    assert not (product.workdir / "private").exists()
    assert "too many clients" not in logs
    assert "PoolTimeout" not in logs


async def run_auction(product: Product, web_a: int, web_b: int, worker_1) -> None:
    scenario = await asyncio.to_thread(product.scenario, "layout", str(BIDDING_IN), str(ENDS_IN))
    lot_id, lot_gid = scenario["lot"], gid("Lot", scenario["lot"])
    start, step = int(float(scenario["start_price"])), int(float(scenario["increment"]))

    # The buyer registers through one process, with the letter uploaded as multipart; staff
    # approve it through the other; the letter downloads through the API's link.
    registered = (
        await asyncio.to_thread(
            upload,
            web_a,
            REGISTER,
            {"input": {"lotId": lot_gid, "commitmentLetter": None}},
            "variables.input.commitmentLetter",
            PDF_BYTES,
            scenario["buyer_token"],
        )
    )["registrationSubmit"]
    assert registered["errors"] == [], registered
    approved = await asyncio.to_thread(
        product.graphql,
        APPROVE,
        {"id": registered["registration"]["id"]},
        token=scenario["staff_token"],
        port=web_b,
    )
    assert approved["reviewApprove"]["errors"] == []
    letter = registered["registration"]["commitmentLetter"]["url"]
    assert letter.startswith(product.store.url)  # presigned by the store, not streamed by us
    assert await asyncio.to_thread(download, web_b, letter) == PDF_BYTES

    watcher_a = await Feed.open(web_a, LOT_EVENTS, {"lotId": lot_gid}, field="lotEvents")
    watcher_b = await Feed.open(web_b, LOT_EVENTS, {"lotId": lot_gid}, field="lotEvents")
    for watcher in (watcher_a, watcher_b):
        assert (await watcher.next(10))["phase"] == "NOTICE"
    # A burst of page loads on both processes, more at once than the pools hold together.
    await asyncio.to_thread(burst, product, (web_a, web_b), BURST)
    opened = await watcher_a.until(lambda item: item.get("phase") == "BIDDING", BIDDING_IN + 30)
    assert opened[-1]["__typename"] == "LotPhaseChanged"  # the clock of one of the workers

    bidders = [{"token": scenario["buyer_token"]}, {"token": scenario["registered_token"]}]
    amounts = [f"{start + step * n}" for n in range(BIDS)]
    accepted = []
    for n in range(KILL_AFTER):  # alternately through each web process
        accepted.append(
            await asyncio.to_thread(
                place,
                product,
                bidders[n % 2],
                lot_id,
                amounts[n],
                f"layout-{n}",
                (web_a, web_b)[n % 2],
            )
        )
    seen_b = await watcher_b.until(lambda item: item.get("seq") == KILL_AFTER - 1, 10)

    # Mid-run: one web process (its subscriber's socket dies with it) and one worker die.
    await asyncio.to_thread(kill, product.web[web_b])
    await asyncio.to_thread(kill, worker_1)
    seen_b += await drain(watcher_b)
    for n in range(KILL_AFTER, BIDS):
        accepted.append(
            await asyncio.to_thread(
                place, product, bidders[n % 2], lot_id, amounts[n], f"layout-{n}", web_a
            )
        )
    # The subscriber of the dead process comes back through the other one with its last seq.
    resumed = await Feed.open(
        web_a,
        LOT_EVENTS,
        {"lotId": lot_gid, "afterSeq": max(bid_seqs(seen_b))},
        field="lotEvents",
    )
    end_timeout = ENDS_IN + 60
    ended_a = await watcher_a.until(lambda i: i["__typename"] == "LotEnded", end_timeout)
    ended_b = await resumed.until(lambda i: i["__typename"] == "LotEnded", end_timeout)

    every = list(range(1, BIDS + 1))
    assert [bid["seq"] for bid in accepted] == every
    assert bid_seqs(opened + ended_a) == every  # once each, in order
    assert bid_seqs(seen_b) + bid_seqs(ended_b) == every
    winner = accepted[-1]
    for ended in (ended_a, ended_b):
        assert ended[-1] == {
            "__typename": "LotEnded",
            "result": "SOLD",
            "finalPrice": winner["amount"],
            "winnerBidderNumber": winner["bidderNumber"],
        }
    for feed in (watcher_a, resumed):
        await feed.close()

    # The deal and its notice, produced by the surviving worker, downloaded through the API.
    winner_token = bidders[(BIDS - 1) % 2]["token"]
    deadline = time.monotonic() + 60
    while True:
        deals = (
            await asyncio.to_thread(product.graphql, MY_DEALS, token=winner_token, port=web_a)
        )["myDeals"]["edges"]
        if (deals and deals[0]["node"]["notice"]) or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
    assert len(deals) == 1, deals
    notice = deals[0]["node"]["notice"]
    assert notice is not None and notice["contentType"] == "application/pdf"
    assert notice["url"].startswith(product.store.url)
    assert (await asyncio.to_thread(download, web_a, notice["url"])).startswith(b"%PDF")

    # In the database: every bid once, one deal, one notice, every SMS sent exactly once.
    deadline = time.monotonic() + 30
    while True:
        outcome = await asyncio.to_thread(product.scenario, "layout-outcome", str(lot_id))
        if all(sms["status"] == "SENT" for sms in outcome["sms"]) or time.monotonic() > deadline:
            break
        await asyncio.sleep(1)
    assert outcome["seqs"] == every
    assert len(outcome["deals"]) == 1 and outcome["deals"][0]["notice"] is not None
    assert outcome["notice_files"] == 1
    assert len(outcome["sms"]) >= 3  # the registration's approval, the winner, the seller
    worker_logs = "".join(
        path.read_text(errors="replace") for path in product.workdir.glob("worker-*.log")
    )
    for sms in outcome["sms"]:
        assert (sms["status"], sms["attempts"]) == ("SENT", 1), sms
        assert worker_logs.count(f"SMS to {sms['phone']}: {sms['text']}") == 1, sms

    # The surviving web process is ready: database, Redis, storage, a fresh worker heartbeat.
    with urllib.request.urlopen(f"http://127.0.0.1:{web_a}/readyz", timeout=10) as response:
        assert json.loads(response.read())["ready"] is True
