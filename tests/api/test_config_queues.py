"""Queues through boto3: create, describe, every update, quick connects, search and paging, tags; each write is
the console's service (audited with the API key's name), and refused input writes nothing."""

import pytest

from ccp.models import AuditEntry, Queue
from ccp.services.configuration.quotas import QUICK_CONNECTS_PER_QUEUE
from tests.api.wire import expect_error
from tests.factories import HoursOfOperationFactory, QueueFactory, QuickConnectFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def hours(instance):
    return HoursOfOperationFactory(instance=instance, name="Office")


def test_create_queue_then_describe_it(connect, instance, hours, key, task_flow):
    qc = QuickConnectFactory(instance=instance, name="To support", queue=QueueFactory(instance=instance))
    made = connect.create_queue(
        InstanceId=instance.id,
        Name="Billing",
        Description="Invoices",
        HoursOfOperationId=hours.id,
        MaxContacts=20,
        QuickConnectIds=[qc.id],
        OutboundCallerConfig={"OutboundCallerIdName": "Acme", "OutboundFlowId": task_flow.id},
        Tags={"team": "money"},
    )
    assert made["QueueArn"] == f"{instance.arn}/queue/{made['QueueId']}"
    queue = connect.describe_queue(InstanceId=instance.id, QueueId=made["QueueId"])["Queue"]
    assert queue["Name"] == "Billing" and queue["Description"] == "Invoices"
    assert queue["HoursOfOperationId"] == hours.id and queue["MaxContacts"] == 20 and queue["Status"] == "ENABLED"
    assert queue["OutboundCallerConfig"] == {"OutboundCallerIdName": "Acme", "OutboundFlowId": task_flow.id}
    assert queue["Tags"] == {"team": "money"}
    listed = connect.list_queue_quick_connects(InstanceId=instance.id, QueueId=made["QueueId"])
    assert [q["Id"] for q in listed["QuickConnectSummaryList"]] == [qc.id]
    entry = AuditEntry.objects.get(resource_id=made["QueueId"], action="CREATE")
    assert entry.actor_label == f"API key {key[0].access_key_id}" and entry.after["name"] == "Billing"


def test_every_queue_update_is_seen_by_describe_and_audited(connect, instance, queue, hours, task_flow):
    connect.update_queue_name(InstanceId=instance.id, QueueId=queue.id, Name="Help desk", Description="All help")
    connect.update_queue_hours_of_operation(InstanceId=instance.id, QueueId=queue.id, HoursOfOperationId=hours.id)
    connect.update_queue_max_contacts(InstanceId=instance.id, QueueId=queue.id, MaxContacts=3)
    connect.update_queue_status(InstanceId=instance.id, QueueId=queue.id, Status="DISABLED")
    connect.update_queue_outbound_caller_config(
        InstanceId=instance.id, QueueId=queue.id, OutboundCallerConfig={"OutboundCallerIdName": "Help"}
    )
    described = connect.describe_queue(InstanceId=instance.id, QueueId=queue.id)["Queue"]
    assert (described["Name"], described["Description"]) == ("Help desk", "All help")
    assert described["HoursOfOperationId"] == hours.id and described["MaxContacts"] == 3
    assert described["Status"] == "DISABLED"
    assert described["OutboundCallerConfig"] == {"OutboundCallerIdName": "Help"}
    connect.update_queue_max_contacts(InstanceId=instance.id, QueueId=queue.id)
    assert "MaxContacts" not in connect.describe_queue(InstanceId=instance.id, QueueId=queue.id)["Queue"]
    updates = AuditEntry.objects.filter(resource_id=queue.id, action="UPDATE").order_by("at", "id")
    assert [sorted(e.after) for e in updates] == [
        ["description", "name"],
        ["hours"],
        ["max_contacts"],
        ["status"],
        ["outbound_caller_config"],
        ["max_contacts"],
    ]


