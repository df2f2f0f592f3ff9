"""The supervisors' websocket: the real-time page is pushed when a task arrives or an agent's status
changes, bursts coalesce into one render, and only Admins and CallCenterManagers may connect."""

import asyncio
import functools

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from ccp.models import RoutingProfileQueue, SecurityProfile
from ccp.realtime import supervisor
from ccp.realtime.publish import supervisor_group
from ccp.realtime.supervisor import SupervisorConsumer
from ccp.services.agents import agent_set_status
from ccp.services.tasks import task_start
from tests.factories import AgentFactory, QueueFactory, RoutingProfileFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def run_async(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return async_to_sync(fn)(*args, **kwargs)

    return wrapper


@pytest.fixture(autouse=True)
def quick_coalescing(monkeypatch):
    monkeypatch.setattr(supervisor, "COALESCE_SECONDS", 0.05)


@pytest.fixture
def floor(instance, statuses, queue_flow):
    queue = QueueFactory(instance=instance, name="Returns")
    profile = RoutingProfileFactory(instance=instance, task_concurrency=2)
    RoutingProfileQueue.objects.create(routing_profile=profile, queue=queue)
    agent = AgentFactory(instance=instance, username="ava", routing_profile=profile, status=statuses["ROUTABLE"])
    boss = UserFactory(instance=instance, username="sam", security_profile=SecurityProfile.SUPERVISOR)
    return {"queue": queue, "flow": queue_flow(queue), "agent": agent, "boss": boss, "statuses": statuses}


def communicator(user, query: str = "") -> WebsocketCommunicator:
    comm = WebsocketCommunicator(SupervisorConsumer.as_asgi(), f"/ws/supervisor/?{query}")
    comm.scope["user"] = user
    comm.scope["query_string"] = query.encode()
    return comm


def queued_cell(html: str, queue_name: str) -> str:
    row = html.split(f"<td>{queue_name}</td>")[1].split("</tr>")[0]
    return row.split('data-metric="contacts_in_queue">')[1].split("</td>")[0]


@run_async
async def test_an_anonymous_socket_is_rejected():
    connected, _ = await communicator(AnonymousUser()).connect()
    assert not connected


@run_async
async def test_an_agents_socket_is_rejected(floor):
    connected, _ = await communicator(floor["agent"]).connect()
    assert not connected


@run_async
async def test_an_admin_gets_the_page_on_connect(floor, instance):
    admin = await sync_to_async(UserFactory)(instance=instance, security_profile=SecurityProfile.ADMIN)
    comm = communicator(admin)
    connected, _ = await comm.connect()
    assert connected
    html = await comm.receive_from(timeout=5)
    assert 'id="metrics"' in html and 'hx-swap-oob="true"' in html and "ava" in html
    await comm.disconnect()


@run_async
async def test_a_new_task_reaches_the_page_without_a_reload(floor, instance):
    await sync_to_async(agent_set_status)(user=floor["agent"], status=floor["statuses"]["OFFLINE"])
    comm = communicator(floor["boss"])
    await comm.connect()
    html = await comm.receive_from(timeout=5)
    assert queued_cell(html, "Returns") == "0"
    await sync_to_async(task_start)(instance=instance, name="Refund", contact_flow=floor["flow"])
    html = await comm.receive_from(timeout=5)
    assert queued_cell(html, "Returns") == "1"
    await comm.disconnect()


@run_async
async def test_setting_an_agent_offline_reaches_the_page(floor):
    comm = communicator(floor["boss"])
    await comm.connect()
    html = await comm.receive_from(timeout=5)
    row = html.split(f'data-agent="{floor["agent"].pk}"')[1].split("</tr>")[0]
    assert "Available" in row and "Set Offline" in row
    await sync_to_async(agent_set_status)(user=floor["agent"], status=floor["statuses"]["OFFLINE"], actor=floor["boss"])
    html = await comm.receive_from(timeout=5)
    row = html.split(f'data-agent="{floor["agent"].pk}"')[1].split("</tr>")[0]
    assert "Offline" in row and "Set Offline" not in row
    await comm.disconnect()


@run_async
async def test_the_filters_of_the_url_narrow_the_pushed_page(floor, instance):
    other = await sync_to_async(QueueFactory)(instance=instance, name="Billing")
    comm = communicator(floor["boss"], f"queue={other.pk}&channel=TASK")
    await comm.connect()
    html = await comm.receive_from(timeout=5)
    assert "<td>Billing</td>" in html and "<td>Returns</td>" not in html
    await comm.disconnect()


@run_async
async def test_a_burst_of_signals_costs_one_render(floor, monkeypatch):
    renders, handled = [], []
    all_handled = asyncio.Event()
    real_html, real_refresh = supervisor.board_html, SupervisorConsumer.metrics_refresh

    def counted(user, filters, *, oob=False):
        renders.append(user.pk)
        return real_html(user, filters, oob=oob)

    async def counted_refresh(self, event):
        await real_refresh(self, event)
        handled.append(event)
        if len(handled) == 10:
            all_handled.set()

    async def held_later(self):
        # The coalescing wait lasts until the whole burst has reached the consumer, so the count does not
        # depend on how fast the channel layer delivers.
        await all_handled.wait()
        await self._render_and_send()

    monkeypatch.setattr(supervisor, "board_html", counted)
    monkeypatch.setattr(SupervisorConsumer, "metrics_refresh", counted_refresh)
    monkeypatch.setattr(SupervisorConsumer, "_later", held_later)
    comm = communicator(floor["boss"])
    await comm.connect()
    await comm.receive_from(timeout=5)
    layer = get_channel_layer()
    for _ in range(10):
        await layer.group_send(supervisor_group(floor["boss"].instance_id), {"type": "metrics.refresh", "reason": "x"})
    await comm.receive_from(timeout=5)
    assert await comm.receive_nothing(timeout=0.3)
    assert len(renders) == 2  # on connect, then once for the whole burst
    await comm.disconnect()
