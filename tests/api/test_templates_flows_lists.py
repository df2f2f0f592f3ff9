"""Task templates, flows as code, and the read-only lists, through boto3."""

import json

import pytest

from ccp.models import ContactFlow, TaskTemplate
from tests.api.conftest import flow_document
from tests.api.wire import expect_error
from tests.factories import AgentFactory, QuickConnectFactory, RoutingProfileFactory

pytestmark = pytest.mark.django_db(transaction=True)

FIELDS = [
    {"Id": {"Name": "Name"}, "Type": "NAME"},
    {"Id": {"Name": "Ticket"}, "Type": "URL"},
    {"Id": {"Name": "Tier"}, "Type": "SINGLE_SELECT", "SingleSelectOptions": ["gold", "silver"]},
]


def test_task_templates_can_be_created_read_listed_updated_and_deleted(connect, instance, task_flow):
    created = connect.create_task_template(
        InstanceId=instance.id,
        Name="Refund",
        Fields=FIELDS,
        ContactFlowId=task_flow.id,
        Constraints={"RequiredFields": [{"Id": {"Name": "Ticket"}}]},
        Defaults={"DefaultFieldValues": [{"Id": {"Name": "Tier"}, "DefaultValue": "gold"}]},
    )
    got = connect.get_task_template(InstanceId=instance.id, TaskTemplateId=created["Id"])
    assert got["Name"] == "Refund" and got["ContactFlowId"] == task_flow.id and got["Fields"] == FIELDS
    assert got["CreatedTime"] and got["Status"] == "ACTIVE"
    listed = connect.list_task_templates(InstanceId=instance.id)["TaskTemplates"]
    assert [t["Id"] for t in listed] == [created["Id"]]
    updated = connect.update_task_template(InstanceId=instance.id, TaskTemplateId=created["Id"], Status="INACTIVE")
    assert updated["Status"] == "INACTIVE"
    connect.delete_task_template(InstanceId=instance.id, TaskTemplateId=created["Id"])
    assert not TaskTemplate.objects.exists()


def test_a_template_constraint_naming_no_field_is_a_property_validation_error(connect, instance):
    def call():
        connect.create_task_template(
            InstanceId=instance.id,
            Name="Broken",
            Fields=FIELDS,
            Constraints={"RequiredFields": [{"Id": {"Name": "Nope"}}]},
        )

    expect_error(call, "PropertyValidationException", 400)
    assert not TaskTemplate.objects.exists()


def test_a_template_default_must_fit_its_field_type(connect, instance):
    def call():
        connect.create_task_template(
            InstanceId=instance.id,
            Name="Broken",
            Fields=FIELDS,
            Defaults={"DefaultFieldValues": [{"Id": {"Name": "Ticket"}, "DefaultValue": "not a url"}]},
        )

    expect_error(call, "PropertyValidationException", 400)


def test_a_template_with_an_unknown_flow_is_not_found(connect, instance):
    call = lambda: connect.create_task_template(  # noqa: E731
        InstanceId=instance.id, Name="T", Fields=FIELDS, ContactFlowId="nope"
    )
    expect_error(call, "ResourceNotFoundException", 404)


def test_an_unknown_template_is_not_found(connect, instance):
    expect_error(
        lambda: connect.get_task_template(InstanceId=instance.id, TaskTemplateId="nope"),
        "ResourceNotFoundException",
        404,
    )


def test_flows_are_created_described_updated_and_listed_as_code(connect, instance, queue):
    content = flow_document(queue.id)
    created = connect.create_contact_flow(InstanceId=instance.id, Name="Intake", Type="CONTACT_FLOW", Content=content)
    flow = connect.describe_contact_flow(InstanceId=instance.id, ContactFlowId=created["ContactFlowId"])["ContactFlow"]
    assert flow["Content"] == content and flow["Status"] == "PUBLISHED" and flow["Type"] == "CONTACT_FLOW"
    changed = json.dumps({**json.loads(content), "Metadata": {"note": "v2"}})
    connect.update_contact_flow_content(InstanceId=instance.id, ContactFlowId=created["ContactFlowId"], Content=changed)
    assert ContactFlow.objects.get(pk=created["ContactFlowId"]).published_content == changed
    summaries = connect.list_contact_flows(InstanceId=instance.id, ContactFlowTypes=["CONTACT_FLOW"])
    assert [s["Name"] for s in summaries["ContactFlowSummaryList"]] == ["Intake"]


def test_a_saved_flow_is_not_published(connect, instance):
    created = connect.create_contact_flow(
        InstanceId=instance.id, Name="Draft", Type="CONTACT_FLOW", Content="{}", Status="SAVED"
    )
    assert ContactFlow.objects.get(pk=created["ContactFlowId"]).status == "SAVED"


def test_publishing_an_invalid_flow_lists_its_problems_and_saves_nothing(connect, instance):
    bad = json.dumps({"Version": "2019-10-30", "StartAction": "missing", "Actions": []})
    try:
        connect.create_contact_flow(InstanceId=instance.id, Name="Bad", Type="CONTACT_FLOW", Content=bad)
    except connect.exceptions.InvalidContactFlowException as exc:
        assert exc.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        assert exc.response["problems"] and exc.response["problems"][0]["message"]
    else:
        pytest.fail("an invalid flow was published")
    assert not ContactFlow.objects.filter(name="Bad").exists()


def test_updating_a_published_flow_with_bad_content_keeps_the_old_one(connect, instance, task_flow):
    expect_error(
        lambda: connect.update_contact_flow_content(InstanceId=instance.id, ContactFlowId=task_flow.id, Content="nope"),
        "InvalidContactFlowException",
        400,
    )
    assert ContactFlow.objects.get(pk=task_flow.pk).published_content == task_flow.published_content


def test_the_lists_show_this_instances_rows_with_paging(connect, instance, queue, outsider):
    QuickConnectFactory(instance=instance, queue=queue, name="To support")
    RoutingProfileFactory(instance=instance, name="Basic")
    AgentFactory(instance=instance, username="ada")
    queues = connect.list_queues(InstanceId=instance.id, QueueTypes=["STANDARD"])["QueueSummaryList"]
    assert "Support" in [q["Name"] for q in queues] and "Elsewhere" not in [q["Name"] for q in queues]
    assert [q["Name"] for q in connect.list_quick_connects(InstanceId=instance.id)["QuickConnectSummaryList"]] == [
        "To support"
    ]
    profiles = connect.list_routing_profiles(InstanceId=instance.id)["RoutingProfileSummaryList"]
    assert "Basic" in [p["Name"] for p in profiles]
    assert "ada" in [u["Username"] for u in connect.list_users(InstanceId=instance.id)["UserSummaryList"]]
    first = connect.list_queues(InstanceId=instance.id, MaxResults=1)
    assert len(first["QueueSummaryList"]) == 1 and first["NextToken"]
    rest = connect.list_queues(InstanceId=instance.id, MaxResults=100, NextToken=first["NextToken"])
    assert first["QueueSummaryList"][0]["Id"] not in [q["Id"] for q in rest["QueueSummaryList"]]
