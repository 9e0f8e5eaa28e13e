"""Fan-out over real sockets: one Daphne process (benchmarks/fanout_asgi.py) serves the product's
``lotEvents`` and a bare Channels consumer of the same group; ``websockets`` clients in this
process subscribe, events go through Redis pub/sub.

Measured (used by benchmarks/floors.py, or run alone:
``.venv/bin/python benchmarks/fanout.py [--sizes 100,300,1000] [--rounds 1]``):
- CPU of the Daphne process per delivered message, N subscribers of one lot, a burst of
  BidPlaced events published to the lot's group (``/proc/<pid>/stat``, from the first
  publish until every client has every event), product and bare floor in alternate rounds
  with fresh sockets; every client must get every event once and in order;
- 1,000 subscribers while real bids are placed over HTTP on the same Daphne at 5 per
  second: misses (a seq a client never got, or got twice or out of order) and latency from
  the bid's database time to the client's receipt (p50/p99);
- after the sockets go away at once, the Redis pub/sub subscriptions the process still holds
  for the lot's group (stale members would keep receiving every bid).
"""

import argparse
import asyncio
import base64
import contextlib
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import datetime
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.factories
import bidding

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
PORTS = range(8710, 8790)
DEFAULT_REDIS = "redis://127.0.0.1:6379/7"
ORIGIN = "http://127.0.0.1:8000"
WATCH = """subscription($lotId: ID!) { lotEvents(lotId: $lotId, tickSeconds: 60) {
  __typename ... on BidPlaced { lotId seq amount bidderNumber isProxy at endsAt } } }"""
BID = """mutation($input: BidPlaceInput!) { bidPlace(input: $input) {
  bid { seq } errors { code } } }"""
TICKS = os.sysconf("SC_CLK_TCK")


def _free_port() -> int:
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise SystemExit("no free port in 8710-8789")


