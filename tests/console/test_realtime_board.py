"""The real-time page's controls: filters and thresholds kept in the URL, the agents table, in-flow, missed
and service-level columns over the last minutes, and a supervisor setting an agent Offline (supervisors and
admins only)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from ccp.models import AgentEvent, AgentStatus, User
from tests.factories import (
    AgentFactory,
    AgentStatusFactory,
    ContactEventFactory,
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


def test_in_flow_missed_and_service_level_over_the_last_minutes(supervisor_client, floor, instance):
    now = timezone.now()
    returns = floor["returns"]
    ContactFactory(instance=instance, queue=returns, state="IN_FLOW", enqueue_timestamp=None)
    ContactFactory(instance=instance, state="SCHEDULED", enqueue_timestamp=None)  # no queue yet: the instance's
    # Left the queue in the last 15 minutes: answered after 30 s and after 2 min, and one abandoned.
    for wait in (30, 120):
        ContactFactory(
            instance=instance,
            queue=returns,
            state="ENDED",
            disconnect_reason="AGENT_DISCONNECT",
            agent=floor["ava"],
            enqueue_timestamp=now - dt.timedelta(minutes=5),
            connected_to_agent_timestamp=now - dt.timedelta(minutes=5) + dt.timedelta(seconds=wait),
        )
    ContactFactory(
        instance=instance,
        queue=returns,
        state="ENDED",
        disconnect_reason="API",
        enqueue_timestamp=now - dt.timedelta(minutes=4),
        disconnect_timestamp=now - dt.timedelta(minutes=2),
    )
    ContactEventFactory(contact=floor["task"], event="MISSED", at=now - dt.timedelta(minutes=3), queue=returns)
    ContactEventFactory(contact=floor["task"], event="MISSED", at=now - dt.timedelta(minutes=30), queue=returns)

    html = page(supervisor_client, sl="60", warn_service_level="50")
    row = html.split("<td>Returns</td>")[1].split("</tr>")[0]
    assert 'data-metric="contacts_in_flow">1<' in row
    assert 'data-metric="missed">1<' in row  # the one 30 minutes ago is outside the window
    assert 'class="num over" data-metric="service_level">33.3%<' in row  # 1 of 3 within 60 s, below 50%
    totals = html.split('class="total"')[1].split("</tr>")[0]
    assert 'data-metric="contacts_scheduled">1<' in totals  # the queue-less scheduled task counts for the instance
    html = page(supervisor_client, sl="150", window="60")
    row = html.split("<td>Returns</td>")[1].split("</tr>")[0]
    assert 'data-metric="service_level">66.7%<' in row and 'data-metric="missed">2<' in row
    assert 'name="window" value="60"' in html and 'name="sl" value="150"' in html
