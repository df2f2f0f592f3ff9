"""Real-time metrics: per queue, contacts waiting and with agents; agents available and on contact."""

import pytest
from django.urls import reverse

from tests.factories import AgentFactory, AgentStatusFactory, ContactFactory, RoutingProfileQueueFactory

pytestmark = pytest.mark.django_db


def test_queue_rows_count_waiting_contacts_and_agents(supervisor_client, instance):
    available = AgentStatusFactory(instance=instance, name="Available", type="ROUTABLE")
    busy_agent = AgentFactory(instance=instance, status=available)
    idle_agent = AgentFactory(instance=instance, status=available, routing_profile=busy_agent.routing_profile)
    queue = RoutingProfileQueueFactory(routing_profile=busy_agent.routing_profile).queue
    ContactFactory(instance=instance, queue=queue, state="QUEUED")
    ContactFactory(instance=instance, queue=queue, state="QUEUED")
    ContactFactory(instance=instance, queue=queue, state="CONNECTED", agent=busy_agent)
    response = supervisor_client.get(reverse("admin_console:realtime"), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="metrics"')
    row = html.split(f"<td>{queue.name}</td>")[1].split("</tr>")[0]
    cells = [c.split("</td>")[0] for c in row.split('<td class="num">')[1:]]
    # queued, oldest, with agents, available, on contact, staffed
    assert cells[0] == "2"
    assert cells[2] == "1"
    assert cells[3:] == ["2", "1", "2"]
    assert str(idle_agent) in html


def test_an_offline_agent_is_not_staffed_and_a_full_agent_is_not_available(supervisor_client, instance):
    available = AgentStatusFactory(instance=instance, name="Available", type="ROUTABLE")
    offline = AgentStatusFactory(instance=instance, name="Offline", type="OFFLINE")
    full = AgentFactory(instance=instance, status=available)
    full.routing_profile.task_concurrency = 1
    full.routing_profile.save()
    AgentFactory(instance=instance, status=offline, routing_profile=full.routing_profile)
    queue = RoutingProfileQueueFactory(routing_profile=full.routing_profile).queue
    ContactFactory(instance=instance, queue=queue, state="CONNECTED", agent=full)
    response = supervisor_client.get(reverse("admin_console:realtime"), headers={"HX-Request": "true"})
    row = response.content.decode().split(f"<td>{queue.name}</td>")[1].split("</tr>")[0]
    cells = [c.split("</td>")[0] for c in row.split('<td class="num">')[1:]]
    # available, on contact, staffed
    assert cells[3:] == ["0", "1", "1"]
