"""Every id an API request names is looked up in the caller's instance only.

For every operation that takes an id, the REAL id of another instance's queue, user, flow, quick
connect, template or contact is refused as not found, and no row of either instance changes."""

import datetime as dt

import pytest

from ccp.models import Contact, FlowType, RoutingProfile
from ccp.services.configuration.flows import flow_create
from tests.api.conftest import flow_document
from tests.api.wire import expect_error
from tests.factories import (
    AgentFactory,
    HoursOfOperationFactory,
    QuickConnectFactory,
    RoutingProfileFactory,
    TaskTemplateFactory,
)
from tests.tenancy import other_instance_build, rows_snapshot

pytestmark = pytest.mark.django_db(transaction=True)

IN_A_DAY = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=1)


@pytest.fixture
def ours(instance, queue, task_flow, task):
    return {
        "flow": task_flow,
        "queue": queue,
        "contact": task(),
        "user": AgentFactory(instance=instance),
        "template": TaskTemplateFactory(instance=instance, flow=task_flow),
        "quick connect": QuickConnectFactory(instance=instance, queue=queue),
        "routing profile": RoutingProfileFactory(instance=instance, default_outbound_queue=queue),
        "hours": queue.hours,
    }


@pytest.fixture
def theirs(transactional_db):
    built = other_instance_build()
    built["routing profile"] = RoutingProfile.objects.get(instance=built["instance"])
    built["hours"] = HoursOfOperationFactory(instance=built["instance"], name="Their hours")
    return built