def test_quick_connects_associate_and_disassociate_with_paging(connect, instance, queue):
    targets = [QuickConnectFactory(instance=instance, name=f"QC {i:02}", queue=queue) for i in range(5)]
    connect.associate_queue_quick_connects(
        InstanceId=instance.id, QueueId=queue.id, QuickConnectIds=[t.id for t in targets]
    )
    connect.associate_queue_quick_connects(InstanceId=instance.id, QueueId=queue.id, QuickConnectIds=[targets[0].id])
    pages = connect.get_paginator("list_queue_quick_connects").paginate(
        InstanceId=instance.id, QueueId=queue.id, PaginationConfig={"PageSize": 2}
    )
    seen = [[q["Name"] for q in p["QuickConnectSummaryList"]] for p in pages]
    assert seen == [["QC 00", "QC 01"], ["QC 02", "QC 03"], ["QC 04"]]
    connect.disassociate_queue_quick_connects(
        InstanceId=instance.id, QueueId=queue.id, QuickConnectIds=[targets[1].id, targets[3].id]
    )
    assert sorted(queue.quick_connects.values_list("name", flat=True)) == ["QC 00", "QC 02", "QC 04"]


def test_a_queue_refuses_more_quick_connects_than_the_quota(
    connect, instance, queue, monkeypatch, nothing_written_after
):
    monkeypatch.setattr("ccp.services.configuration.queues.QUICK_CONNECTS_PER_QUEUE", 2)
    targets = [QuickConnectFactory(instance=instance, name=f"QC {i}", queue=queue) for i in range(3)]
    expect_error(
        lambda: connect.associate_queue_quick_connects(
            InstanceId=instance.id, QueueId=queue.id, QuickConnectIds=[t.id for t in targets]
        ),
        "LimitExceededException",
        429,
    )
    assert queue.quick_connects.count() == 0 and QUICK_CONNECTS_PER_QUEUE == 1_000


def test_queue_errors(connect, raw_connect, instance, queue, hours, outsider):
    QueueFactory(instance=instance, name="Taken")
    expect_error(
        lambda: connect.create_queue(InstanceId=instance.id, Name="Taken", HoursOfOperationId=hours.id),
        "DuplicateResourceException",
        409,
    )
    expect_error(
        lambda: connect.create_queue(InstanceId=instance.id, Name="New", HoursOfOperationId="nope"),
        "ResourceNotFoundException",
        404,
    )
    expect_error(
        lambda: connect.update_queue_name(InstanceId=instance.id, QueueId=queue.id, Name="Taken"),
        "DuplicateResourceException",
        409,
    )
    expect_error(
        lambda: connect.describe_queue(InstanceId=instance.id, QueueId=outsider["queue"].id),
        "ResourceNotFoundException",
        404,
    )
    expect_error(
        lambda: raw_connect.update_queue_max_contacts(InstanceId=instance.id, QueueId=queue.id, MaxContacts=-1),
        "InvalidParameterException",
        400,
    )
    expect_error(
        lambda: connect.update_queue_outbound_caller_config(
            InstanceId=instance.id, QueueId=queue.id, OutboundCallerConfig={"OutboundFlowId": outsider["flow"].id}
        ),
        "InvalidParameterException",
        400,
    )
    agent_queue = Queue.objects.filter(queue_type="AGENT").first()
    if agent_queue is not None:
        expect_error(
            lambda: connect.update_queue_status(InstanceId=instance.id, QueueId=agent_queue.id, Status="DISABLED"),
            "InvalidRequestException",
            400,
        )
    assert connect.describe_queue(InstanceId=instance.id, QueueId=queue.id)["Queue"]["Name"] == "Support"


def test_too_many_queues_is_limit_exceeded(connect, instance, hours, monkeypatch):
    monkeypatch.setattr(
        "ccp.services.configuration.queues.QUEUES_PER_INSTANCE", Queue.objects.filter(instance=instance).count()
    )
    expect_error(
        lambda: connect.create_queue(InstanceId=instance.id, Name="One too many", HoursOfOperationId=hours.id),
        "LimitExceededException",
        429,
    )
    assert not Queue.objects.filter(name="One too many").exists()


