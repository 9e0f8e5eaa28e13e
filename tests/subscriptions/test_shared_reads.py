"""The per-process shared reads of the lot feeds: one read per key however many sockets
ask, fresh for as long as they are allowed to be, and bounded in size."""

import asyncio

import pytest

import schema  # noqa: F401  (the schema imports the subscriptions, in its order)
from subscriptions.lot_hub import _SharedReads


def _counting():
    calls = []

    async def read(*key):
        calls.append(key)
        await asyncio.sleep(0.01)
        return key

    return read, calls


async def test_concurrent_askers_share_one_read():
    read, calls = _counting()
    reads = _SharedReads(read, size=8, max_age=None)

    results = await asyncio.gather(*(reads.get(("lot", 1)) for _ in range(50)))

    assert results == [("lot", 1)] * 50
    assert calls == [("lot", 1)]


async def test_a_read_older_than_max_age_is_read_again():
    read, calls = _counting()
    reads = _SharedReads(read, size=8, max_age=0.05)
    await reads.get(("lot", 1))
    await reads.get(("lot", 1))
    await asyncio.sleep(0.06)

    await reads.get(("lot", 1))

    assert calls == [("lot", 1), ("lot", 1)]


async def test_the_least_recently_asked_keys_go_beyond_the_size():
    read, calls = _counting()
    reads = _SharedReads(read, size=3, max_age=None)
    for pk in range(10):
        await reads.get(("lot", pk))
    await reads.get(("lot", 9))  # still kept

    assert len(reads) == 3
    assert calls.count(("lot", 9)) == 1
    await reads.get(("lot", 0))  # long gone: read again
    assert calls.count(("lot", 0)) == 2


async def test_a_failed_read_is_not_kept():
    attempts = []

    async def read(*key):
        attempts.append(key)
        if len(attempts) == 1:
            raise RuntimeError("database away")
        return "ok"

    reads = _SharedReads(read, size=8, max_age=None)
    with pytest.raises(RuntimeError):
        await reads.get(("lot", 1))

    assert await reads.get(("lot", 1)) == "ok"
    assert len(attempts) == 2
