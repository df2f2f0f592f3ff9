"""Real-time metrics: per queue, contacts waiting and with agents; agents available and on contact."""

import pytest
from django.urls import reverse

from tests.factories import AgentFactory, AgentStatusFactory, ContactFactory, RoutingProfileQueueFactory

pytestmark = pytest.mark.django_db


def _cells(html: str, queue_name: str) -> dict[str, str]:
    """The queue row's cells by metric (each cell carries data-metric)."""
    row = html.split(f"<td>{queue_name}</td>")[1].split("</tr>")[0]
    cells = {}
    for piece in row.split('data-metric="')[1:]:
        key, _, rest = piece.partition('">')
        cells[key] = rest.split("</td>")[0]
    return cells


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
    cells = _cells(html, queue.name)
    assert cells["contacts_in_queue"] == "2"
    assert cells["contacts_with_agents"] == "1"
    assert [cells["agents_available"], cells["agents_on_contact"], cells["agents_staffed"]] == ["2", "1", "2"]
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
    cells = _cells(response.content.decode(), queue.name)
    assert [cells["agents_available"], cells["agents_on_contact"], cells["agents_staffed"]] == ["0", "1", "1"]
