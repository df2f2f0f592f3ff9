"""The demo contact center: complete, usable, and unchanged by a second run."""

import io
import json

import pytest
from django.core.management import call_command

from ccp import models as m

pytestmark = pytest.mark.django_db

COUNTED = [
    m.Instance,
    m.User,
    m.Queue,
    m.RoutingProfile,
    m.RoutingProfileQueue,
    m.QuickConnect,
    m.ContactFlow,
    m.TaskTemplate,
    m.ApiKey,
    m.AgentStatus,
    m.HoursOfOperation,
]


def load_json() -> dict:
    out = io.StringIO()
    call_command("load_demo", "--json", stdout=out)
    return json.loads(out.getvalue())


def test_running_the_demo_twice_changes_nothing():
    first = load_json()
    counts = {model.__name__: model.objects.count() for model in COUNTED}
    second = load_json()
    assert first == second
    assert {model.__name__: model.objects.count() for model in COUNTED} == counts


def test_the_demo_json_names_everything_a_client_needs():
    data = load_json()
    for key in (
        "instance_id",
        "region",
        "access_key_id",
        "secret_access_key",
        "task_flow_id",
        "task_queue_id",
        "users",
        "queues",
        "flows",
        "quick_connects",
        "task_templates",
        "routing_profiles",
    ):
        assert data[key], key
    roles = {u["role"] for u in data["users"]}
    assert roles == {"Admin", "CallCenterManager", "Agent"}
    assert sum(u["role"] == "Agent" for u in data["users"]) == 3
    assert data["task_queue_id"] in data["queues"].values()
    assert m.RoutingProfile.objects.filter(task_concurrency=10).exists()


@pytest.mark.django_db(transaction=True)
def test_the_demo_task_flow_puts_a_task_in_the_demo_queue_and_an_available_agent_gets_it():
    from ccp.services.agents import agent_set_status
    from ccp.services.tasks import task_start

    data = load_json()
    agent = m.User.objects.get(username="agent1")
    agent_set_status(user=agent, status=m.AgentStatus.objects.get(instance=agent.instance, name="Available"))
    task = task_start(
        instance=agent.instance, name="Demo task", contact_flow=m.ContactFlow.objects.get(pk=data["task_flow_id"])
    )
    task.refresh_from_db()
    assert task.queue_id == data["task_queue_id"]
    assert task.agent_id == agent.id


@pytest.mark.django_db(transaction=True)
def test_a_chat_and_a_call_started_on_the_demo_reach_an_available_agent():
    """StartChatContact and StartOutboundVoiceContact on the demo's flow: routed to agent1 (chat 2, voice 1)."""
    from ccp.services.agents import agent_set_status
    from ccp.services.conversations import ChatRequest, OutboundVoiceRequest, chat_start, outbound_voice_start

    data = load_json()
    agent = m.User.objects.get(username="agent1")
    agent_set_status(user=agent, status=m.AgentStatus.objects.get(instance=agent.instance, name="Available"))
    flow = m.ContactFlow.objects.get(pk=data["task_flow_id"])
    profile = agent.routing_profile
    assert (profile.chat_concurrency, profile.voice_concurrency) == (2, 1)
    chats = [
        chat_start(instance=agent.instance, request=ChatRequest(contact_flow=flow, display_name=f"Customer {i}"))
        for i in range(2)
    ]
    call = outbound_voice_start(
        instance=agent.instance, request=OutboundVoiceRequest(contact_flow=flow, destination="+15550100")
    )
    for contact in [*chats, call]:
        contact.refresh_from_db()
        assert (contact.queue_id, contact.agent_id, contact.state) == (data["task_queue_id"], agent.id, "CONNECTING")


def test_demo_users_can_log_in_with_the_printed_passwords(client):
    data = load_json()
    for user in data["users"]:
        assert client.login(username=user["username"], password=user["password"]), user["username"]
