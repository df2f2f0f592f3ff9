"""Deleting a queue, flow or user that open contacts (or other configuration) still use is refused, and the
refusal names what uses it; once nothing open uses it, the delete goes through. Ended contacts never block."""

import pytest
from django.urls import reverse

from ccp.errors import ResourceInUse
from ccp.models import ContactFlow, ContactState, Queue, RoutingProfile, User
from ccp.services.configuration.queues import queue_delete
from tests.factories import (
    AgentFactory,
    ContactFactory,
    ContactFlowFactory,
    QueueFactory,
    QuickConnectFactory,
    RoutingProfileFactory,
    RoutingProfileQueueFactory,
    TaskTemplateFactory,
)

pytestmark = pytest.mark.django_db


def delete(admin_client, name: str, pk) -> tuple[int, str]:
    response = admin_client.post(reverse(f"admin_console:{name}_delete", args=[pk]))
    return response.status_code, response.content.decode()


# Queues


def test_a_queue_with_an_open_contact_in_it_is_not_deleted_and_the_contact_is_named(admin_client, instance):
    queue = QueueFactory(instance=instance, name="Refunds")
    ContactFactory(instance=instance, queue=queue, name="Refund for Ana")
    status, html = delete(admin_client, "queue", queue.pk)
    assert status == 409 and "is still in use" in html and "Open contact “Refund for Ana”" in html
    assert Queue.objects.filter(pk=queue.pk).exists()


def test_a_queue_whose_contacts_all_ended_is_deleted(admin_client, instance):
    queue = QueueFactory(instance=instance, name="Refunds")
    ContactFactory(instance=instance, queue=queue, state=ContactState.ENDED, disconnect_reason="AGENT_DISCONNECT")
    status, _ = delete(admin_client, "queue", queue.pk)
    assert status == 302 and not Queue.objects.filter(pk=queue.pk).exists()


def test_a_queue_a_routing_profile_serves_is_not_deleted_and_the_profile_is_named(admin_client, instance):
    link = RoutingProfileQueueFactory(routing_profile__instance=instance, routing_profile__name="Front desk")
    status, html = delete(admin_client, "queue", link.queue.pk)
    assert status == 409 and "Routing profile “Front desk”" in html
    assert Queue.objects.filter(pk=link.queue.pk).exists()


def test_a_queue_a_quick_connect_transfers_to_is_not_deleted_and_the_quick_connect_is_named(admin_client, instance):
    quick_connect = QuickConnectFactory(instance=instance, name="To refunds")
    status, html = delete(admin_client, "queue", quick_connect.queue.pk)
    assert status == 409 and "Quick connect “To refunds”" in html


def test_a_refusal_names_five_open_contacts_and_counts_the_rest(admin_client, instance):
    queue = QueueFactory(instance=instance)
    for n in range(8):
        ContactFactory(instance=instance, queue=queue, name=f"Task {n}")
    _, html = delete(admin_client, "queue", queue.pk)
    assert html.count("Open contact “") == 5 and "and 3 more" in html


# Flows


@pytest.mark.parametrize("use", ["flow", "customer_queue_flow", "disconnect_flow"])
def test_a_flow_an_open_contact_runs_is_not_deleted_and_the_contact_is_named(admin_client, instance, use):
    flow = ContactFlowFactory(instance=instance, name="Triage")
    ContactFactory(instance=instance, name="Ana's task", **{use: flow})
    status, html = delete(admin_client, "flow", flow.pk)
    assert status == 409 and "Open contact “Ana&#x27;s task”" in html
    assert ContactFlow.objects.filter(pk=flow.pk).exists()


def test_a_flow_only_ended_contacts_ran_is_deleted(admin_client, instance):
    flow = ContactFlowFactory(instance=instance)
    ContactFactory(instance=instance, flow=flow, state=ContactState.ENDED, disconnect_reason="EXPIRED")
    status, _ = delete(admin_client, "flow", flow.pk)
    assert status == 302 and not ContactFlow.objects.filter(pk=flow.pk).exists()


def test_a_flow_a_quick_connect_and_a_template_use_is_not_deleted_and_both_are_named(admin_client, instance):
    flow = ContactFlowFactory(instance=instance)
    QuickConnectFactory(instance=instance, name="Escalate", flow=flow)
    TaskTemplateFactory(instance=instance, name="Refund request", flow=flow)
    status, html = delete(admin_client, "flow", flow.pk)
    assert status == 409 and "Quick connect “Escalate”" in html and "Task template “Refund request”" in html


# Users


def test_an_agent_with_an_open_contact_is_not_deleted_and_the_contact_is_named(admin_client, instance):
    agent = AgentFactory(instance=instance, username="alex")
    ContactFactory(instance=instance, agent=agent, state=ContactState.CONNECTED, name="Call back Ana")
    status, html = delete(admin_client, "user", agent.pk)
    assert status == 409 and "Open contact “Call back Ana”" in html
    assert User.objects.filter(pk=agent.pk).exists()


def test_an_agent_with_a_contact_waiting_in_their_personal_queue_is_not_deleted(admin_client, instance):
    agent = AgentFactory(instance=instance, username="alex")
    ContactFactory(instance=instance, queue=agent.personal_queue, name="Transferred to Alex")
    status, html = delete(admin_client, "user", agent.pk)
    assert status == 409 and "Open contact “Transferred to Alex”" in html


def test_an_agent_whose_contacts_all_ended_is_deleted(admin_client, instance):
    agent = AgentFactory(instance=instance, username="alex")
    ContactFactory(instance=instance, agent=agent, state=ContactState.ENDED, disconnect_reason="AGENT_DISCONNECT")
    status, _ = delete(admin_client, "user", agent.pk)
    assert status == 302 and not User.objects.filter(pk=agent.pk).exists()


# Routing profiles, hours, default outbound queues


def test_a_routing_profile_users_have_is_not_deleted_and_the_users_are_named(admin_client, instance):
    agent = AgentFactory(instance=instance, username="bea")
    status, html = delete(admin_client, "routing_profile", agent.routing_profile.pk)
    assert status == 409 and f"User “{agent}”" in html
    assert RoutingProfile.objects.filter(pk=agent.routing_profile.pk).exists()


def test_hours_a_queue_keeps_are_not_deleted_and_the_queue_is_named(admin_client, instance):
    queue = QueueFactory(instance=instance, name="Night line")
    status, html = delete(admin_client, "hours", queue.hours.pk)
    assert status == 409 and "Queue “Night line”" in html


def test_the_api_names_a_routing_profile_whose_default_outbound_queue_it_is(instance):
    profile = RoutingProfileFactory(instance=instance, name="Outbound desk")
    with pytest.raises(ResourceInUse) as refusal:
        queue_delete(queue=profile.default_outbound_queue)
    assert "Routing profile “Outbound desk”" in refusal.value.message