class Daphne:
    def __init__(
        self,
        database_url: str,
        redis_url: str,
        prefix: str,
        media: str,
        *,
        app: str = "fanout_asgi:application",
        settings: str = "config.settings",
    ) -> None:
        self.port = _free_port()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": settings,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "CHANNEL_LAYER_PREFIX": prefix,
            "DEBUG": "0",
            "LOG_LEVEL": "WARNING",
            "SMS_BACKEND": "notifications.sms.InMemoryBackend",
            "PRIVATE_MEDIA_ROOT": media,
            "PYTHONPATH": os.pathsep.join([str(BENCH), os.environ.get("PYTHONPATH", "")]),
        }
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "daphne",
                "-b",
                "127.0.0.1",
                "-p",
                str(self.port),
                app,
            ],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2)
                return
            except OSError:
                if self.process.poll() is not None:
                    raise SystemExit(self.process.stderr.read().decode()[-3000:]) from None
                time.sleep(0.3)
        raise SystemExit("Daphne did not start")

    def cpu(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


class _RawSocket(asyncio.Protocol):
    """A minimal WebSocket client (RFC 6455: handshake, unmasked server frames, masked client
    text frames): a thousand of these cost this process a fraction of what a full client
    library costs, so the client side is not what limits the server's figures."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.handshake: asyncio.Future = asyncio.get_running_loop().create_future()
        self.inbox: asyncio.Queue = asyncio.Queue()
        self.on_text = self.inbox.put_nowait
        self.transport = None

    def connection_made(self, transport) -> None:
        self.transport = transport

    def connection_lost(self, exc) -> None:
        if not self.handshake.done():
            self.handshake.set_exception(ConnectionError("closed during the handshake"))

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer
        buffer += data
        if not self.handshake.done():
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            self.handshake.set_result(bytes(buffer[:end]))
            del buffer[: end + 4]
        while len(buffer) >= 2:
            length, offset = buffer[1] & 0x7F, 2
            if length == 126:
                if len(buffer) < 4:
                    return
                length, offset = int.from_bytes(buffer[2:4], "big"), 4
            elif length == 127:
                if len(buffer) < 10:
                    return
                length, offset = int.from_bytes(buffer[2:10], "big"), 10
            if len(buffer) < offset + length:
                return
            opcode = buffer[0] & 0x0F
            payload = bytes(buffer[offset : offset + length])
            del buffer[: offset + length]
            if opcode == 1:
                self.on_text(payload)
            elif opcode == 9:  # Daphne pings every 20 s and closes a socket that does not pong
                self._send(0x8A, payload)
            elif opcode == 8 and self.transport is not None:
                self.transport.close()

    def send_text(self, text: str) -> None:
        self._send(0x81, text.encode())

    def _send(self, first_byte: int, data: bytes) -> None:
        mask = os.urandom(4)
        n = len(data)
        header = bytes([first_byte])
        if n < 126:
            header += bytes([0x80 | n])
        else:
            header += bytes([0x80 | 126]) + n.to_bytes(2, "big")
        keys = (mask * (n // 4 + 1))[:n]
        masked = (int.from_bytes(data, "big") ^ int.from_bytes(keys, "big")).to_bytes(n, "big")
        masked = masked if n else b""
        self.transport.write(header + mask + masked)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.write(bytes([0x88, 0x82]) + b"\0\0\0\0" + (1000).to_bytes(2, "big"))
            self.transport.close()


async def _open_raw(port: int, path: str, protocol: str | None) -> _RawSocket:
    loop = asyncio.get_running_loop()
    _transport, ws = await loop.create_connection(_RawSocket, "127.0.0.1", port)
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [
        f"GET /{path} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13",
        f"Origin: {ORIGIN}",
    ]
    if protocol:
        lines.append(f"Sec-WebSocket-Protocol: {protocol}")
    ws.transport.write(("\r\n".join(lines) + "\r\n\r\n").encode())
    head = await asyncio.wait_for(ws.handshake, 60)
    if not head.startswith(b"HTTP/1.1 101"):
        raise ConnectionError(head[:200])
    return ws


class Clients:
    """N sockets of one lot; what each received (seq order, receipt time)."""

    def __init__(self) -> None:
        self.sockets: list = []
        self.seqs: list[list[int]] = []
        self.latencies: list[float] = []
        self.errors: list = []
        self.total = 0
        self.target = 0
        self.done = asyncio.Event()

    async def open(self, port: int, path: str, count: int, *, product: bool, lot_gid: str):
        async def one(index: int) -> None:
            ws = await _open_raw(port, path, "graphql-transport-ws" if product else None)
            if product:
                ws.send_text(json.dumps({"type": "connection_init", "payload": {}}))
                ack = json.loads(await asyncio.wait_for(ws.inbox.get(), 60))
                assert ack["type"] == "connection_ack", ack
                subscribe = {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": WATCH, "variables": {"lotId": lot_gid}},
                }
                ws.send_text(json.dumps(subscribe))
                first = json.loads(await asyncio.wait_for(ws.inbox.get(), 60))
                assert first["type"] == "next" and "errors" not in first["payload"], first
            ws.on_text = lambda raw, seqs=self.seqs[index]: self._received(raw, seqs)
            self.sockets[index] = ws

        start = len(self.sockets)
        self.sockets += [None] * count
        self.seqs += [[] for _ in range(count)]
        gate = asyncio.Semaphore(50)

        async def gated(index):
            async with gate:
                await one(index)

        await asyncio.gather(*(gated(i) for i in range(start, start + count)))

    def _received(self, raw: bytes, seqs: list[int]) -> None:
        received = time.time()
        message = json.loads(raw)
        if message.get("type") != "next" or "errors" in message["payload"]:
            self.errors.append(message)
            return
        event = message["payload"]["data"]["lotEvents"]
        if event["__typename"] != "BidPlaced":
            return
        seqs.append(int(event["seq"]))
        self.latencies.append(received - datetime.fromisoformat(event["at"]).timestamp())
        self.total += 1
        if self.target and self.total >= self.target:
            self.done.set()

    def expect(self, count: int) -> None:
        self.target = count
        if self.total >= count:
            self.done.set()

    async def close(self) -> None:
        for ws in self.sockets:
            if ws is not None:
                ws.close()

    def misses(self, expected: list[int]) -> int:
        """Seqs a client did not get once and in order, summed over the clients."""
        missed = 0
        for seqs in self.seqs:
            if seqs != expected:
                missed += len(set(expected) - set(seqs)) + max(0, len(seqs) - len(set(seqs)))
                if sorted(set(seqs)) == sorted(expected) and seqs != sorted(seqs):
                    missed += 1  # out of order
        return missed


def _layer(redis_url: str, prefix: str):
    from channels_redis.pubsub import RedisPubSubChannelLayer

    return RedisPubSubChannelLayer(hosts=[redis_url], prefix=prefix)


async def _burst(layer, lot, events: int, rate: float) -> list[int]:
    from auctions.events import BidPlaced, lot_group
    from kernel.clock import now

    seqs = []
    for seq in range(1, events + 1):
        at = now()
        event = BidPlaced(
            lot_id=lot.pk,
            session_id=lot.session_id,
            seq=seq,
            amount=lot.start_price + seq * lot.increment,
            bidder_number=f"B{seq % 7:03d}",
            is_proxy=False,
            at=at,
            ends_at=lot.ends_at,
        )
        await layer.group_send(lot_group(lot.pk), event.to_message())
        seqs.append(seq)
        await asyncio.sleep(1 / rate)
    return seqs


async def cpu_round(daphne, layer, lot, n: int, *, product: bool, events: int, rate: float):
    from strawberry import relay

    clients = Clients()
    path = "graphql" if product else f"bench/bare/{lot.pk}"
    await clients.open(
        daphne.port, path, n, product=product, lot_gid=relay.to_base64("Lot", lot.pk)
    )
    await asyncio.sleep(1.0)  # the joins settle; the feeds' first comparisons pass
    cpu = daphne.cpu()
    started = time.perf_counter()
    expected = await _burst(layer, lot, events, rate)
    clients.expect(n * len(expected))
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(clients.done.wait(), timeout=60)
    elapsed = time.perf_counter() - started
    used = daphne.cpu() - cpu
    delivered = clients.total
    misses = clients.misses(expected) + len(clients.errors)
    await clients.close()
    await asyncio.sleep(1.0)
    return {
        "cpu_us": used / max(delivered, 1) * 1e6,
        "delivered": delivered,
        "misses": misses,
        "seconds": elapsed,
    }


def _place_bids(port: int, lot, tokens: list[str], count: int, rate: float, out: list) -> None:
    """Accepted bids over HTTP at ``rate`` per second, alternating two bidders."""
    from strawberry import relay

    lot_gid = relay.to_base64("Lot", lot.pk)
    price = lot.current_price
    for k in range(count):
        started = time.perf_counter()
        price = lot.start_price if price is None else price + lot.increment
        body = json.dumps(
            {
                "query": BID,
                "variables": {
                    "input": {
                        "lotId": lot_gid,
                        "amount": f"{Decimal(price):.2f}",
                        "idempotencyKey": f"fan-{secrets.token_hex(6)}",
                    }
                },
            }
        ).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/graphql",
            data=body,
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {tokens[k % 2]}",
            },
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            payload = json.loads(response.read())
        result = (payload.get("data") or {}).get("bidPlace")
        if not result or result["errors"] or payload.get("errors"):
            raise RuntimeError(f"bid refused: {payload}")
        out.append(result["bid"]["seq"])
        time.sleep(max(0.0, 1 / rate - (time.perf_counter() - started)))


async def live_round(daphne, lot, tokens, n: int, *, bids: int, rate: float) -> dict:
    from strawberry import relay

    clients = Clients()
    await clients.open(
        daphne.port, "graphql", n, product=True, lot_gid=relay.to_base64("Lot", lot.pk)
    )
    await asyncio.sleep(1.0)
    accepted: list[int] = []
    cpu = daphne.cpu()
    started = time.perf_counter()
    placer = threading.Thread(
        target=_place_bids, args=(daphne.port, lot, tokens, bids, rate, accepted)
    )
    placer.start()
    await asyncio.to_thread(placer.join)
    clients.expect(n * len(accepted))
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(clients.done.wait(), timeout=30)
    elapsed = time.perf_counter() - started
    used = daphne.cpu() - cpu
    latencies = sorted(clients.latencies)
    misses = clients.misses(sorted(accepted)) + len(clients.errors)

    def pct(p):
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    if os.environ.get("BENCH_VERBOSE"):
        counts = sorted(len(seqs) for seqs in clients.seqs)
        print(
            "  per-client counts (min, median, max):",
            counts[0],
            counts[len(counts) // 2],
            counts[-1],
            "errors:",
            clients.errors[:3],
            "client cpu s:",
            time.process_time(),
        )
    await clients.close()
    return {
        "subscribers": n,
        "accepted": len(accepted),
        "delivered": clients.total,
        "misses": misses,
        "p50_ms": pct(0.50) if latencies else float("nan"),
        "p99_ms": pct(0.99) if latencies else float("nan"),
        "cpu_share": used / elapsed,
    }


def stale_members(redis_url: str, prefix: str, lot) -> int:
    """The Redis subscriptions to the lot's group (one per process with a local member)."""
    import redis

    from auctions.events import lot_group

    client = redis.Redis.from_url(redis_url)
    try:
        channel = f"{prefix}__group__{lot_group(lot.pk)}"
        return int(dict(client.pubsub_numsub(channel)).get(channel.encode(), 0))
    finally:
        client.close()


def run(
    database_url: str, media: str, *, sizes, rounds: int, redis_url: str, live_n: int = 1000
) -> dict:
    """Every fan-out figure, with a Daphne of its own (the database is migrated and has a
    lot in bidding: bidding.prepare)."""
    from accounts.services.tokens import api_token_issue
    from auctions.models import Lot, Registration
    from tests import factories

    # Bids are placed on the prepared lot; the bursts go to a lot of their own, whose
    # row never changes (its events are made up here: the feeds find nothing to heal).
    live_lot = Lot.objects.order_by("pk").first()
    lot = factories.lot()
    lot.refresh_from_db()
    users = [
        registration.user
        for registration in Registration.objects.filter(lot=live_lot).select_related("user")[:2]
    ]
    tokens = [api_token_issue(user=user)[1] for user in users]
    prefix = f"perf-bench-{secrets.token_hex(3)}"
    daphne = Daphne(database_url, redis_url, prefix, media)
    try:
        return asyncio.run(
            _all(daphne, lot, live_lot, tokens, sizes, rounds, redis_url, prefix, live_n)
        )
    finally:
        daphne.stop()


async def _all(daphne, lot, live_lot, tokens, sizes, rounds, redis_url, prefix, live_n) -> dict:
    layer = _layer(redis_url, prefix)
    results: dict = {"cpu": {}, "bare": {}}
    try:
        await cpu_round(daphne, layer, lot, 20, product=True, events=10, rate=50)  # warm
        await cpu_round(daphne, layer, lot, 20, product=False, events=10, rate=50)
        for n in sizes:
            events = max(10, min(100, 20000 // n))
            rate = 20.0
            for _ in range(rounds):
                for product in (True, False):
                    row = await cpu_round(
                        daphne, layer, lot, n, product=product, events=events, rate=rate
                    )
                    name = "cpu" if product else "bare"
                    best = results[name].get(n)
                    results[name][n] = (
                        row
                        if best is None or row["cpu_us"] < best["cpu_us"]
                        else {
                            **best,
                            "misses": best["misses"] + row["misses"],
                        }
                    )
                    print(f"  fan-out N={n} {'product' if product else 'bare'}: {row}", flush=True)
        if not live_n:
            return results
        live = await live_round(daphne, live_lot, tokens, live_n, bids=100, rate=5.0)
        print(f"  fan-out live 1000 at 5 bids/s: {live}", flush=True)
        results["live"] = live
        await asyncio.sleep(2.0)
        results["stale"] = stale_members(redis_url, prefix, live_lot)
        results["stale_products"] = stale_members(redis_url, prefix, lot)
    finally:
        await layer.flush()
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100,300,1000")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--live", type=int, default=1000, help="subscribers at 5 bids/s")
    parser.add_argument("--server", default=bidding.DEFAULT_SERVER)
    parser.add_argument("--redis", default=DEFAULT_REDIS)
    args = parser.parse_args()
    name, url = bidding.database_create(args.server)
    try:
        with tempfile.TemporaryDirectory() as media:
            bidding.setup_django(url, None, media)
            bidding.prepare(1)
            results = run(
                url,
                media,
                sizes=[int(s) for s in args.sizes.split(",")],
                rounds=args.rounds,
                redis_url=args.redis,
                live_n=args.live,
            )
    finally:
        from django.db import connections

        connections.close_all()
        bidding.database_drop(args.server, name)
    print(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    main()