# (operation, its parameters): a value ("theirs", kind) is the other instance's row of that kind,
# ("ours", kind) our own; everything else in the request is valid for our instance.
CASES = [
    ("StartTaskContact", {"Name": "x", "ContactFlowId": ("theirs", "flow")}),
    ("StartTaskContact", {"Name": "x", "QuickConnectId": ("theirs", "quick connect")}),
    ("StartTaskContact", {"Name": "x", "TaskTemplateId": ("theirs", "template")}),
    ("StartTaskContact", {"Name": "x", "ContactFlowId": ("ours", "flow"), "PreviousContactId": ("theirs", "contact")}),
    ("StartTaskContact", {"Name": "x", "ContactFlowId": ("ours", "flow"), "RelatedContactId": ("theirs", "contact")}),
    ("StopContact", {"ContactId": ("theirs", "contact")}),
    ("DescribeContact", {"ContactId": ("theirs", "contact")}),
    ("UpdateContact", {"ContactId": ("theirs", "contact"), "Name": "Renamed"}),
    ("UpdateContactAttributes", {"InitialContactId": ("theirs", "contact"), "Attributes": {"k": "v"}}),
    ("GetContactAttributes", {"InitialContactId": ("theirs", "contact")}),
    ("ListContactReferences", {"ContactId": ("theirs", "contact"), "ReferenceTypes": ["URL"]}),
    ("UpdateContactSchedule", {"ContactId": ("theirs", "scheduled"), "ScheduledTime": IN_A_DAY}),
    ("UpdateContactRoutingData", {"ContactId": ("theirs", "contact"), "QueuePriority": 1}),
    (
        "TransferContact",
        {"ContactId": ("theirs", "contact"), "QueueId": ("ours", "queue"), "ContactFlowId": ("ours", "flow")},
    ),
    (
        "TransferContact",
        {"ContactId": ("ours", "contact"), "QueueId": ("theirs", "queue"), "ContactFlowId": ("ours", "flow")},
    ),
    (
        "TransferContact",
        {"ContactId": ("ours", "contact"), "UserId": ("theirs", "user"), "ContactFlowId": ("ours", "flow")},
    ),
    (
        "TransferContact",
        {"ContactId": ("ours", "contact"), "QueueId": ("ours", "queue"), "ContactFlowId": ("theirs", "flow")},
    ),
    ("GetTaskTemplate", {"TaskTemplateId": ("theirs", "template")}),
    ("UpdateTaskTemplate", {"TaskTemplateId": ("theirs", "template"), "Name": "Renamed"}),
    ("UpdateTaskTemplate", {"TaskTemplateId": ("ours", "template"), "ContactFlowId": ("theirs", "flow")}),
    ("DeleteTaskTemplate", {"TaskTemplateId": ("theirs", "template")}),
    ("CreateTaskTemplate", {"Name": "New", "Fields": [], "ContactFlowId": ("theirs", "flow")}),
    ("DescribeContactFlow", {"ContactFlowId": ("theirs", "flow")}),
    ("UpdateContactFlowContent", {"ContactFlowId": ("theirs", "flow"), "Content": ("content", "ours")}),
    ("DeleteContactFlow", {"ContactFlowId": ("theirs", "flow")}),
    ("DeleteQueue", {"QueueId": ("theirs", "queue")}),
    ("DeleteUser", {"UserId": ("theirs", "user")}),
    # Configuration
    ("CreateQueue", {"Name": "New", "HoursOfOperationId": ("theirs", "hours")}),
    ("DescribeQueue", {"QueueId": ("theirs", "queue")}),
    ("UpdateQueueName", {"QueueId": ("theirs", "queue"), "Name": "Renamed"}),
    ("UpdateQueueHoursOfOperation", {"QueueId": ("ours", "queue"), "HoursOfOperationId": ("theirs", "hours")}),
    ("UpdateQueueMaxContacts", {"QueueId": ("theirs", "queue"), "MaxContacts": 1}),
    ("UpdateQueueStatus", {"QueueId": ("theirs", "queue"), "Status": "DISABLED"}),
    (
        "UpdateQueueOutboundCallerConfig",
        {"QueueId": ("theirs", "queue"), "OutboundCallerConfig": {"OutboundCallerIdName": "x"}},
    ),
    ("AssociateQueueQuickConnects", {"QueueId": ("ours", "queue"), "QuickConnectIds": [("theirs", "quick connect")]}),
    (
        "DisassociateQueueQuickConnects",
        {"QueueId": ("theirs", "queue"), "QuickConnectIds": [("ours", "quick connect")]},
    ),
    ("ListQueueQuickConnects", {"QueueId": ("theirs", "queue")}),
    (
        "CreateRoutingProfile",
        {
            "Name": "New",
            "Description": "New",
            "DefaultOutboundQueueId": ("theirs", "queue"),
            "MediaConcurrencies": [{"Channel": "TASK", "Concurrency": 1}],
        },
    ),
    ("DescribeRoutingProfile", {"RoutingProfileId": ("theirs", "routing profile")}),
    ("UpdateRoutingProfileName", {"RoutingProfileId": ("theirs", "routing profile"), "Name": "Renamed"}),
    (
        "UpdateRoutingProfileConcurrency",
        {
            "RoutingProfileId": ("theirs", "routing profile"),
            "MediaConcurrencies": [{"Channel": "TASK", "Concurrency": 2}],
        },
    ),
    (
        "UpdateRoutingProfileDefaultOutboundQueue",
        {"RoutingProfileId": ("ours", "routing profile"), "DefaultOutboundQueueId": ("theirs", "queue")},
    ),
    (
        "AssociateRoutingProfileQueues",
        {
            "RoutingProfileId": ("ours", "routing profile"),
            "QueueConfigs": [
                {"QueueReference": {"QueueId": ("theirs", "queue"), "Channel": "TASK"}, "Priority": 1, "Delay": 0}
            ],
        },
    ),
    (
        "DisassociateRoutingProfileQueues",
        {
            "RoutingProfileId": ("theirs", "routing profile"),
            "QueueReferences": [{"QueueId": ("ours", "queue"), "Channel": "TASK"}],
        },
    ),
    (
        "UpdateRoutingProfileQueues",
        {
            "RoutingProfileId": ("ours", "routing profile"),
            "QueueConfigs": [
                {"QueueReference": {"QueueId": ("theirs", "queue"), "Channel": "TASK"}, "Priority": 2, "Delay": 0}
            ],
        },
    ),
    ("ListRoutingProfileQueues", {"RoutingProfileId": ("theirs", "routing profile")}),
    ("DeleteRoutingProfile", {"RoutingProfileId": ("theirs", "routing profile")}),
    (
        "CreateQuickConnect",
        {
            "Name": "New",
            "QuickConnectConfig": {
                "QuickConnectType": "QUEUE",
                "QueueConfig": {"QueueId": ("theirs", "queue"), "ContactFlowId": ("ours", "flow")},
            },
        },
    ),
    ("DescribeQuickConnect", {"QuickConnectId": ("theirs", "quick connect")}),
    ("UpdateQuickConnectName", {"QuickConnectId": ("theirs", "quick connect"), "Name": "Renamed"}),
    (
        "UpdateQuickConnectConfig",
        {
            "QuickConnectId": ("ours", "quick connect"),
            "QuickConnectConfig": {
                "QuickConnectType": "USER",
                "UserConfig": {"UserId": ("theirs", "user"), "ContactFlowId": ("ours", "flow")},
            },
        },
    ),
    ("DeleteQuickConnect", {"QuickConnectId": ("theirs", "quick connect")}),
    ("DescribeHoursOfOperation", {"HoursOfOperationId": ("theirs", "hours")}),
    ("UpdateHoursOfOperation", {"HoursOfOperationId": ("theirs", "hours"), "Name": "Renamed"}),
    ("DeleteHoursOfOperation", {"HoursOfOperationId": ("theirs", "hours")}),
    ("DescribeAgentStatus", {"AgentStatusId": ("theirs", "status")}),
    ("UpdateAgentStatus", {"AgentStatusId": ("theirs", "status"), "Name": "Renamed"}),
    ("StartChatContact", {"ContactFlowId": ("theirs", "flow"), "ParticipantDetails": {"DisplayName": "Ana"}}),
    (
        "StartChatContact",
        {
            "ContactFlowId": ("ours", "flow"),
            "ParticipantDetails": {"DisplayName": "Ana"},
            "RelatedContactId": ("theirs", "contact"),
        },
    ),
    ("StartOutboundVoiceContact", {"ContactFlowId": ("theirs", "flow"), "DestinationPhoneNumber": "+12065550100"}),
    (
        "StartOutboundVoiceContact",
        {"ContactFlowId": ("ours", "flow"), "DestinationPhoneNumber": "+12065550100", "QueueId": ("theirs", "queue")},
    ),
    (
        "StartOutboundVoiceContact",
        {
            "ContactFlowId": ("ours", "flow"),
            "DestinationPhoneNumber": "+12065550100",
            "RelatedContactId": ("theirs", "contact"),
        },
    ),
    ("DescribeUser", {"UserId": ("theirs", "user")}),
    ("UpdateUserIdentityInfo", {"UserId": ("theirs", "user"), "IdentityInfo": {"FirstName": "x"}}),
    ("UpdateUserRoutingProfile", {"UserId": ("theirs", "user"), "RoutingProfileId": ("ours", "user")}),
    ("UpdateUserSecurityProfiles", {"UserId": ("theirs", "user"), "SecurityProfileIds": ["x"]}),
    ("UpdateUserPhoneConfig", {"UserId": ("theirs", "user"), "PhoneConfig": {"PhoneType": "SOFT_PHONE"}}),
    ("PutUserStatus", {"UserId": ("theirs", "user"), "AgentStatusId": "x"}),
    (
        "CreateUser",
        {
            "Username": "x",
            "Password": "Passw0rd-long",
            "SecurityProfileIds": ["x"],
            "RoutingProfileId": ("theirs", "user"),
        },
    ),
    # Security profiles of another instance: tests/api/test_security_profiles_api.py; here another row's id.
    ("DescribeSecurityProfile", {"SecurityProfileId": ("theirs", "user")}),
    ("UpdateSecurityProfile", {"SecurityProfileId": ("theirs", "user")}),
    ("DeleteSecurityProfile", {"SecurityProfileId": ("theirs", "user")}),
    ("ListSecurityProfilePermissions", {"SecurityProfileId": ("theirs", "user")}),
]


