"""The security profile operations through boto3: create, describe, list (paged), update, the permissions list
(paged), delete; and Amazon Connect's errors for a taken name, an unknown permission, a profile users hold, the
quota, and another instance's profile."""

import pytest

from ccp.models import AuditEntry, SecurityProfile
from ccp.services.configuration.security_profiles import PROFILES_PER_INSTANCE, security_profiles_ensure
from tests.api.wire import expect_error
from tests.factories import AgentFactory, InstanceFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_profile_round_trips_through_create_describe_list_update_and_delete(connect, instance):
    created = connect.create_security_profile(
        InstanceId=instance.id,
        SecurityProfileName="Team leads",
        Description="Leads of the billing team",
        Permissions=["BasicAgentAccess", "Queues.Edit"],
        Tags={"team": "billing"},
    )
    profile_id = created["SecurityProfileId"]
    assert created["SecurityProfileArn"] == f"{instance.arn}/security-profile/{profile_id}"

    described = connect.describe_security_profile(InstanceId=instance.id, SecurityProfileId=profile_id)
    assert described["SecurityProfile"]["SecurityProfileName"] == "Team leads"
    assert described["SecurityProfile"]["Description"] == "Leads of the billing team"
    assert described["SecurityProfile"]["Tags"] == {"team": "billing"}
    assert described["SecurityProfile"]["OrganizationResourceId"] == instance.id

    # Edit comes with its View.
    permissions = connect.list_security_profile_permissions(InstanceId=instance.id, SecurityProfileId=profile_id)
    assert permissions["Permissions"] == ["BasicAgentAccess", "Queues.View", "Queues.Edit"]

    connect.update_security_profile(
        InstanceId=instance.id, SecurityProfileId=profile_id, Description="Changed", Permissions=["ContactSearch.View"]
    )
    after = connect.list_security_profile_permissions(InstanceId=instance.id, SecurityProfileId=profile_id)
    assert after["Permissions"] == ["ContactSearch.View"]
    assert SecurityProfile.objects.get(pk=profile_id).description == "Changed"

    connect.delete_security_profile(InstanceId=instance.id, SecurityProfileId=profile_id)
    assert not SecurityProfile.objects.filter(pk=profile_id).exists()
    assert list(
        AuditEntry.objects.filter(resource_type="security_profile", resource_id=profile_id)
        .order_by("at", "id")
        .values_list("action", "actor_label")
    ) == [("CREATE", "API"), ("UPDATE", "API"), ("DELETE", "API")]


def test_list_security_profiles_pages_through_every_profile(connect, instance):
    security_profiles_ensure(instance=instance)
    for i in range(5):
        connect.create_security_profile(InstanceId=instance.id, SecurityProfileName=f"Custom {i}")
    pages = connect.get_paginator("list_security_profiles").paginate(
        InstanceId=instance.id, PaginationConfig={"PageSize": 3}
    )
    names = [p["Name"] for page in pages for p in page["SecurityProfileSummaryList"]]
    assert names == sorted(names) and len(names) == 9
    assert {"Admin", "CallCenterManager", "Agent", "QualityAnalyst"} <= set(names)


def test_the_permissions_list_pages_too(connect, instance):
    admin = security_profiles_ensure(instance=instance)["Admin"]
    pages = connect.get_paginator("list_security_profile_permissions").paginate(
        InstanceId=instance.id, SecurityProfileId=admin.id, PaginationConfig={"PageSize": 10}
    )
    collected = [name for page in pages for name in page["Permissions"]]
    assert collected == admin.permissions and len(collected) > 10


def test_a_taken_name_is_a_duplicate_resource(connect, instance):
    connect.create_security_profile(InstanceId=instance.id, SecurityProfileName="Leads")
    expect_error(
        lambda: connect.create_security_profile(InstanceId=instance.id, SecurityProfileName="Leads"),
        "DuplicateResourceException",
        409,
    )
    assert SecurityProfile.objects.filter(instance=instance, name="Leads").count() == 1


def test_an_unknown_permission_or_a_bad_name_is_refused_and_nothing_is_written(connect, instance):
    message = expect_error(
        lambda: connect.create_security_profile(
            InstanceId=instance.id, SecurityProfileName="X", Permissions=["Launch.Rockets"]
        ),
        "InvalidParameterException",
        400,
    )
    assert "Launch.Rockets" in message
    expect_error(
        lambda: connect.create_security_profile(InstanceId=instance.id, SecurityProfileName="bad/name"),
        "InvalidParameterException",
        400,
    )
    assert not SecurityProfile.objects.filter(instance=instance).exists()


def test_deleting_a_profile_users_hold_names_them(connect, instance):
    agent = AgentFactory(instance=instance, username="alex")
    agent_profile = agent.security_profiles.get()
    message = expect_error(
        lambda: connect.delete_security_profile(InstanceId=instance.id, SecurityProfileId=agent_profile.id),
        "ResourceInUseException",
        409,
    )
    assert "alex" in message
    assert SecurityProfile.objects.filter(pk=agent_profile.pk).exists()


def test_the_instance_quota_of_profiles_is_limit_exceeded(connect, instance):
    SecurityProfile.objects.bulk_create(
        SecurityProfile(instance=instance, name=f"P{i}") for i in range(PROFILES_PER_INSTANCE)
    )
    expect_error(
        lambda: connect.create_security_profile(InstanceId=instance.id, SecurityProfileName="One more"),
        "LimitExceededException",
        429,
    )


def test_another_instances_profile_is_not_found(connect, instance):
    theirs = security_profiles_ensure(instance=InstanceFactory(alias="other"))["Admin"]
    for call in (
        lambda: connect.describe_security_profile(InstanceId=instance.id, SecurityProfileId=theirs.id),
        lambda: connect.update_security_profile(InstanceId=instance.id, SecurityProfileId=theirs.id, Permissions=[]),
        lambda: connect.delete_security_profile(InstanceId=instance.id, SecurityProfileId=theirs.id),
        lambda: connect.list_security_profile_permissions(InstanceId=instance.id, SecurityProfileId=theirs.id),
    ):
        expect_error(call, "ResourceNotFoundException", 404)
    assert SecurityProfile.objects.get(pk=theirs.pk).permissions
