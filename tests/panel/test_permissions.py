"""The panel under security profiles: without Tasks.Create, Tasks.Transfer or OutboundCallAccess the agent sees
no Create task, Transfer or Number pad control and the server refuses the action (403, nothing written); without
BasicAgentAccess there is no panel and no panel socket; a supervisor's real-time socket needs RealTimeMetrics.View
and closes when it is taken away."""

import functools

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.urls import reverse

from ccp.models import Contact, SecurityProfile, User
from ccp.realtime import consumers, supervisor
from ccp.realtime.consumers import AgentConsumer
from ccp.realtime.publish import supervisor_group
from ccp.realtime.supervisor import SupervisorConsumer
from ccp.services.configuration.security_profiles import security_profile_update
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
    monkeypatch.setattr(supervisor, "COALESCE_SECONDS", 0.05)


@pytest.fixture
def shop(db):
    return Cast.build()


def panel_agent(shop, permissions):
    profile = SecurityProfile.objects.create(instance=shop.instance, name="Limited", permissions=permissions)
    user = shop.person("lim", profiles=[profile], routing_profile=shop.profile)
    client = Client()
    client.force_login(user)
    return user, client


def test_an_agent_without_create_transfer_or_number_pad_sees_none_and_is_refused(shop):
    user, client = panel_agent(shop, ["BasicAgentAccess"])
    shop.available(user)
    task = shop.task("Call back Ana")
    client.post(reverse("panel:contact_accept", args=[task.id]))
    page = client.get(reverse("panel:panel")).content.decode()
    assert "Call back Ana" in page
    assert 'id="create-task"' not in page
    assert f'id="transfer-{task.id}"' not in page and f'id="numpad-{task.id}"' not in page
    before = Contact.objects.count()
    assert client.post(reverse("panel:task_create"), {"name": "Sneaky"}).status_code == 403
    assert client.get(reverse("panel:contact_transfer_form", args=[task.id])).status_code == 403
    assert client.post(reverse("panel:call_start", args=[task.id]), {"number": "+15550100"}).status_code == 403
    assert Contact.objects.count() == before


def test_the_agent_profile_shows_every_control(shop):
    client = Client()
    client.force_login(shop.alice)
    shop.available(shop.alice)
    task = shop.task("Call back Ana")
    client.post(reverse("panel:contact_accept", args=[task.id]))
    page = client.get(reverse("panel:panel")).content.decode()
    assert 'id="create-task"' in page and f'id="transfer-{task.id}"' in page and f'id="numpad-{task.id}"' in page


def test_without_basic_agent_access_there_is_no_panel(shop):
    user, client = panel_agent(shop, ["ContactSearch.View"])
    response = client.get(reverse("panel:panel"))
    assert response.status_code == 403 and "not part of your security profile" in response.content.decode()


@run_async
async def test_without_basic_agent_access_the_panel_socket_is_refused(shop):
    user, _ = await sync_to_async(panel_agent)(shop, ["ContactSearch.View", "Tasks.Create"])
    comm = WebsocketCommunicator(AgentConsumer.as_asgi(), "/ws/agent/")
    comm.scope["user"] = user
    connected, _ = await comm.connect()
    assert not connected


def board_socket(user) -> WebsocketCommunicator:
    comm = WebsocketCommunicator(SupervisorConsumer.as_asgi(), "/ws/supervisor/")
    comm.scope["user"] = user
    return comm


@run_async
async def test_the_real_time_socket_follows_the_permission(shop):
    # A quality analyst may watch real-time metrics; when the permission goes, the socket closes.
    comm = board_socket(shop.analyst)
    connected, _ = await comm.connect()
    assert connected
    assert 'id="metrics"' in await comm.receive_from(timeout=5)
    analyst_profile = shop.security_profiles["QualityAnalyst"]
    await sync_to_async(security_profile_update)(profile=analyst_profile, permissions=["ContactSearch.View"])
    await get_channel_layer().group_send(supervisor_group(shop.instance.id), {"type": "metrics.refresh"})
    assert (await comm.receive_output(timeout=5))["type"] == "websocket.close"
    await comm.disconnect()

    # A new socket's user is read afresh by the auth middleware, as here.
    refused = board_socket(await sync_to_async(User.objects.get)(pk=shop.analyst.pk))
    connected, _ = await refused.connect()
    assert not connected
