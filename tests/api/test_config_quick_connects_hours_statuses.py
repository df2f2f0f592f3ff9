"""Quick connects, hours of operation and agent statuses through boto3: every operation, paging, errors, tags."""

import pytest

from ccp.models import AgentStatus, AuditEntry, HoursOfOperation, QuickConnect
from tests.api.wire import expect_error
from tests.factories import AgentFactory, HoursOfOperationFactory, QueueFactory

pytestmark = pytest.mark.django_db(transaction=True)

WEEKDAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY")


def _nine_to_five(days=WEEKDAYS):
    return [{"Day": d, "StartTime": {"Hours": 9, "Minutes": 0}, "EndTime": {"Hours": 17, "Minutes": 30}} for d in days]


def test_quick_connects_round_trip(connect, instance, queue, task_flow, key):
    agent = AgentFactory(instance=instance)
    made = connect.create_quick_connect(
        InstanceId=instance.id,
        Name="Ana",
        Description="Billing lead",
        QuickConnectConfig={
            "QuickConnectType": "USER",
            "UserConfig": {"UserId": agent.id, "ContactFlowId": task_flow.id},
        },
        Tags={"team": "billing"},
    )
    qc_id = made["QuickConnectId"]
    assert made["QuickConnectARN"] == f"{instance.arn}/transfer-destination/{qc_id}"
    described = connect.describe_quick_connect(InstanceId=instance.id, QuickConnectId=qc_id)["QuickConnect"]
    assert described["QuickConnectConfig"] == {
        "QuickConnectType": "USER",
        "UserConfig": {"UserId": agent.id, "ContactFlowId": task_flow.id},
    }
    assert described["Tags"] == {"team": "billing"} and described["Description"] == "Billing lead"
    connect.update_quick_connect_name(InstanceId=instance.id, QuickConnectId=qc_id, Name="Support line")
    connect.update_quick_connect_config(
        InstanceId=instance.id,
        QuickConnectId=qc_id,
        QuickConnectConfig={"QuickConnectType": "PHONE_NUMBER", "PhoneConfig": {"PhoneNumber": "+33123456789"}},
    )
    row = QuickConnect.objects.get(pk=qc_id)
    assert (row.name, row.type, row.phone_number, row.user_id, row.flow_id) == (
        "Support line",
        "PHONE_NUMBER",
        "+33123456789",
        None,
        None,
    )
    connect.update_quick_connect_config(
        InstanceId=instance.id,
        QuickConnectId=qc_id,
        QuickConnectConfig={
            "QuickConnectType": "QUEUE",
            "QueueConfig": {"QueueId": queue.id, "ContactFlowId": task_flow.id},
        },
    )
    config = connect.describe_quick_connect(InstanceId=instance.id, QuickConnectId=qc_id)["QuickConnect"][
        "QuickConnectConfig"
    ]
    assert config["QueueConfig"] == {"QueueId": queue.id, "ContactFlowId": task_flow.id}
    assert [e.action for e in AuditEntry.objects.filter(resource_id=qc_id).order_by("at", "id")] == [
        "CREATE",
        "UPDATE",
        "UPDATE",
        "UPDATE",
    ]
    assert AuditEntry.objects.filter(resource_id=qc_id, actor_label=f"API key {key[0].access_key_id}").count() == 4
    connect.delete_quick_connect(InstanceId=instance.id, QuickConnectId=qc_id)
    expect_error(
        lambda: connect.describe_quick_connect(InstanceId=instance.id, QuickConnectId=qc_id),
        "ResourceNotFoundException",
        404,
    )


def test_quick_connect_errors(connect, raw_connect, instance, queue, task_flow, outsider):
    expect_error(
        lambda: connect.create_quick_connect(
            InstanceId=instance.id,
            Name="Theirs",
            QuickConnectConfig={
                "QuickConnectType": "QUEUE",
                "QueueConfig": {"QueueId": outsider["queue"].id, "ContactFlowId": task_flow.id},
            },
        ),
        "ResourceNotFoundException",
        404,
    )
    expect_error(
        lambda: raw_connect.create_quick_connect(
            InstanceId=instance.id, Name="Half", QuickConnectConfig={"QuickConnectType": "QUEUE"}
        ),
        "InvalidParameterException",
        400,
    )
    connect.create_quick_connect(
        InstanceId=instance.id,
        Name="Once",
        QuickConnectConfig={"QuickConnectType": "PHONE_NUMBER", "PhoneConfig": {"PhoneNumber": "+1555"}},
    )
    expect_error(
        lambda: connect.create_quick_connect(
            InstanceId=instance.id,
            Name="Once",
            QuickConnectConfig={"QuickConnectType": "PHONE_NUMBER", "PhoneConfig": {"PhoneNumber": "+1555"}},
        ),
        "DuplicateResourceException",
        409,
    )
    assert QuickConnect.objects.filter(instance=instance).count() == 1


