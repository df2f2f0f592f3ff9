"""Routing profiles through boto3: every operation, paging, errors; a change reaches the profile's agents at
once (their next routing decision and a refresh of their panels), exactly as the console's change does."""

import pytest

from ccp.models import AuditEntry, ContactState, RoutingProfile
from tests.api.wire import expect_error
from tests.cast import flow_content, flow_publish
from tests.factories import QueueFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _config(queue_id, priority=1, delay=0, channel="TASK"):
    return {"QueueReference": {"QueueId": queue_id, "Channel": channel}, "Priority": priority, "Delay": delay}


def test_create_and_describe_a_routing_profile(connect, instance, cast, key):
    made = connect.create_routing_profile(
        InstanceId=instance.id,
        Name="Night shift",
        Description="After hours",
        DefaultOutboundQueueId=cast.queue.id,
        QueueConfigs=[_config(cast.queue.id, 1), _config(cast.other_queue.id, 2, 30)],
        MediaConcurrencies=[{"Channel": "TASK", "Concurrency": 4}],
        Tags={"shift": "night"},
    )
    assert made["RoutingProfileArn"] == f"{instance.arn}/routing-profile/{made['RoutingProfileId']}"
    profile = connect.describe_routing_profile(InstanceId=instance.id, RoutingProfileId=made["RoutingProfileId"])[
        "RoutingProfile"
    ]
    assert profile["Name"] == "Night shift" and profile["Description"] == "After hours"
    assert profile["DefaultOutboundQueueId"] == cast.queue.id
    assert [(m["Channel"], m["Concurrency"]) for m in profile["MediaConcurrencies"]] == [("TASK", 4)]
    assert sorted(profile["AssociatedQueueIds"]) == sorted([cast.queue.id, cast.other_queue.id])
    assert profile["NumberOfAssociatedQueues"] == 2 and profile["NumberOfAssociatedUsers"] == 0
    assert profile["Tags"] == {"shift": "night"}
    entry = AuditEntry.objects.get(resource_id=made["RoutingProfileId"], action="CREATE")
    assert entry.actor_label == f"API key {key[0].access_key_id}" and len(entry.after["queues"]) == 2


def test_updates_and_queue_lists_round_trip(connect, instance, cast):
    profile_id = cast.profile.id
    connect.update_routing_profile_name(InstanceId=instance.id, RoutingProfileId=profile_id, Name="Front line")
    connect.update_routing_profile_concurrency(
        InstanceId=instance.id,
        RoutingProfileId=profile_id,
        MediaConcurrencies=[{"Channel": "TASK", "Concurrency": 3}, {"Channel": "CHAT", "Concurrency": 2}],
    )
    connect.update_routing_profile_default_outbound_queue(
        InstanceId=instance.id, RoutingProfileId=profile_id, DefaultOutboundQueueId=cast.other_queue.id
    )
    extra = [QueueFactory(instance=instance, name=f"Extra {i}") for i in range(3)]
    connect.associate_routing_profile_queues(
        InstanceId=instance.id,
        RoutingProfileId=profile_id,
        QueueConfigs=[_config(q.id, 5 + i, 10) for i, q in enumerate(extra)],
    )
    connect.update_routing_profile_queues(
        InstanceId=instance.id, RoutingProfileId=profile_id, QueueConfigs=[_config(extra[0].id, 2, 60)]
    )
    connect.disassociate_routing_profile_queues(
        InstanceId=instance.id,
        RoutingProfileId=profile_id,
        QueueReferences=[{"QueueId": extra[2].id, "Channel": "TASK"}],
    )
    pages = connect.get_paginator("list_routing_profile_queues").paginate(
        InstanceId=instance.id, RoutingProfileId=profile_id, PaginationConfig={"PageSize": 2}
    )
    rows = [
        (r["QueueName"], r["Priority"], r["Delay"], r["Channel"])
        for page in pages
        for r in page["RoutingProfileQueueConfigSummaryList"]
    ]
    assert rows == [("Support", 1, 0, "TASK"), ("Extra 0", 2, 60, "TASK"), ("Extra 1", 6, 10, "TASK")]
    described = connect.describe_routing_profile(InstanceId=instance.id, RoutingProfileId=profile_id)["RoutingProfile"]
    assert described["Name"] == "Front line" and described["DefaultOutboundQueueId"] == cast.other_queue.id
    # VOICE keeps the 1 the cast's profile had: only the channels given change.
    assert {(m["Channel"], m["Concurrency"]) for m in described["MediaConcurrencies"]} == {
        ("TASK", 3),
        ("CHAT", 2),
        ("VOICE", 1),
    }
    assert described["NumberOfAssociatedUsers"] == 2


