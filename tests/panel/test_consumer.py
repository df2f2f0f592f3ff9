import asyncio
import datetime as dt
import functools
import threading

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from ccp.models import Timer, TimerKind, User
from ccp.realtime import consumers
from ccp.realtime.consumers import AgentConsumer
from ccp.realtime.publish import agent_group
from ccp.services.tasks import task_start
from ccp.worker.timers import timer_fire

pytestmark = pytest.mark.django_db(transaction=True)


def run_async(fn):
    """Run an async test body on an event loop (pytest-asyncio is not a dependency)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return async_to_sync(fn)(*args, **kwargs)

    return wrapper


@pytest.fixture(autouse=True)
def renders_on_the_shared_thread(request, monkeypatch):
    """The in-memory test database locks whole tables across threads; only the burst test needs
    renders off the shared thread (and it writes nothing while they run)."""
    if "burst" not in request.node.name:
        monkeypatch.setattr(consumers, "RENDER_THREAD_SENSITIVE", True)


def communicator(user) -> WebsocketCommunicator:
    comm = WebsocketCommunicator(AgentConsumer.as_asgi(), "/ws/agent/")
    comm.scope["user"] = user
    return comm


@run_async
async def test_an_anonymous_socket_is_rejected():
    connected, _ = await communicator(AnonymousUser()).connect()
    assert not connected


@run_async
async def test_a_supervisor_socket_is_rejected(cast):
    connected, _ = await communicator(cast.supervisor).connect()
    assert not connected


@run_async
async def test_connecting_sends_the_whole_state_and_counts_the_tab(cast):
    comm = communicator(cast.alice)
    connected, _ = await comm.connect()
    assert connected
    html = await comm.receive_from(timeout=5)
    assert 'id="ccp-tiles"' in html and 'hx-swap-oob="true"' in html and "Offline" in html
    assert (await User.objects.aget(pk=cast.alice.pk)).open_tabs == 1
    await comm.disconnect()
    assert (await User.objects.aget(pk=cast.alice.pk)).open_tabs == 0
    # The last tab closed: auto-Offline is scheduled after the grace period.
    assert await Timer.objects.filter(user=cast.alice, kind=TimerKind.AGENT_AWAY, fired_at__isnull=True).aexists()


@run_async
async def test_an_offer_reaches_the_agents_socket_as_a_rendered_tile(cast):
    comm = communicator(cast.alice)
    await comm.connect()
    await comm.receive_from(timeout=5)
    await sync_to_async(cast.available)(cast.alice)
    await comm.receive_from(timeout=5)  # the status change
    task = await sync_to_async(cast.task)(name="Pushed <task>")
    html = await comm.receive_from(timeout=5)
    while "data-offer=" not in html:
        html = await comm.receive_from(timeout=5)
    assert f'data-offer="{task.id}"' in html and "Pushed &lt;task&gt;" in html and ">Accept<" in html
    await comm.disconnect()


@run_async
async def test_a_burst_of_ten_refreshes_during_a_render_costs_exactly_one_more_render(cast, monkeypatch):
    comm = communicator(cast.alice)
    await comm.connect()
    await comm.receive_from(timeout=5)  # the state on connect

    # The render is held on an event until every refresh of the burst has reached the consumer, so the
    # count does not depend on how fast this machine renders.
    release, renders, render = threading.Event(), [], consumers._render

    def held_render(user_id, *rest):
        renders.append(user_id)
        release.wait(10)
        return render(user_id, *rest)

    handled, all_handled, loop_finished = [], asyncio.Event(), asyncio.Event()
    refresh, render_loop = AgentConsumer.panel_refresh, AgentConsumer._render_loop

    async def counted_refresh(self, event):
        await refresh(self, event)
        handled.append(event)
        if len(handled) == 10:
            all_handled.set()

    async def watched_render_loop(self):
        await render_loop(self)
        loop_finished.set()

    monkeypatch.setattr(consumers, "_render", held_render)
    monkeypatch.setattr(AgentConsumer, "panel_refresh", counted_refresh)
    monkeypatch.setattr(AgentConsumer, "_render_loop", watched_render_loop)

    layer = get_channel_layer()
    event = {"type": "panel.refresh", "reason": "x", "contact_id": ""}
    await asyncio.gather(*[layer.group_send(agent_group(cast.alice.id), event) for _ in range(10)])
    await asyncio.wait_for(all_handled.wait(), 10)
    release.set()
    await asyncio.wait_for(loop_finished.wait(), 10)

    frames = []
    while not await comm.receive_nothing(timeout=0):
        frames.append(await comm.receive_from())
    # The first refresh renders at once; the nine that arrive meanwhile cost one more render, not nine.
    assert (len(renders), len(frames)) == (2, 2)
    assert 'id="ccp-tiles"' in frames[-1]
    await comm.disconnect()


@run_async
async def test_two_tabs_of_one_agent_both_get_the_same_state(cast):
    first, second = communicator(cast.alice), communicator(cast.alice)
    await first.connect()
    await second.connect()
    await first.receive_from(timeout=5)
    await second.receive_from(timeout=5)
    assert (await User.objects.aget(pk=cast.alice.pk)).open_tabs == 2
    await sync_to_async(cast.available)(cast.alice)
    a, b = await first.receive_from(timeout=5), await second.receive_from(timeout=5)
    assert "Waiting for tasks" in a and "Waiting for tasks" in b
    await first.disconnect()
    assert not await Timer.objects.filter(user=cast.alice, kind=TimerKind.AGENT_AWAY).aexists()
    await second.disconnect()


@run_async
async def test_the_creators_panel_drops_a_scheduled_task_when_it_starts_for_someone_else(cast):
    task = await sync_to_async(task_start)(
        instance=cast.instance,
        name="For Bob later",
        quick_connect=cast.qc_bob,
        scheduled_time=timezone.now() + dt.timedelta(hours=1),
        initiation_method="AGENT",
        actor_type="agent",
        actor=cast.alice,
    )
    comm = communicator(cast.alice)
    await comm.connect()
    assert f'id="tile-{task.id}"' in await comm.receive_from(timeout=5)
    # Bob gets the task; only Alice's push as its creator can take the tile off her panel.
    start = await Timer.objects.aget(contact=task, kind=TimerKind.SCHEDULED_START)
    await sync_to_async(timer_fire)(timer_id=start.id)
    assert f'id="tile-{task.id}"' not in await comm.receive_from(timeout=5)
    await comm.disconnect()