def test_search_quick_connects_pages(connect, instance):
    for i in range(5):
        connect.create_quick_connect(
            InstanceId=instance.id,
            Name=f"Line {i}",
            QuickConnectConfig={"QuickConnectType": "PHONE_NUMBER", "PhoneConfig": {"PhoneNumber": f"+1555{i}"}},
        )
    pages = connect.get_paginator("search_quick_connects").paginate(
        InstanceId=instance.id,
        SearchCriteria={"StringCondition": {"FieldName": "name", "Value": "line", "ComparisonType": "STARTS_WITH"}},
        PaginationConfig={"PageSize": 2},
    )
    assert [q["Name"] for page in pages for q in page["QuickConnects"]] == [f"Line {i}" for i in range(5)]


def test_hours_of_operation_round_trip(connect, instance, key):
    made = connect.create_hours_of_operation(
        InstanceId=instance.id, Name="Office", TimeZone="Europe/Paris", Config=_nine_to_five(), Tags={"site": "paris"}
    )
    hours_id = made["HoursOfOperationId"]
    assert made["HoursOfOperationArn"] == f"{instance.arn}/operating-hours/{hours_id}"
    described = connect.describe_hours_of_operation(InstanceId=instance.id, HoursOfOperationId=hours_id)[
        "HoursOfOperation"
    ]
    assert described["TimeZone"] == "Europe/Paris" and described["Config"] == _nine_to_five()
    connect.update_hours_of_operation(
        InstanceId=instance.id, HoursOfOperationId=hours_id, Name="Office hours", Config=_nine_to_five(["SATURDAY"])
    )
    described = connect.describe_hours_of_operation(InstanceId=instance.id, HoursOfOperationId=hours_id)[
        "HoursOfOperation"
    ]
    assert described["Name"] == "Office hours" and [c["Day"] for c in described["Config"]] == ["SATURDAY"]
    assert described["TimeZone"] == "Europe/Paris" and described["Tags"] == {"site": "paris"}
    for i in range(3):
        HoursOfOperationFactory(instance=instance, name=f"Z hours {i}")
    pages = connect.get_paginator("list_hours_of_operations").paginate(
        InstanceId=instance.id, PaginationConfig={"PageSize": 2}
    )
    names = [h["Name"] for page in pages for h in page["HoursOfOperationSummaryList"]]
    assert names == sorted(HoursOfOperation.objects.filter(instance=instance).values_list("name", flat=True))
    assert (
        AuditEntry.objects.get(resource_id=hours_id, action="UPDATE").actor_label == f"API key {key[0].access_key_id}"
    )


def test_hours_in_use_are_not_deleted_and_name_the_queue(connect, instance):
    hours = HoursOfOperationFactory(instance=instance, name="Busy hours")
    QueueFactory(instance=instance, name="Night queue", hours=hours)
    message = expect_error(
        lambda: connect.delete_hours_of_operation(InstanceId=instance.id, HoursOfOperationId=hours.id),
        "ResourceInUseException",
        409,
    )
    assert "Night queue" in message
    spare = HoursOfOperationFactory(instance=instance, name="Spare hours")
    connect.delete_hours_of_operation(InstanceId=instance.id, HoursOfOperationId=spare.id)
    assert list(
        HoursOfOperation.objects.filter(instance=instance, name__endswith="hours").values_list("name", flat=True)
    ) == ["Busy hours"]


def test_hours_errors(connect, instance, monkeypatch):
    bad = [{"Day": "MONDAY", "StartTime": {"Hours": 18, "Minutes": 0}, "EndTime": {"Hours": 9, "Minutes": 0}}]
    expect_error(
        lambda: connect.create_hours_of_operation(InstanceId=instance.id, Name="Backwards", TimeZone="UTC", Config=bad),
        "InvalidParameterException",
        400,
    )
    expect_error(
        lambda: connect.create_hours_of_operation(
            InstanceId=instance.id, Name="Nowhere", TimeZone="Mars/Olympus", Config=_nine_to_five()
        ),
        "InvalidParameterException",
        400,
    )
    HoursOfOperationFactory(instance=instance, name="Taken")
    expect_error(
        lambda: connect.create_hours_of_operation(InstanceId=instance.id, Name="Taken", TimeZone="UTC", Config=[]),
        "DuplicateResourceException",
        409,
    )
    monkeypatch.setattr("ccp.services.configuration.hours.HOURS_OF_OPERATION_PER_INSTANCE", 1)
    expect_error(
        lambda: connect.create_hours_of_operation(InstanceId=instance.id, Name="Second", TimeZone="UTC", Config=[]),
        "LimitExceededException",
        429,
    )
    assert list(HoursOfOperation.objects.filter(instance=instance).values_list("name", flat=True)) == ["Taken"]


