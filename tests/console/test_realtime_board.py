"""The real-time page's controls: filters and thresholds kept in the URL, the agents table, and a
supervisor setting an agent Offline (supervisors and admins only)."""

import pytest
from django.urls import reverse

from ccp.models import AgentEvent, AgentStatus, User
from tests.factories import (
    AgentFactory,
    AgentStatusFactory,
    ContactFactory,
    QueueFactory,
    RoutingProfileQueueFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def floor(instance):
    available = AgentStatusFactory(instance=instance, name="Available", type="ROUTABLE")
    AgentStatusFactory(instance=instance, name="Offline", type="OFFLINE")
    ava = AgentFactory(instance=instance, username="ava", status=available)
    returns = RoutingProfileQueueFactory(routing_profile=ava.routing_profile, queue__name="Returns").queue
    billing = QueueFactory(instance=instance, name="Billing")
    ContactFactory(instance=instance, queue=returns)
    ContactFactory(instance=instance, queue=returns)
    task = ContactFactory(instance=instance, queue=returns, state="CONNECTED", agent=ava, name="Refund Ana")
    return {"ava": ava, "returns": returns, "billing": billing, "task": task}


def page(client, **query) -> str:
    response = client.get(reverse("admin_console:realtime"), query)
    assert response.status_code == 200
    return response.content.decode()


def test_a_queue_filter_keeps_only_that_queue_and_the_socket_gets_the_same_filters(supervisor_client, floor):
    html = page(supervisor_client, queue=floor["billing"].pk)
    assert "<td>Billing</td>" in html and "<td>Returns</td>" not in html
    assert f'ws-connect="/ws/supervisor/?queue={floor["billing"].pk}"' in html


def test_a_cell_at_its_threshold_is_marked_and_below_it_is_not(supervisor_client, floor):
    at_threshold = page(supervisor_client, warn_contacts_in_queue="2")
    assert 'class="num over" data-metric="contacts_in_queue">2<' in at_threshold
    below = page(supervisor_client, warn_contacts_in_queue="3")
    assert 'class="num" data-metric="contacts_in_queue">2<' in below
    assert 'class="num over"' not in below


def test_the_agents_table_shows_contacts_against_capacity_and_links_current_tasks(supervisor_client, floor):
    html = page(supervisor_client)
    row = html.split(f'data-agent="{floor["ava"].pk}"')[1].split("</tr>")[0]
    capacity = floor["ava"].routing_profile.task_concurrency
    assert f"Task 1/{capacity}" in row
    assert reverse("admin_console:contact_detail", args=[floor["task"].pk]) in row and "Refund Ana" in row


def test_a_supervisor_sets_an_agent_offline(supervisor_client, supervisor, floor):
    url = reverse("admin_console:realtime_agent_offline", args=[floor["ava"].pk])
    response = supervisor_client.post(url, headers={"HX-Request": "true"})
    assert response.status_code == 204
    ava = User.objects.select_related("status").get(pk=floor["ava"].pk)
    assert ava.status.type == AgentStatus.Type.OFFLINE
    assert AgentEvent.objects.filter(user=ava, status_type="OFFLINE", actor=supervisor).exists()


def test_an_agent_may_neither_see_the_page_nor_set_anyone_offline(agent_client, floor):
    assert agent_client.get(reverse("admin_console:realtime")).status_code == 403
    url = reverse("admin_console:realtime_agent_offline", args=[floor["ava"].pk])
    assert agent_client.post(url).status_code == 403
    assert User.objects.get(pk=floor["ava"].pk).status.type == AgentStatus.Type.ROUTABLE


def test_another_instances_agent_is_not_found(supervisor_client, floor, other_instance):
    theirs = AgentFactory(instance=other_instance)
    url = reverse("admin_console:realtime_agent_offline", args=[theirs.pk])
    assert supervisor_client.post(url).status_code == 404
