"""The channel layer in service mode: an idle websocket's receive loop must outlive Redis client timeouts."""

import asyncio

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

pytestmark = pytest.mark.services


def test_an_idle_channel_still_receives_after_longer_than_the_redis_blocking_pop():
    # channels-redis waits for a message with a 5 s server-side blocking pop. redis-py 8 reads with a 5 s
    # client timeout by default, which fires first: every idle consumer crashed every ~5 s (close 1011)
    # and browsers reconnected in a loop. Seven quiet seconds must pass without an error.
    async def scenario():
        layer = get_channel_layer()
        channel = await layer.new_channel()

        async def push_later():
            await asyncio.sleep(7)
            await layer.send(channel, {"type": "panel.refresh", "reason": "late"})

        sender = asyncio.create_task(push_later())
        try:
            return await asyncio.wait_for(layer.receive(channel), timeout=20)
        finally:
            await sender

    assert async_to_sync(scenario)()["reason"] == "late"
