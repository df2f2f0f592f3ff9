"""Issue 17's user operations through boto3: CreateUser, DescribeUser, UpdateUserIdentityInfo,
UpdateUserRoutingProfile, UpdateUserSecurityProfiles, UpdateUserPhoneConfig, PutUserStatus and SearchUsers (paged),
with Amazon Connect's errors; and the console and the API seeing each other's changes at once."""

import pytest
from django.test import Client
from django.urls import reverse

from ccp.models import AgentEvent, AuditEntry, User
from ccp.services.agents import agent_statuses_ensure
from ccp.services.configuration.security_profiles import security_profiles_ensure
from tests.api.wire import expect_error
from tests.cast import PASSWORD
from tests.factories import AgentFactory, InstanceFactory, RoutingProfileFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def profiles(instance):
    return security_profiles_ensure(instance=instance)


@pytest.fixture
def routing(instance):
    return RoutingProfileFactory(instance=instance, name="Support agents")


def create(connect, instance, profiles, routing, **extra):
    params = {
        "InstanceId": instance.id,
        "Username": "ana",
        "Password": "Passw0rd-long-enough",
        "IdentityInfo": {"FirstName": "Ana", "LastName": "Lima", "Email": "ana@example.com"},
        "PhoneConfig": {"PhoneType": "SOFT_PHONE", "AutoAccept": True, "AfterContactWorkTimeLimit": 30},
        "SecurityProfileIds": [profiles["Agent"].id],
        "RoutingProfileId": routing.id,
        **extra,
    }
    return connect.create_user(**params)


def test_a_created_user_signs_in_and_describes_as_created(connect, instance, profiles, routing):
    created = create(connect, instance, profiles, routing, Tags={"site": "lisbon"})
    assert created["UserArn"] == f"{instance.arn}/agent/{created['UserId']}"
    user = connect.describe_user(InstanceId=instance.id, UserId=created["UserId"])["User"]
    assert user["Username"] == "ana"
    assert user["IdentityInfo"] == {"FirstName": "Ana", "LastName": "Lima", "Email": "ana@example.com"}
    assert user["PhoneConfig"] == {"PhoneType": "SOFT_PHONE", "AutoAccept": True, "AfterContactWorkTimeLimit": 30}
    assert user["SecurityProfileIds"] == [profiles["Agent"].id]
    assert user["RoutingProfileId"] == routing.id
    assert user["Tags"] == {"site": "lisbon"}
    assert Client().login(username="ana", password="Passw0rd-long-enough")
    assert AuditEntry.objects.filter(resource_type="user", resource_id=created["UserId"], action="CREATE").exists()


def test_create_user_refuses_a_taken_username_and_unknown_ids(connect, instance, profiles, routing):
    create(connect, instance, profiles, routing)
    expect_error(lambda: create(connect, instance, profiles, routing), "DuplicateResourceException", 409)
    expect_error(
        lambda: create(connect, instance, profiles, routing, Username="bea", SecurityProfileIds=["nope"]),
        "ResourceNotFoundException",
        404,
    )
    theirs = security_profiles_ensure(instance=InstanceFactory(alias="other"))["Admin"]
    expect_error(
        lambda: create(connect, instance, profiles, routing, Username="bea", SecurityProfileIds=[theirs.id]),
        "ResourceNotFoundException",
        404,
    )
    expect_error(
        lambda: create(connect, instance, profiles, routing, Username="bea", RoutingProfileId="nope"),
        "ResourceNotFoundException",
        404,
    )
    expect_error(
        lambda: create(connect, instance, profiles, routing, Username="bea", Password="short"),
        "InvalidParameterException",
        400,
    )
    assert list(User.objects.filter(instance=instance).values_list("username", flat=True)) == ["ana"]


def test_the_update_operations_change_only_what_they_name(connect, instance, profiles, routing):
    user_id = create(connect, instance, profiles, routing)["UserId"]
    other_routing = RoutingProfileFactory(instance=instance, name="Billing agents")
    connect.update_user_identity_info(InstanceId=instance.id, UserId=user_id, IdentityInfo={"FirstName": "Anna"})
    connect.update_user_routing_profile(InstanceId=instance.id, UserId=user_id, RoutingProfileId=other_routing.id)
    connect.update_user_phone_config(
        InstanceId=instance.id,
        UserId=user_id,
        PhoneConfig={
            "PhoneType": "DESK_PHONE",
            "AutoAccept": False,
            "AfterContactWorkTimeLimit": 120,
            "DeskPhoneNumber": "+351210000000",
        },
    )
    connect.update_user_security_profiles(
        InstanceId=instance.id,
        UserId=user_id,
        SecurityProfileIds=[profiles["Agent"].id, profiles["QualityAnalyst"].id],
    )
    user = connect.describe_user(InstanceId=instance.id, UserId=user_id)["User"]
    assert user["IdentityInfo"] == {"FirstName": "Anna", "LastName": "Lima", "Email": "ana@example.com"}
    assert user["RoutingProfileId"] == other_routing.id
    assert user["PhoneConfig"] == {
        "PhoneType": "DESK_PHONE",
        "AutoAccept": False,
        "AfterContactWorkTimeLimit": 120,
        "DeskPhoneNumber": "+351210000000",
    }
    assert sorted(user["SecurityProfileIds"]) == sorted([profiles["Agent"].id, profiles["QualityAnalyst"].id])
    # The profiles add up: contact search now opens for her.
    assert User.objects.get(pk=user_id).may("BasicAgentAccess", "ContactSearch.View")
    expect_error(
        lambda: connect.update_user_identity_info(
            InstanceId=instance.id, UserId=user_id, IdentityInfo={"Email": "not an address"}
        ),
        "InvalidParameterException",
        400,
    )
    assert User.objects.get(pk=user_id).email == "ana@example.com"


