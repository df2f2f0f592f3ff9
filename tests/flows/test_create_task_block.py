import datetime as dt

import pytest
from django.utils import timezone

from ccp.errors import InvalidFlow
from ccp.models import Contact, ContactState, InitiationMethod, TaskTemplate
from tests.flows.conftest import action, branches

pytestmark = pytest.mark.django_db


@pytest.fixture
def follow_up_flow(publish, queue):
    return publish([action("target", "UpdateContactTargetQueue", {"QueueId": queue.id}, next_action="queue it")],
                   name="Follow-ups")


def creator(publish, params):
    return publish([
        action("create", "CreateTask", params, next_action="remember", errors={"NoMatchingError": "failed"}),
        action("remember", "UpdateContactAttributes", {"Attributes": {"child": "$.Task.ContactId"}},
               next_action="hang up"),
        action("failed", "UpdateContactAttributes", {"Attributes": {"child": "none"}}, next_action="hang up"),
    ])


def test_create_task_starts_a_linked_task_and_gives_its_id(publish, start, follow_up_flow):
    flow = creator(publish, {
        "Name": "Call back", "Description": "$.Description", "ContactFlowId": follow_up_flow.arn,
        "Attributes": {"origin": "$.ContactId"},
        "References": {"Ticket": {"Type": "URL", "Value": "https://crm.example.com/7"}},
    })
    parent = start(flow, description="Customer asked twice")
    child = Contact.objects.get(id=parent.attributes["child"])
    assert child.name == "Call back"
    assert child.description == "Customer asked twice"
    assert child.attributes["origin"] == parent.id
    assert child.references["Ticket"]["Value"] == "https://crm.example.com/7"
    assert child.previous_contact_id == parent.id
    assert child.initiation_method == InitiationMethod.FLOW
    assert child.state == ContactState.QUEUED
    assert ("create", child.id) in branches(parent)


def test_create_task_with_a_delay_schedules_it(publish, start, follow_up_flow):
    flow = creator(publish, {"Name": "Tomorrow", "ContactFlowId": follow_up_flow.id, "DelaySeconds": "86400"})
    child = Contact.objects.get(id=start(flow).attributes["child"])
    assert child.state == ContactState.SCHEDULED
    assert child.scheduled_timestamp - timezone.now() > dt.timedelta(hours=23)


def test_create_task_at_a_scheduled_time(publish, start, follow_up_flow):
    when = (timezone.now() + dt.timedelta(days=2)).replace(microsecond=0)
    flow = creator(publish, {"Name": "Later", "ContactFlowId": follow_up_flow.id, "ScheduledTime": when.isoformat()})
    child = Contact.objects.get(id=start(flow).attributes["child"])
    assert child.scheduled_timestamp == when


def test_create_task_from_a_template_uses_its_defaults_and_flow(publish, start, instance, follow_up_flow):
    template = TaskTemplate.objects.create(
        instance=instance, name="Refund", flow=follow_up_flow,
        fields=[{"Id": {"Name": "Amount"}, "Type": "STRING"}],
        defaults={"DefaultFieldValues": [{"Id": {"Name": "Amount"}, "DefaultValue": "10"}]},
    )
    flow = creator(publish, {"Name": "Refund check", "TaskTemplateId": template.id})
    child = Contact.objects.get(id=start(flow).attributes["child"])
    assert child.task_template == template
    assert child.state == ContactState.QUEUED


def test_create_task_with_a_placeholder_flow_takes_the_error_branch(publish, start):
    flow = creator(publish, {"Name": "x", "ContactFlowId": "CONTACT FLOW ID FOR SBSGUIDES_MODULES_TASK_CREATE"})
    assert start(flow).attributes["child"] == "none"


def test_create_task_scheduled_too_far_ahead_takes_the_error_branch(publish, start, follow_up_flow):
    when = timezone.now() + dt.timedelta(days=30)
    flow = creator(publish, {"Name": "x", "ContactFlowId": follow_up_flow.id, "ScheduledTime": when.isoformat()})
    parent = start(flow)
    assert parent.attributes["child"] == "none"
    assert Contact.objects.count() == 1


def test_create_task_with_an_unknown_template_takes_the_error_branch(publish, start):
    assert start(creator(publish, {"Name": "x", "TaskTemplateId": "nope"})).attributes["child"] == "none"


def test_create_task_with_link_to_contact_off_starts_an_unlinked_task(publish, start, follow_up_flow):
    flow = creator(publish, {"Name": "Separate", "ContactFlowId": follow_up_flow.id, "LinkToContact": "false"})
    parent = start(flow, attributes={"case": "42"})
    child = Contact.objects.get(id=parent.attributes["child"])
    assert child.previous_contact_id is None and child.related_contact_id is None
    assert child.chain_id == "" and "case" not in child.attributes
    parent.refresh_from_db()
    assert parent.chain_id == ""


def test_create_task_with_an_empty_previous_contact_id_is_unlinked(publish, start, follow_up_flow):
    flow = creator(publish, {"Name": "Separate", "ContactFlowId": follow_up_flow.id, "PreviousContactId": ""})
    child = Contact.objects.get(id=start(flow).attributes["child"])
    assert child.previous_contact_id is None and child.chain_id == ""


def test_create_task_linked_by_related_contact_copies_attributes_without_a_chain(publish, start, follow_up_flow):
    flow = creator(publish, {"Name": "Related", "ContactFlowId": follow_up_flow.id, "RelatedContactId": "$.ContactId"})
    parent = start(flow, attributes={"case": "42"})
    child = Contact.objects.get(id=parent.attributes["child"])
    assert child.related_contact_id == parent.id and child.previous_contact_id is None
    assert child.attributes["case"] == "42" and child.chain_id == ""


def test_a_link_setting_that_is_not_true_or_false_is_refused_at_publish(publish, follow_up_flow):
    with pytest.raises(InvalidFlow) as info:
        creator(publish, {"Name": "x", "ContactFlowId": follow_up_flow.id, "LinkToContact": "maybe"})
    assert "LinkToContact" in str(info.value.problems)