def test_a_new_queue_reaches_the_profiles_available_agent_at_once(connect, instance, cast, pushes):
    to_billing = flow_publish(instance, "Tasks to Billing", flow_content(queue_id=cast.other_queue.id))
    cast.available(cast.alice)
    waiting = cast.task("Billing question", contact_flow=to_billing)
    assert waiting.state == ContactState.QUEUED and waiting.agent_id is None
    connect.associate_routing_profile_queues(
        InstanceId=instance.id, RoutingProfileId=cast.profile.id, QueueConfigs=[_config(cast.other_queue.id, 1)]
    )
    waiting.refresh_from_db()
    assert waiting.agent_id == cast.alice.id and waiting.state == ContactState.CONNECTING
    assert "routing profile changed" in pushes.reasons(cast.alice)
    assert "routing profile changed" in pushes.reasons(cast.bob)
    assert "routing profile changed" not in pushes.reasons(cast.carol)


def test_delete_routing_profile_in_use_names_its_users(connect, instance, cast):
    message = expect_error(
        lambda: connect.delete_routing_profile(InstanceId=instance.id, RoutingProfileId=cast.profile.id),
        "ResourceInUseException",
        409,
    )
    assert "Alice Agent" in message and "Bob Builder" in message
    spare = connect.create_routing_profile(
        InstanceId=instance.id,
        Name="Spare",
        Description="Spare",
        DefaultOutboundQueueId=cast.queue.id,
        MediaConcurrencies=[{"Channel": "TASK", "Concurrency": 1}],
    )["RoutingProfileId"]
    connect.delete_routing_profile(InstanceId=instance.id, RoutingProfileId=spare)
    assert not RoutingProfile.objects.filter(pk=spare).exists()
    assert AuditEntry.objects.filter(resource_id=spare, action="DELETE").exists()


def test_routing_profile_errors(connect, raw_connect, instance, cast, outsider):
    expect_error(
        lambda: connect.create_routing_profile(
            InstanceId=instance.id,
            Name=cast.other_profile.name,
            Description="Spare",
            DefaultOutboundQueueId=cast.queue.id,
            MediaConcurrencies=[{"Channel": "TASK", "Concurrency": 1}],
        ),
        "DuplicateResourceException",
        409,
    )
    expect_error(
        lambda: connect.create_routing_profile(
            InstanceId=instance.id,
            Name="Theirs",
            Description="Spare",
            DefaultOutboundQueueId=outsider["queue"].id,
            MediaConcurrencies=[{"Channel": "TASK", "Concurrency": 1}],
        ),
        "ResourceNotFoundException",
        404,
    )
    expect_error(
        lambda: connect.update_routing_profile_concurrency(
            InstanceId=instance.id,
            RoutingProfileId=cast.profile.id,
            MediaConcurrencies=[{"Channel": "TASK", "Concurrency": 11}],
        ),
        "InvalidParameterException",
        400,
    )
    expect_error(
        lambda: connect.associate_routing_profile_queues(
            InstanceId=instance.id, RoutingProfileId=cast.profile.id, QueueConfigs=[_config(cast.queue.id)]
        ),
        "InvalidParameterException",
        400,
    )
    expect_error(
        lambda: connect.update_routing_profile_queues(
            InstanceId=instance.id, RoutingProfileId=cast.profile.id, QueueConfigs=[_config(cast.other_queue.id)]
        ),
        "InvalidParameterException",
        400,
    )
    expect_error(
        lambda: connect.describe_routing_profile(InstanceId=instance.id, RoutingProfileId="nope"),
        "ResourceNotFoundException",
        404,
    )
    expect_error(
        lambda: connect.update_routing_profile_name(
            InstanceId=instance.id, RoutingProfileId=cast.profile.id, Name=cast.other_profile.name
        ),
        "DuplicateResourceException",
        409,
    )
    cast.profile.refresh_from_db()
    assert cast.profile.name == "Support agents" and cast.profile.task_concurrency == 10


def test_queues_per_routing_profile_is_limited(connect, instance, cast, monkeypatch):
    monkeypatch.setattr("ccp.services.configuration.routing_profiles.QUEUES_PER_ROUTING_PROFILE", 1)
    expect_error(
        lambda: connect.associate_routing_profile_queues(
            InstanceId=instance.id, RoutingProfileId=cast.profile.id, QueueConfigs=[_config(cast.other_queue.id)]
        ),
        "LimitExceededException",
        429,
    )
    assert cast.profile.queue_configs.count() == 1


def test_search_routing_profiles(connect, instance, cast):
    connect.tag_resource(resourceArn=f"{instance.arn}/routing-profile/{cast.other_profile.id}", tags={"team": "b"})
    found = connect.search_routing_profiles(
        InstanceId=instance.id,
        SearchCriteria={"StringCondition": {"FieldName": "name", "Value": "agents", "ComparisonType": "CONTAINS"}},
        SearchFilter={"TagFilter": {"AndConditions": [{"TagKey": "team", "TagValue": "b"}]}},
    )
    assert [p["Name"] for p in found["RoutingProfiles"]] == ["Billing agents"]
    assert found["RoutingProfiles"][0]["NumberOfAssociatedUsers"] == 1
    pages = connect.get_paginator("search_routing_profiles").paginate(
        InstanceId=instance.id, PaginationConfig={"PageSize": 1}
    )
    assert [p["Name"] for page in pages for p in page["RoutingProfiles"]] == ["Billing agents", "Support agents"]
