"""A page left open longer than the channel layer's group expiry (a day by default) still gets its pushes:
each socket re-adds itself to its group well inside that window. Here the expiry is shrunk to one second."""

import asyncio
import functools

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from ccp.realtime import publish, supervisor
from ccp.realtime.supervisor import SupervisorConsumer
from ccp.services.agents import agent_set_status

pytestmark = pytest.mark.django_db(transaction=True)


def run_async(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return async_to_sync(fn)(*args, **kwargs)

    return wrapper


@pytest.fixture
def short_group_expiry(monkeypatch):
    monkeypatch.setattr(get_channel_layer(), "group_expiry", 1)
    monkeypatch.setattr(supervisor, "COALESCE_SECONDS", 0.05)


@run_async
async def test_a_page_open_past_the_group_expiry_still_gets_pushes(cast, short_group_expiry, monkeypatch):
    monkeypatch.setattr(publish, "GROUP_REFRESH_SECONDS", 0.3)
    comm = WebsocketCommunicator(SupervisorConsumer.as_asgi(), "/ws/supervisor/")
    comm.scope["user"] = cast.supervisor
    assert (await comm.connect())[0]
    await comm.receive_from(timeout=15)
    # Well past the expiry: without the refresh the layer has dropped the socket from the group by now.
    await asyncio.sleep(3)
    await sync_to_async(agent_set_status)(user=cast.alice, status=cast.statuses["ROUTABLE"], actor=cast.supervisor)
    html = await comm.receive_from(timeout=15)
    row = html.split(f'data-agent="{cast.alice.pk}"')[1].split("</tr>")[0]
    assert "Available" in row
    await comm.disconnect()


@run_async
async def test_without_a_refresh_the_layer_drops_the_member(cast, short_group_expiry, monkeypatch):
    """The control: the expiry really does end a membership that is not refreshed."""
    monkeypatch.setattr(publish, "GROUP_REFRESH_SECONDS", 3600)
    comm = WebsocketCommunicator(SupervisorConsumer.as_asgi(), "/ws/supervisor/")
    comm.scope["user"] = cast.supervisor
    assert (await comm.connect())[0]
    await comm.receive_from(timeout=15)
    await asyncio.sleep(3)
    await sync_to_async(agent_set_status)(user=cast.alice, status=cast.statuses["ROUTABLE"], actor=cast.supervisor)
    assert await comm.receive_nothing(timeout=1.5)
    await comm.disconnect()
