"""The embedded layer carries group messages between processes of one machine."""

import asyncio
import subprocess
import sys
import textwrap
import time

import pytest

from live.layers import EmbeddedChannelLayer

MESSAGE = {"type": "platform.event", "event": {"type": "lot.bid", "seq": 1}}


async def _receive(layer, channel, timeout=3.0):
    return await asyncio.wait_for(layer.receive(channel), timeout)


async def _nobody_listens_here(tmp_path):
    """This process's layer, another's on the same relay, and a channel that was in
    ``lot.1`` while the reader ran and has left it: nobody here listens any more."""
    relay = str(tmp_path / "relay.sqlite3")
    here = EmbeddedChannelLayer(relay_path=relay, poll_interval=0.02)
    elsewhere = EmbeddedChannelLayer(relay_path=relay)  # another process's layer
    channel = await here.new_channel()
    await here.group_add("lot.1", channel)
    await asyncio.sleep(0.1)  # the reader runs
    await here.group_discard("lot.1", channel)
    return here, elsewhere, channel


async def test_a_message_sent_by_another_process_reaches_this_ones_members(tmp_path):
    relay = str(tmp_path / "relay.sqlite3")
    here = EmbeddedChannelLayer(relay_path=relay)
    channel = await here.new_channel()
    await here.group_add("lot.1", channel)
    await asyncio.sleep(0.2)  # the relay reader has started at the relay's head

    script = textwrap.dedent(
        f"""
        import asyncio
        from live.layers import EmbeddedChannelLayer
        layer = EmbeddedChannelLayer(relay_path={relay!r})
        asyncio.run(layer.group_send("lot.1", {MESSAGE!r}))
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=30)

    assert await _receive(here, channel) == MESSAGE


async def test_a_local_message_is_delivered_once(tmp_path):
    layer = EmbeddedChannelLayer(relay_path=str(tmp_path / "relay.sqlite3"))
    channel = await layer.new_channel()
    await layer.group_add("lot.1", channel)

    await layer.group_send("lot.1", MESSAGE)

    assert await _receive(layer, channel) == MESSAGE
    with pytest.raises(TimeoutError):  # the relay's copy is not handed on again
        await _receive(layer, channel, timeout=0.5)


async def test_group_membership_does_not_expire_on_a_long_lived_socket(tmp_path, monkeypatch):
    layer = EmbeddedChannelLayer(relay_path=str(tmp_path / "relay.sqlite3"))
    channel = await layer.new_channel()
    await layer.group_add("lot.1", channel)
    joined = time.time()
    # Two days later (the in-memory layer's own expiry is one day)
    monkeypatch.setattr(time, "time", lambda: joined + 2 * 86400)

    await layer.group_send("lot.1", MESSAGE)

    assert await _receive(layer, channel) == MESSAGE


async def test_a_group_joined_later_gets_nothing_written_while_nobody_listened(tmp_path):
    here, elsewhere, channel = await _nobody_listens_here(tmp_path)

    await elsewhere.group_send("lot.1", MESSAGE)  # written while nobody listened
    await asyncio.sleep(0.3)  # the reader polls meanwhile
    await here.group_add("lot.1", channel)
    later = {"type": "platform.event", "event": {"type": "lot.bid", "seq": 2}}
    await elsewhere.group_send("lot.1", later)

    assert await _receive(here, channel) == later  # not the first, long before the join


async def test_a_group_that_joins_while_the_head_is_read_keeps_what_follows_its_join(
    tmp_path, monkeypatch
):
    here, elsewhere, channel = await _nobody_listens_here(tmp_path)  # it follows the head
    later = {"type": "platform.event", "event": {"type": "lot.bid", "seq": 2}}
    original = here._on_relay_thread
    raced = False

    async def racing(function, *args):
        nonlocal raced
        if function == here._head and not raced:
            raced = True  # while the head is read: a join, then a message for it
            await here.group_add("lot.1", channel)
            await elsewhere.group_send("lot.1", later)
        return await original(function, *args)

    monkeypatch.setattr(here, "_on_relay_thread", racing)

    assert await _receive(here, channel) == later