def test_search_queues_by_name_type_and_tag_with_paging(connect, instance, hours):
    for name, tags in (("Sales east", {"region": "east"}), ("Sales west", {"region": "west"}), ("Support", {})):
        extra = {"Tags": tags} if tags else {}
        connect.create_queue(InstanceId=instance.id, Name=f"{name} team", HoursOfOperationId=hours.id, **extra)
    found = connect.search_queues(
        InstanceId=instance.id,
        SearchCriteria={"StringCondition": {"FieldName": "name", "Value": "sales", "ComparisonType": "STARTS_WITH"}},
    )
    assert sorted(q["Name"] for q in found["Queues"]) == ["Sales east team", "Sales west team"]
    assert found["ApproximateTotalCount"] == 2
    by_tag = connect.search_queues(
        InstanceId=instance.id, SearchFilter={"TagFilter": {"TagCondition": {"TagKey": "region", "TagValue": "west"}}}
    )
    assert [q["Name"] for q in by_tag["Queues"]] == ["Sales west team"]
    either = connect.search_queues(
        InstanceId=instance.id,
        SearchCriteria={
            "OrConditions": [
                {"StringCondition": {"FieldName": "name", "Value": "Support team", "ComparisonType": "EXACT"}},
                {"StringCondition": {"FieldName": "name", "Value": "east", "ComparisonType": "CONTAINS"}},
            ],
            "QueueTypeCondition": "STANDARD",
        },
    )
    assert sorted(q["Name"] for q in either["Queues"]) == ["Sales east team", "Support team"]
    pages = connect.get_paginator("search_queues").paginate(
        InstanceId=instance.id, SearchCriteria={"QueueTypeCondition": "STANDARD"}, PaginationConfig={"PageSize": 2}
    )
    names = [q["Name"] for page in pages for q in page["Queues"]]
    assert names == sorted(
        Queue.objects.filter(instance=instance, queue_type="STANDARD").values_list("name", flat=True)
    )
    expect_error(
        lambda: connect.search_queues(
            InstanceId=instance.id,
            SearchCriteria={"StringCondition": {"FieldName": "color", "Value": "x", "ComparisonType": "EXACT"}},
        ),
        "InvalidParameterException",
        400,
    )


def test_tags_on_a_queue(connect, instance, queue, outsider):
    arn = f"{instance.arn}/queue/{queue.id}"
    connect.tag_resource(resourceArn=arn, tags={"team": "help", "tier": "1"})
    connect.tag_resource(resourceArn=arn, tags={"tier": "2"})
    assert connect.list_tags_for_resource(resourceArn=arn)["tags"] == {"team": "help", "tier": "2"}
    connect.untag_resource(resourceArn=arn, tagKeys=["team", "absent"])
    assert connect.list_tags_for_resource(resourceArn=arn)["tags"] == {"tier": "2"}
    assert connect.describe_queue(InstanceId=instance.id, QueueId=queue.id)["Queue"]["Tags"] == {"tier": "2"}
    theirs = f"{outsider['instance'].arn}/queue/{outsider['queue'].id}"
    expect_error(lambda: connect.list_tags_for_resource(resourceArn=theirs), "ResourceNotFoundException", 404)
    expect_error(lambda: connect.tag_resource(resourceArn=arn, tags={"aws:x": "1"}), "InvalidParameterException", 400)
    expect_error(lambda: connect.list_tags_for_resource(resourceArn="not-an-arn"), "InvalidParameterException", 400)
    expect_error(
        lambda: connect.tag_resource(resourceArn=arn, tags={f"k{i}": "v" for i in range(50)}),
        "InvalidParameterException",
        400,
    )
    assert connect.list_tags_for_resource(resourceArn=arn)["tags"] == {"tier": "2"}