def test_agent_statuses_round_trip(connect, instance, statuses, key):
    made = connect.create_agent_status(
        InstanceId=instance.id,
        Name="Training",
        Description="Learning",
        State="ENABLED",
        DisplayOrder=3,
        Tags={"a": "b"},
    )
    status_id = made["AgentStatusId"]
    assert made["AgentStatusARN"] == f"{instance.arn}/agent-state/{status_id}"
    described = connect.describe_agent_status(InstanceId=instance.id, AgentStatusId=status_id)["AgentStatus"]
    assert (described["Name"], described["Type"], described["State"], described["DisplayOrder"]) == (
        "Training",
        "CUSTOM",
        "ENABLED",
        3,
    )
    connect.update_agent_status(InstanceId=instance.id, AgentStatusId=status_id, State="DISABLED", Name="Course")
    connect.update_agent_status(InstanceId=instance.id, AgentStatusId=status_id, ResetOrderNumber=True)
    described = connect.describe_agent_status(InstanceId=instance.id, AgentStatusId=status_id)["AgentStatus"]
    assert (described["Name"], described["State"], described.get("DisplayOrder")) == ("Course", "DISABLED", None)
    assert described["Description"] == "Learning"
    custom = connect.list_agent_statuses(InstanceId=instance.id, AgentStatusTypes=["CUSTOM"])["AgentStatusSummaryList"]
    assert [s["Name"] for s in custom] == ["Course"]
    pages = connect.get_paginator("list_agent_statuses").paginate(
        InstanceId=instance.id, PaginationConfig={"PageSize": 1}
    )
    assert (
        len([s for page in pages for s in page["AgentStatusSummaryList"]])
        == AgentStatus.objects.filter(instance=instance).count()
    )
    assert AuditEntry.objects.filter(resource_id=status_id, actor_label=f"API key {key[0].access_key_id}").count() == 3


def test_agent_status_errors(connect, instance, statuses, monkeypatch):
    available = statuses[AgentStatus.Type.ROUTABLE]
    expect_error(
        lambda: connect.update_agent_status(InstanceId=instance.id, AgentStatusId=available.id, State="DISABLED"),
        "InvalidParameterException",
        400,
    )
    expect_error(
        lambda: connect.create_agent_status(InstanceId=instance.id, Name=available.name, State="ENABLED"),
        "DuplicateResourceException",
        409,
    )
    expect_error(
        lambda: connect.describe_agent_status(InstanceId=instance.id, AgentStatusId="nope"),
        "ResourceNotFoundException",
        404,
    )
    monkeypatch.setattr(
        "ccp.services.configuration.agent_statuses.AGENT_STATUSES_PER_INSTANCE",
        AgentStatus.objects.filter(instance=instance).count(),
    )
    expect_error(
        lambda: connect.create_agent_status(InstanceId=instance.id, Name="One more", State="ENABLED"),
        "LimitExceededException",
        429,
    )
    available.refresh_from_db()
    assert available.state == "ENABLED" and not AgentStatus.objects.filter(name="One more").exists()


def test_tags_on_every_configuration_kind(connect, instance, queue, statuses):
    hours = HoursOfOperationFactory(instance=instance)
    qc = QuickConnect.objects.create(instance=instance, name="Q", type="QUEUE", queue=queue)
    status = statuses[AgentStatus.Type.OFFLINE]
    for arn in (
        f"{instance.arn}/operating-hours/{hours.id}",
        f"{instance.arn}/transfer-destination/{qc.id}",
        f"{instance.arn}/agent-state/{status.id}",
    ):
        connect.tag_resource(resourceArn=arn, tags={"env": "prod"})
        assert connect.list_tags_for_resource(resourceArn=arn)["tags"] == {"env": "prod"}
        connect.untag_resource(resourceArn=arn, tagKeys=["env"])
        assert connect.list_tags_for_resource(resourceArn=arn)["tags"] == {}
    expect_error(
        lambda: connect.list_tags_for_resource(resourceArn=f"{instance.arn}/queue/missing"),
        "ResourceNotFoundException",
        404,
    )
