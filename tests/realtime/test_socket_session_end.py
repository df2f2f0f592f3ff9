"""A panel socket lives only as long as its sign-in: signing out, a new password or security profile, or a
deactivation closes it with 4001, and nothing is sent on it afterwards — also when the "session ended" message
never arrives (the next push, or the periodic check, finds the session gone)."""

import functools
from importlib import import_module

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from ccp.models import User
from ccp.realtime import consumers
from ccp.realtime.consumers import SESSION_ENDED_CODE, AgentConsumer
from ccp.realtime.publish import agent_group
from ccp.services.configuration.users import user_update
from tests.cast import Cast

pytestmark = pytest.mark.django_db(transaction=True)

SessionStore = import_module(settings.SESSION_ENGINE).SessionStore


def run_async(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return async_to_sync(fn)(*args, **kwargs)

    return wrapper


@pytest.fixture(autouse=True)
def renders_on_the_shared_thread(monkeypatch):
    # The in-memory test database locks whole tables across threads (see tests/panel/test_consumer.py).
    monkeypatch.setattr(consumers, "RENDER_THREAD_SENSITIVE", True)


@pytest.fixture
def shop(db):
    return Cast.build()


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


async def open_socket(user, client: Client) -> WebsocketCommunicator:
    """A socket authenticated the way AuthMiddlewareStack does it: the user and their session."""
    comm = WebsocketCommunicator(AgentConsumer.as_asgi(), "/ws/agent/")
    comm.scope["user"] = user
    comm.scope["session"] = SessionStore(session_key=client.session.session_key)
    connected, _ = await comm.connect()
    assert connected
    assert 'id="ccp-tiles"' in await comm.receive_from(timeout=5)
    return comm


async def assert_closed_for_good(comm: WebsocketCommunicator, user) -> None:
    """The socket was closed as signed out, and a push made afterwards reaches nothing."""
    closed = await comm.receive_output(timeout=5)
    assert closed == {"type": "websocket.close", "code": SESSION_ENDED_CODE}
    await get_channel_layer().group_send(agent_group(user.id), {"type": "panel.refresh", "reason": "x"})
    assert await comm.receive_nothing(timeout=0.3)
    await comm.disconnect()


def change(user: User, **changes) -> None:
    """The console's user edit, through the service."""
    user = User.objects.get(pk=user.pk)
    fields = dict(
        username=user.username,
        security_profiles=list(user.security_profiles.all()),
        routing_profile=user.routing_profile,
        first_name=user.first_name,
        last_name=user.last_name,
        is_active=user.is_active,
    )
    fields.update(changes)
    user_update(user=user, **fields)


@run_async
async def test_signing_out_closes_that_sessions_socket(shop):
    client = await sync_to_async(signed_in)(shop.alice)
    comm = await open_socket(shop.alice, client)
    response = await sync_to_async(client.post)("/logout/")
    assert response.status_code == 302
    await assert_closed_for_good(comm, shop.alice)


@run_async
async def test_signing_out_in_one_browser_leaves_the_agents_other_browser_connected(shop):
    laptop, phone = await sync_to_async(signed_in)(shop.alice), await sync_to_async(signed_in)(shop.alice)
    laptop_socket = await open_socket(shop.alice, laptop)
    phone_socket = await open_socket(shop.alice, phone)
    await sync_to_async(laptop.post)("/logout/")
    assert (await laptop_socket.receive_output(timeout=5))["code"] == SESSION_ENDED_CODE
    await get_channel_layer().group_send(agent_group(shop.alice.id), {"type": "panel.refresh", "reason": "x"})
    assert 'id="ccp-tiles"' in await phone_socket.receive_from(timeout=5)
    await laptop_socket.disconnect()
    await phone_socket.disconnect()


@run_async
async def test_a_new_password_closes_the_agents_socket(shop):
    comm = await open_socket(shop.alice, await sync_to_async(signed_in)(shop.alice))
    await sync_to_async(change)(shop.alice, password="a-new-long-passphrase-42")
    await assert_closed_for_good(comm, shop.alice)


@run_async
async def test_deactivating_the_agent_closes_their_socket(shop):
    comm = await open_socket(shop.alice, await sync_to_async(signed_in)(shop.alice))
    await sync_to_async(change)(shop.alice, is_active=False)
    await assert_closed_for_good(comm, shop.alice)


@run_async
async def test_a_new_security_profile_closes_the_agents_socket(shop):
    comm = await open_socket(shop.alice, await sync_to_async(signed_in)(shop.alice))
    # Still given a routing profile, so still allowed a panel: the session ends all the same.
    await sync_to_async(change)(shop.alice, security_profiles=[shop.security_profiles["CallCenterManager"]])
    await assert_closed_for_good(comm, shop.alice)


@run_async
async def test_renaming_the_agent_leaves_their_socket_open(shop):
    comm = await open_socket(shop.alice, await sync_to_async(signed_in)(shop.alice))
    await sync_to_async(change)(shop.alice, first_name="Alicia")
    await get_channel_layer().group_send(agent_group(shop.alice.id), {"type": "panel.refresh", "reason": "x"})
    assert 'id="ccp-tiles"' in await comm.receive_from(timeout=5)
    await comm.disconnect()


@run_async
async def test_a_push_after_a_missed_session_end_closes_the_socket_instead_of_rendering(shop):
    comm = await open_socket(shop.alice, await sync_to_async(signed_in)(shop.alice))
    # Deactivated behind the services' back: no "session ended" message is sent.
    await User.objects.filter(pk=shop.alice.pk).aupdate(is_active=False)
    await get_channel_layer().group_send(agent_group(shop.alice.id), {"type": "panel.refresh", "reason": "x"})
    await assert_closed_for_good(comm, shop.alice)


@run_async
async def test_a_session_deleted_without_a_message_closes_the_idle_socket_within_seconds(shop, monkeypatch):
    monkeypatch.setattr(consumers, "SESSION_CHECK_SECONDS", 0.05)
    client = await sync_to_async(signed_in)(shop.alice)
    comm = await open_socket(shop.alice, client)
    # The session row goes (an expired-session sweep, another process's sign-out), and nothing is pushed.
    await sync_to_async(SessionStore(session_key=client.session.session_key).delete)()
    await assert_closed_for_good(comm, shop.alice)
