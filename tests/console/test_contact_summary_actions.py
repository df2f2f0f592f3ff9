"""The contact summary in full (timestamps, duration, flow id, template, links along the chain and to
transfers and calls) and the supervisor's actions on an open task, each recorded with the supervisor as
actor; agents get 403 and another instance's contacts 404."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from ccp.models import AuditEntry, Contact, ContactEvent
from tests.factories import (
    AgentFactory,
    ContactFactory,
    ContactFlowFactory,
    InstanceFactory,
    QueueFactory,
    TaskTemplateFactory,
)

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)


def detail_url(contact) -> str:
    return reverse("admin_console:contact_detail", args=[contact.pk])


def act(client, contact, action, **data):
    return client.post(reverse("admin_console:contact_action", args=[contact.pk, action]), data)


def last_event(contact) -> ContactEvent:
    return ContactEvent.objects.filter(contact=contact).order_by("at", "id").last()


def test_the_summary_shows_every_timestamp_duration_flow_and_template(supervisor_client, instance):
    flow = ContactFlowFactory(instance=instance, name="Billing flow")
    template = TaskTemplateFactory(instance=instance, name="Refund form")
    contact = ContactFactory(
        instance=instance,
        state="ENDED",
        disconnect_reason="AGENT_DISCONNECT",
        flow=flow,
        task_template=template,
        initiation_timestamp=NOW - dt.timedelta(hours=1),
        connected_to_agent_timestamp=NOW - dt.timedelta(minutes=50),
        disconnect_timestamp=NOW - dt.timedelta(minutes=30),
    )
    html = supervisor_client.get(detail_url(contact)).content.decode()
    assert "Billing flow" in html and flow.pk in html
    assert "Refund form" in html
    assert "30m 00s" in html
    assert "Agent Disconnect" in html
    assert "Supervisor actions" not in html


def test_every_linked_contact_is_a_link_labelled_by_how_it_came_to_be(supervisor_client, instance):
    task = ContactFactory(instance=instance, name="Original task")
    moved = ContactFactory(
        instance=instance, name="Moved on", initiation_method="TRANSFER", initial_contact=task, previous_contact=task
    )
    moved_again = ContactFactory(
        instance=instance,
        name="Moved again",
        initiation_method="QUEUE_TRANSFER",
        initial_contact=task,
        previous_contact=moved,
    )
    follow_up = ContactFactory(instance=instance, name="Follow-up", previous_contact=task)
    # A number-pad call names the task as its related contact and is its own initial contact.
    call = ContactFactory(
        instance=instance, name="Call out", channel="VOICE", initiation_method="OUTBOUND", related_contact=task
    )
    Contact.objects.filter(pk=call.pk).update(initial_contact=call)
    by_rule = ContactFactory(instance=instance, name="Rule task", initiation_method="RULE", related_contact=task)
    html = supervisor_client.get(detail_url(task)).content.decode()
    for label, other in (
        ("Transfer", moved),
        ("Transfer", moved_again),
        ("Next in chain", follow_up),
        ("Outbound call", call),
        ("Task created by a rule", by_rule),
    ):
        assert f'{label}: <a href="{detail_url(other)}">' in html
    assert (
        f'Previous contact: <a href="{detail_url(task)}">' in supervisor_client.get(detail_url(moved)).content.decode()
    )
    on_call = supervisor_client.get(detail_url(call)).content.decode()
    assert f'Related contact: <a href="{detail_url(task)}">' in on_call
    assert f'href="{detail_url(call)}"' not in on_call  # never a link to itself
    on_second = supervisor_client.get(detail_url(moved_again)).content.decode()
    assert f'Initial contact: <a href="{detail_url(task)}">' in on_second
    assert f'Previous contact: <a href="{detail_url(moved)}">' in on_second


def test_the_summary_shows_queue_agent_acw_and_handle_times(supervisor_client, instance):
    contact = ContactFactory(
        instance=instance,
        state="ENDED",
        disconnect_reason="AGENT_DISCONNECT",
        initiation_timestamp=NOW - dt.timedelta(minutes=60),
        enqueue_timestamp=NOW - dt.timedelta(minutes=59),
        connected_to_agent_timestamp=NOW - dt.timedelta(minutes=55),
        after_contact_work_start_timestamp=NOW - dt.timedelta(minutes=40),
        after_contact_work_end_timestamp=NOW - dt.timedelta(minutes=37),
        disconnect_timestamp=NOW - dt.timedelta(minutes=40),
    )
    html = supervisor_client.get(detail_url(contact)).content.decode()
    durations = dict(re.findall(r"<dt>([^<]+)</dt><dd title=\"[^\"]*\">([^<]+)</dd>", html))
    assert durations == {
        "Queue time": "4m 00s",
        "Agent on contact": "15m 00s",
        "After-contact work": "3m 00s",
        "Handle time": "18m 00s",
        "Total": "20m 00s",
    }
    for label in ("Enqueued", "Connected to agent", "After contact work started", "After contact work ended"):
        assert f"<dt>{label}</dt>" in html


def test_a_supervisor_ends_an_active_task_and_the_event_names_them(supervisor_client, supervisor, instance):
    task = ContactFactory(instance=instance, name="Stuck task")
    response = act(supervisor_client, task, "end", confirm="yes")
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.state == "ENDED" and task.disconnect_reason == "OTHER"
    event = last_event(task)
    assert (event.event, event.actor_type, event.actor_id) == ("ENDED", "supervisor", supervisor.pk)
    html = supervisor_client.get(detail_url(task)).content.decode()
    assert "The task was ended." in html
    assert f"supervisor: {supervisor}" in html
    audit = AuditEntry.objects.get(instance=instance, resource_type="contact", resource_id=task.pk)
    assert (audit.action, audit.actor_id, audit.detail.split(":")[0]) == ("CONTACT_ACTION", supervisor.pk, "end")
    assert audit.before["state"] == "QUEUED"


def test_ending_needs_the_confirmation_box(supervisor_client, instance):
    task = ContactFactory(instance=instance)
    act(supervisor_client, task, "end")
    task.refresh_from_db()
    assert task.state == "QUEUED"
    assert "Tick the box to confirm" in supervisor_client.get(detail_url(task)).content.decode()
    assert not AuditEntry.objects.filter(resource_type="contact", resource_id=task.pk).exists()


def test_a_supervisor_transfers_a_task_to_a_queue(supervisor_client, supervisor, instance):
    task = ContactFactory(instance=instance, queue=QueueFactory(instance=instance))
    billing = QueueFactory(instance=instance, name="Billing")
    response = act(supervisor_client, task, "transfer", queue=billing.pk)
    new = Contact.objects.get(previous_contact=task)
    assert response["Location"] == detail_url(new)
    assert new.queue_id == billing.pk and new.initiation_method == "QUEUE_TRANSFER"
    task.refresh_from_db()
    assert task.disconnect_reason == "TRANSFERRED"
    assert (last_event(task).actor_type, last_event(task).actor_id) == ("supervisor", supervisor.pk)


def test_a_supervisor_transfers_a_task_to_an_agent(supervisor_client, instance):
    task = ContactFactory(instance=instance)
    bea = AgentFactory(instance=instance)
    act(supervisor_client, task, "transfer", agent=bea.pk)
    new = Contact.objects.get(previous_contact=task)
    assert new.initiation_method == "TRANSFER"
    assert new.queue.agent_id == bea.pk


def test_a_transfer_needs_one_destination(supervisor_client, instance):
    task = ContactFactory(instance=instance)
    act(supervisor_client, task, "transfer")
    assert not Contact.objects.filter(previous_contact=task).exists()
    assert "Choose a queue or an agent" in supervisor_client.get(detail_url(task)).content.decode()


def test_a_supervisor_changes_routing_priority_and_age(supervisor_client, supervisor, instance):
    task = ContactFactory(instance=instance, routing_order_at=NOW)
    act(supervisor_client, task, "routing", priority="1", age_seconds="600")
    task.refresh_from_db()
    assert task.routing_priority == 1 and task.routing_age_seconds == 600
    assert task.routing_order_at == NOW - dt.timedelta(seconds=600)
    event = last_event(task)
    assert (event.event, event.actor_type, event.actor_id) == ("ROUTING_UPDATED", "supervisor", supervisor.pk)


def test_a_supervisor_reschedules_then_cancels_a_scheduled_task(supervisor_client, supervisor, instance):
    task = ContactFactory(instance=instance, state="SCHEDULED", scheduled_timestamp=NOW + dt.timedelta(hours=2))
    later = timezone.localtime(NOW + dt.timedelta(days=1)).replace(second=0)
    act(supervisor_client, task, "reschedule", scheduled_time=later.strftime("%Y-%m-%dT%H:%M"))
    task.refresh_from_db()
    assert task.scheduled_timestamp == later
    assert (last_event(task).event, last_event(task).actor_id) == ("RESCHEDULED", supervisor.pk)
    act(supervisor_client, task, "cancel")
    task.refresh_from_db()
    assert task.state == "ENDED" and task.disconnect_reason == "CANCELLED"
    assert last_event(task).actor_type == "supervisor"


def test_an_admin_may_act_too(admin_client, admin, instance):
    task = ContactFactory(instance=instance)
    act(admin_client, task, "end", confirm="yes")
    assert last_event(task).actor_id == admin.pk


@pytest.mark.parametrize("action", ["end", "cancel", "transfer", "routing", "reschedule"])
def test_agents_get_403_on_every_action(agent_client, instance, action):
    task = ContactFactory(instance=instance)
    assert act(agent_client, task, action, confirm="yes").status_code == 403
    assert agent_client.get(detail_url(task)).status_code == 403
    task.refresh_from_db()
    assert task.state == "QUEUED"


@pytest.mark.parametrize("action", ["end", "routing"])
def test_another_instances_contact_is_a_404(supervisor_client, action):
    theirs = ContactFactory(instance=InstanceFactory())
    assert act(supervisor_client, theirs, action, confirm="yes", priority="1").status_code == 404
    assert supervisor_client.get(detail_url(theirs)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.state == "QUEUED"
