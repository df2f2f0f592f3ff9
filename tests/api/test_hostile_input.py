"""Hostile input is a 400 with a clear message and writes nothing: never a 500."""

import base64
import json

import pytest
from django.apps import apps
from django.db import transaction

from ccp.models import ContactFlow
from tests.api.wire import expect_error

pytestmark = pytest.mark.django_db(transaction=True)


def every_table_count() -> dict[str, int]:
    """Rows in every table of the project's apps (a refused request must change none)."""
    return {
        model._meta.db_table: model.objects.count()
        for app in ("ccp", "admin_console")
        for model in apps.get_app_config(app).get_models()
    }


def nested_arrays(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("status", ["PUBLISHED", "SAVED"])
def test_a_flow_nested_a_hundred_thousand_deep_is_refused_with_a_400(raw_connect, instance, status):
    before = every_table_count()
    message = expect_error(
        lambda: raw_connect.create_contact_flow(
            InstanceId=instance.id, Name="Deep", Type="CONTACT_FLOW", Content=nested_arrays(100_000), Status=status
        ),
        "InvalidParameterException",
        400,
    )
    assert "nested" in message
    assert every_table_count() == before


def test_a_flow_object_nested_too_deep_inside_parameters_is_refused(raw_connect, instance):
    depth = 5000
    content = (
        '{"Version": "2019-10-30", "StartAction": "a", "Actions": [{"Identifier": "a", "Type": "Wait", "Parameters": '
        + '{"x": ' * depth
        + "{}"
        + "}" * depth
        + "}]}"
    )
    message = expect_error(
        lambda: raw_connect.create_contact_flow(
            InstanceId=instance.id, Name="Deep", Type="CONTACT_FLOW", Content=content
        ),
        "InvalidParameterException",
        400,
    )
    assert "at most 64 levels" in message
    assert not ContactFlow.objects.exists()


def test_updating_a_flow_with_deeply_nested_content_is_refused_and_keeps_the_old_content(
    raw_connect, instance, task_flow
):
    before = ContactFlow.objects.get(pk=task_flow.pk).content
    expect_error(
        lambda: raw_connect.update_contact_flow_content(
            InstanceId=instance.id, ContactFlowId=task_flow.id, Content=nested_arrays(100_000)
        ),
        "InvalidParameterException",
        400,
    )
    assert ContactFlow.objects.get(pk=task_flow.pk).content == before


def test_a_flow_nested_as_deep_as_real_flows_go_is_still_accepted(connect, instance, task_flow):
    doc = json.loads(task_flow.content)
    doc["Metadata"] = {"a": {"b": {"c": {"d": {"e": [[[["ok"]]]]}}}}}
    flow_id = connect.create_contact_flow(
        InstanceId=instance.id, Name="Nested metadata", Type="CONTACT_FLOW", Content=json.dumps(doc)
    )["ContactFlowId"]
    assert ContactFlow.objects.get(pk=flow_id).status == "PUBLISHED"


FORGED_TOKENS = [
    base64.urlsafe_b64encode(json.dumps({"offset": 10**30}).encode()).decode(),
    base64.urlsafe_b64encode(f"v1:{10**30}".encode()).decode(),
    base64.urlsafe_b64encode(f"v1:{2**63}".encode()).decode(),
    base64.urlsafe_b64encode(b"v1:-1").decode(),
    "not base64 at all!",
]


@pytest.mark.parametrize("token", FORGED_TOKENS)
def test_a_forged_next_token_is_a_400_on_every_paged_operation(raw_connect, instance, task_flow, token):
    before = every_table_count()
    calls = [
        lambda: raw_connect.list_contact_flows(InstanceId=instance.id, NextToken=token),
        lambda: raw_connect.list_queues(InstanceId=instance.id, NextToken=token),
        lambda: raw_connect.list_users(InstanceId=instance.id, NextToken=token),
        lambda: raw_connect.list_routing_profiles(InstanceId=instance.id, NextToken=token),
        lambda: raw_connect.list_quick_connects(InstanceId=instance.id, NextToken=token),
        lambda: raw_connect.list_task_templates(InstanceId=instance.id, NextToken=token),
        lambda: raw_connect.search_contacts(
            InstanceId=instance.id,
            TimeRange={"Type": "INITIATION_TIMESTAMP", "StartTime": 0, "EndTime": 2_000_000_000},
            NextToken=token,
        ),
    ]
    for call in calls:
        message = expect_error(call, "InvalidParameterException", 400)
        assert "NextToken" in message
    assert every_table_count() == before


def test_a_token_the_server_issued_still_pages(connect, instance):
    from tests.factories import QueueFactory

    for n in range(3):
        QueueFactory(instance=instance, name=f"Queue {n}")
    first = connect.list_queues(InstanceId=instance.id, MaxResults=2)
    second = connect.list_queues(InstanceId=instance.id, MaxResults=2, NextToken=first["NextToken"])
    assert [q["Name"] for q in first["QueueSummaryList"] + second["QueueSummaryList"]] == [
        "Queue 0",
        "Queue 1",
        "Queue 2",
    ]


def refs(count: int, start: int = 0) -> dict:
    return {f"Ref {n}": {"Type": "STRING", "Value": "x" * 4000} for n in range(start, start + count)}


def test_update_contact_refuses_the_twenty_sixth_reference_and_writes_nothing(connect, instance, task):
    from ccp.models import Contact

    contact_id = task()
    connect.update_contact(InstanceId=instance.id, ContactId=contact_id, References=refs(20))
    connect.update_contact(InstanceId=instance.id, ContactId=contact_id, References=refs(5, start=20))
    before = every_table_count()
    stored = Contact.objects.get(pk=contact_id).references
    message = expect_error(
        lambda: connect.update_contact(InstanceId=instance.id, ContactId=contact_id, References=refs(1, start=25)),
        "InvalidParameterException",
        400,
    )
    assert "at most 25 references" in message
    assert Contact.objects.get(pk=contact_id).references == stored and len(stored) == 25
    assert every_table_count() == before
    # Replacing a reference it already has is still fine at the cap.
    connect.update_contact(
        InstanceId=instance.id, ContactId=contact_id, References={"Ref 3": {"Type": "STRING", "Value": "new"}}
    )
    assert Contact.objects.get(pk=contact_id).references["Ref 3"]["Value"] == "new"


def test_a_task_started_with_more_than_twenty_five_references_is_refused(connect, instance, task_flow):
    before = every_table_count()
    message = expect_error(
        lambda: connect.start_task_contact(
            InstanceId=instance.id, ContactFlowId=task_flow.id, Name="Too many", References=refs(26)
        ),
        "InvalidParameterException",
        400,
    )
    assert "at most 25 references" in message
    assert every_table_count() == before


def test_a_contacts_flow_trace_stops_growing_at_its_cap(instance, queue, task_flow):
    from ccp.flows.runner import flow_run
    from ccp.models import Contact
    from ccp.services.tasks import task_start
    from ccp.validation import FLOW_TRACE_MAX

    contact = task_start(instance=instance, name="Traced", contact_flow=task_flow)
    contact.refresh_from_db()
    logged = len(contact.flow_trace)
    assert logged > 0
    Contact.objects.filter(pk=contact.pk).update(flow_trace=[{"action": "earlier"}] * (FLOW_TRACE_MAX - 1))
    contact.refresh_from_db()
    with transaction.atomic():  # a flow run is a step of its service's transaction
        flow_run(contact=contact, flow=task_flow, actor_type="api")
    contact.refresh_from_db()
    assert len(contact.flow_trace) == FLOW_TRACE_MAX
    with transaction.atomic():
        flow_run(contact=contact, flow=task_flow, actor_type="api")
    contact.refresh_from_db()
    assert len(contact.flow_trace) == FLOW_TRACE_MAX
