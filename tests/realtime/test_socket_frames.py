"""What a panel socket accepts from the browser: small frames, at a modest rate. A frame over 4 KiB closes
the socket (1009, message too big); frames beyond the token bucket (10 a second, 20 at once) are dropped."""

import functools

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator

from ccp.realtime import consumers
from ccp.realtime.consumers import FRAMES_BURST, MAX_FRAME_BYTES, AgentConsumer, FrameBucket
from tests.cast import Cast

pytestmark = pytest.mark.django_db(transaction=True)


def run_async(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return async_to_sync(fn)(*args, **kwargs)

    return wrapper


@pytest.fixture(autouse=True)
def renders_on_the_shared_thread(monkeypatch):
    monkeypatch.setattr(consumers, "RENDER_THREAD_SENSITIVE", True)


@pytest.fixture
def shop(db):
    return Cast.build()


@pytest.fixture
def clock(monkeypatch):
    """The bucket's clock, held still until a test moves it."""
    now = {"t": 1000.0}
    monkeypatch.setattr(consumers, "_clock", lambda: now["t"])
    return now


@pytest.fixture
def syncs(monkeypatch):
    """The "sync" frames that got through to a redraw."""
    seen = []
    refresh = AgentConsumer.panel_refresh

    async def counted(self, event):
        if event.get("reason") == "sync":
            seen.append(event)
        await refresh(self, event)

    monkeypatch.setattr(AgentConsumer, "panel_refresh", counted)
    return seen


async def open_socket(user) -> WebsocketCommunicator:
    comm = WebsocketCommunicator(AgentConsumer.as_asgi(), "/ws/agent/")
    comm.scope["user"] = user
    assert (await comm.connect())[0]
    await comm.receive_from(timeout=5)
    return comm


@run_async
async def test_a_frame_over_four_kib_closes_the_socket_as_too_big(shop):
    comm = await open_socket(shop.alice)
    await comm.send_to(text_data="x" * (MAX_FRAME_BYTES + 1))
    assert await comm.receive_output(timeout=5) == {"type": "websocket.close", "code": 1009}
    await comm.disconnect()


@run_async
async def test_a_frame_over_four_kib_counts_bytes_not_characters(shop):
    comm = await open_socket(shop.alice)
    await comm.send_to(text_data="é" * (MAX_FRAME_BYTES // 2 + 1))  # 2 bytes each in UTF-8
    assert (await comm.receive_output(timeout=5))["type"] == "websocket.close"
    await comm.disconnect()


@run_async
async def test_a_sync_frame_of_exactly_four_kib_is_answered_with_the_state(shop):
    comm = await open_socket(shop.alice)
    await comm.send_to(text_data='{"sync": true}'.ljust(MAX_FRAME_BYTES))
    assert 'id="ccp-tiles"' in await comm.receive_from(timeout=5)
    await comm.disconnect()


@run_async
async def test_frames_beyond_the_burst_are_dropped_and_the_socket_stays_open(shop, clock, syncs):
    comm = await open_socket(shop.alice)
    for _ in range(FRAMES_BURST + 10):
        await comm.send_to(text_data='{"sync": true}')
    await comm.receive_from(timeout=5)
    while not await comm.receive_nothing(timeout=0.2):
        await comm.receive_from()
    assert len(syncs) == FRAMES_BURST
    # A second later the bucket holds ten more, and the socket was never closed.
    clock["t"] += 1.0
    for _ in range(12):
        await comm.send_to(text_data='{"sync": true}')
    assert 'id="ccp-tiles"' in await comm.receive_from(timeout=5)
    while not await comm.receive_nothing(timeout=0.2):
        await comm.receive_from()
    assert len(syncs) == FRAMES_BURST + 10
    await comm.disconnect()


def test_the_bucket_refills_ten_frames_a_second_up_to_its_burst(clock):
    bucket = FrameBucket(rate=10, burst=20)
    assert sum(bucket.take() for _ in range(25)) == 20
    clock["t"] += 0.5
    assert sum(bucket.take() for _ in range(25)) == 5
    clock["t"] += 60
    assert sum(bucket.take() for _ in range(25)) == 20