def test_new_security_profiles_sign_the_user_out(connect, live_server, instance, profiles):
    agent = AgentFactory(instance=instance, username="alex")
    browser = Client()
    assert browser.login(username="alex", password=PASSWORD)
    assert browser.get(reverse("panel:panel")).status_code == 200
    connect.update_user_security_profiles(
        InstanceId=instance.id, UserId=agent.id, SecurityProfileIds=[profiles["QualityAnalyst"].id]
    )
    assert browser.get(reverse("panel:panel")).status_code == 302  # to the sign-in page


def test_a_console_change_is_visible_through_describe_and_back(connect, instance, profiles, routing):
    admin = UserFactory(instance=instance, username="ada", security_profile="Admin")
    console = Client()
    console.force_login(admin)
    user_id = create(connect, instance, profiles, routing)["UserId"]
    page = console.get(reverse("admin_console:user_edit", args=[user_id])).content.decode()
    assert 'value="Ana"' in page
    console.post(
        reverse("admin_console:user_edit", args=[user_id]),
        {
            "username": "ana",
            "first_name": "Ana Maria",
            "last_name": "Lima",
            "email": "ana@example.com",
            "security_profiles": [profiles["CallCenterManager"].id],
            "routing_profile": routing.id,
            "is_active": "on",
        },
    )
    user = connect.describe_user(InstanceId=instance.id, UserId=user_id)["User"]
    assert user["IdentityInfo"]["FirstName"] == "Ana Maria"
    assert user["SecurityProfileIds"] == [profiles["CallCenterManager"].id]


def test_put_user_status_sets_the_agents_status(connect, instance):
    agent = AgentFactory(instance=instance, username="alex")
    statuses = agent_statuses_ensure(instance=instance)
    connect.put_user_status(InstanceId=instance.id, UserId=agent.id, AgentStatusId=statuses["ROUTABLE"].id)
    assert User.objects.get(pk=agent.pk).status_id == statuses["ROUTABLE"].id
    assert AgentEvent.objects.filter(user=agent, status_name="Available").exists()
    expect_error(
        lambda: connect.put_user_status(InstanceId=instance.id, UserId=agent.id, AgentStatusId=statuses["MISSED"].id),
        "InvalidRequestException",
        400,
    )
    expect_error(
        lambda: connect.put_user_status(InstanceId=instance.id, UserId=agent.id, AgentStatusId="nope"),
        "ResourceNotFoundException",
        404,
    )
    assert User.objects.get(pk=agent.pk).status_id == statuses["ROUTABLE"].id


def test_search_users_filters_and_pages(connect, instance, profiles, routing):
    for name in ("amy", "anna", "ben", "bert", "cleo"):
        UserFactory(
            instance=instance,
            username=name,
            first_name=name.capitalize(),
            security_profile="Agent",
            routing_profile=routing,
        )
    UserFactory(instance=instance, username="boss", security_profile="Admin")
    UserFactory(instance=InstanceFactory(alias="other"), username="anders")

    pages = connect.get_paginator("search_users").paginate(
        InstanceId=instance.id,
        SearchCriteria={"StringCondition": {"FieldName": "Username", "Value": "b", "ComparisonType": "STARTS_WITH"}},
        PaginationConfig={"PageSize": 2},
    )
    pages = list(pages)
    assert [u["Username"] for p in pages for u in p["Users"]] == ["ben", "bert", "boss"]
    assert pages[0]["ApproximateTotalCount"] == 3 and len(pages) == 2

    either = connect.search_users(
        InstanceId=instance.id,
        SearchCriteria={
            "OrConditions": [
                {"StringCondition": {"FieldName": "Username", "Value": "an", "ComparisonType": "CONTAINS"}},
                {
                    "StringCondition": {
                        "FieldName": "SecurityProfileId",
                        "Value": profiles["Admin"].id,
                        "ComparisonType": "EXACT",
                    }
                },
            ]
        },
    )
    assert [u["Username"] for u in either["Users"]] == ["anna", "boss"]
    expect_error(
        lambda: connect.search_users(
            InstanceId=instance.id,
            SearchCriteria={"StringCondition": {"FieldName": "Password", "Value": "x", "ComparisonType": "EXACT"}},
        ),
        "InvalidParameterException",
        400,
    )


def test_search_users_by_tag(connect, instance, profiles, routing):
    create(connect, instance, profiles, routing, Tags={"site": "lisbon"})
    create(connect, instance, profiles, routing, Username="bea", Tags={"site": "porto"})
    found = connect.search_users(
        InstanceId=instance.id, SearchFilter={"TagFilter": {"TagCondition": {"TagKey": "site", "TagValue": "porto"}}}
    )
    assert [u["Username"] for u in found["Users"]] == ["bea"]