def _snake(operation: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in operation).lstrip("_")


def _case_id(case) -> str:
    operation, params = case
    named = [key for key, value in params.items() if "'theirs'" in repr(value)]
    return f"{operation}-{'-'.join(named)}"


def _resolve(value, ours, theirs):
    if isinstance(value, list):
        return [_resolve(item, ours, theirs) for item in value]
    if isinstance(value, dict):
        return {key: _resolve(item, ours, theirs) for key, item in value.items()}
    if not isinstance(value, tuple):
        return value
    side, kind = value
    if side == "content":
        return flow_document(ours["queue"].id)
    row = (ours if side == "ours" else theirs)[kind]
    return row if isinstance(row, str) else row.id


@pytest.mark.parametrize("case", CASES, ids=[_case_id(case) for case in CASES])
def test_another_instances_real_id_is_not_found_and_nothing_changes(connect, instance, ours, theirs, case):
    operation, params = case
    request = {"InstanceId": instance.id, **{k: _resolve(v, ours, theirs) for k, v in params.items()}}
    before = rows_snapshot()
    call = getattr(connect, _snake(operation))
    expect_error(lambda: call(**request), "ResourceNotFoundException", 404)
    assert rows_snapshot() == before


def test_a_flow_naming_another_instances_queue_never_puts_a_task_in_it(connect, instance, theirs):
    # A flow's QueueId may be a `$.` path, so it is resolved when the block runs, in the contact's instance.
    flow = flow_create(
        instance=instance, name="Wrong queue", type=FlowType.CONTACT_FLOW, content=flow_document(theirs["queue"].id)
    )
    contact_id = connect.start_task_contact(InstanceId=instance.id, ContactFlowId=flow.id, Name="x")["ContactId"]
    contact = Contact.objects.get(pk=contact_id)
    assert contact.queue_id != theirs["queue"].id
    assert contact.state == "ENDED"
    assert list(Contact.objects.filter(queue=theirs["queue"]).values_list("id", flat=True)) == [theirs["contact"].id]


@pytest.mark.parametrize("criterion", ["QueueIds", "AgentIds"])
def test_searching_by_another_instances_ids_finds_nothing_of_theirs(connect, instance, ours, theirs, criterion):
    Contact.objects.filter(pk=theirs["contact"].pk).update(agent=theirs["user"])
    ids = [theirs["queue"].id] if criterion == "QueueIds" else [theirs["user"].id]
    found = connect.search_contacts(
        InstanceId=instance.id,
        TimeRange={
            "Type": "INITIATION_TIMESTAMP",
            "StartTime": dt.datetime.now(dt.UTC) - dt.timedelta(days=1),
            "EndTime": dt.datetime.now(dt.UTC) + dt.timedelta(days=1),
        },
        SearchCriteria={criterion: ids},
    )
    assert found["Contacts"] == [] and found["TotalCount"] == 0


def test_every_operation_that_takes_an_id_is_tried():
    from ccp.api.operations import HANDLERS
    from ccp.api.shapes import service_model

    model = service_model()
    taking_ids = {
        name
        for name in HANDLERS
        if any(
            member.endswith("Id") and member != "InstanceId"
            for member in model.operation_model(name).input_shape.members
        )
    }
    # The rule operations are tried against another instance's rule in tests/api/test_rules_api.py
    # (test_another_instances_rule_is_not_found).
    # CreateSecurityProfile's only id (AllowedAccessControlHierarchyGroupId) names no row stored here.
    elsewhere = {"DescribeRule", "UpdateRule", "DeleteRule", "CreateSecurityProfile"}
    assert taking_ids - {"CreateContactFlow"} - elsewhere <= {operation for operation, _ in CASES}
