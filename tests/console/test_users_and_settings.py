"""Users, agent statuses, quick connects, hours and instance settings through the console."""

import pytest
from django.urls import reverse

from ccp.models import AgentStatus, HoursOfOperation, Queue, QuickConnect, SecurityProfile, User
from tests.factories import AgentStatusFactory, QueueFactory, RoutingProfileFactory


def agent_profile(instance) -> str:
    return SecurityProfile.objects.get(instance=instance, name="Agent").pk


pytestmark = pytest.mark.django_db


def test_an_admin_creates_an_agent_who_can_sign_in(admin_client, client, instance):
    profile = RoutingProfileFactory(instance=instance)
    admin_client.post(
        reverse("admin_console:user_add"),
        {
            "username": "newbie",
            "first_name": "New",
            "last_name": "Agent",
            "security_profiles": [agent_profile(instance)],
            "routing_profile": profile.pk,
            "is_active": "on",
            "password": "a long enough passphrase",
        },
    )
    user = User.objects.get(username="newbie")
    assert user.instance == instance
    assert user.check_password("a long enough passphrase")
    assert Queue.objects.filter(agent=user, queue_type="AGENT").exists()


def test_an_agent_without_a_routing_profile_is_refused_inline(admin_client, instance):
    response = admin_client.post(
        reverse("admin_console:user_add"),
        {
            "username": "x",
            "security_profiles": [agent_profile(instance)],
            "is_active": "on",
            "password": "a long enough passphrase",
        },
    )
    assert 'id="id_routing_profile_error"' in response.content.decode()
    assert not User.objects.filter(username="x").exists()


def test_editing_a_user_without_a_password_keeps_the_old_one(admin_client, instance, agent):
    admin_client.post(
        reverse("admin_console:user_edit", args=[agent.pk]),
        {
            "username": agent.username,
            "first_name": "Renamed",
            "security_profiles": [agent_profile(instance)],
            "routing_profile": agent.routing_profile.pk,
            "is_active": "on",
            "password": "",
        },
    )
    agent.refresh_from_db()
    assert agent.first_name == "Renamed"
    assert agent.check_password("correct horse battery staple")


def test_an_admin_cannot_demote_themselves(admin_client, admin, instance):
    response = admin_client.post(
        reverse("admin_console:user_edit", args=[admin.pk]),
        {"username": admin.username, "security_profiles": [agent_profile(instance)], "is_active": "on"},
    )
    assert "remove your own permission to edit security profiles" in response.content.decode()
    assert [p.name for p in User.objects.get(pk=admin.pk).security_profiles.all()] == [SecurityProfile.ADMIN]


def test_an_agent_status_in_use_cannot_be_deleted(admin_client, instance, agent):
    AgentStatusFactory(instance=instance, name="Lunch", type="CUSTOM")
    brb = AgentStatusFactory(instance=instance, name="Break", type="CUSTOM")
    agent.status = brb
    agent.save()
    response = admin_client.post(reverse("admin_console:agent_status_delete", args=[brb.pk]))
    assert response.status_code == 409
    assert AgentStatus.objects.filter(pk=brb.pk).exists()


def test_a_quick_connect_to_a_queue_needs_the_queue(admin_client, instance):
    response = admin_client.post(reverse("admin_console:quick_connect_add"), {"name": "Billing", "type": "QUEUE"})
    assert 'id="id_queue_error"' in response.content.decode()
    queue = QueueFactory(instance=instance)
    admin_client.post(
        reverse("admin_console:quick_connect_add"),
        {"name": "Billing", "type": "QUEUE", "queue": queue.pk, "phone_number": "+15550100"},
    )
    quick_connect = QuickConnect.objects.get(instance=instance, name="Billing")
    assert quick_connect.queue == queue
    assert quick_connect.phone_number == ""


def test_hours_of_operation_are_saved_per_day(admin_client, instance):
    admin_client.post(
        reverse("admin_console:hours_add"),
        {
            "name": "Office",
            "timezone": "Europe/Paris",
            "MONDAY_open": "on",
            "MONDAY_start": "09:00",
            "MONDAY_end": "17:30",
            "TUESDAY_open": "on",
            "TUESDAY_start": "18:00",
            "TUESDAY_end": "08:00",
        },
    )
    assert not HoursOfOperation.objects.filter(instance=instance, name="Office").exists()
    admin_client.post(
        reverse("admin_console:hours_add"),
        {
            "name": "Office",
            "timezone": "Europe/Paris",
            "MONDAY_open": "on",
            "MONDAY_start": "09:00",
            "MONDAY_end": "17:30",
        },
    )
    hours = HoursOfOperation.objects.get(instance=instance, name="Office")
    assert hours.config == [
        {"Day": "MONDAY", "StartTime": {"Hours": 9, "Minutes": 0}, "EndTime": {"Hours": 17, "Minutes": 30}}
    ]


def test_an_admin_changes_the_instance_timezone_and_quota(admin_client, instance):
    response = admin_client.post(
        reverse("admin_console:instance_settings"),
        {"timezone": "Asia/Tokyo", "active_task_quota": 100, "api_rate_per_second": 5, "api_burst": 10},
        follow=True,
    )
    instance.refresh_from_db()
    assert (instance.timezone, instance.active_task_quota, instance.api_burst) == ("Asia/Tokyo", 100, 10)
    assert "Times in Asia/Tokyo" in response.content.decode()


def test_a_zero_task_quota_is_refused_inline(admin_client, instance):
    response = admin_client.post(
        reverse("admin_console:instance_settings"),
        {"timezone": "UTC", "active_task_quota": 0, "api_rate_per_second": 5, "api_burst": 10},
    )
    assert 'id="id_active_task_quota_error"' in response.content.decode()
    instance.refresh_from_db()
    assert instance.active_task_quota == 2500


def test_an_admin_sets_the_default_service_level_per_channel_in_hours_or_days(admin_client, instance):
    url = reverse("admin_console:instance_settings")
    base = {"timezone": "UTC", "active_task_quota": 100, "api_rate_per_second": 5, "api_burst": 10}
    admin_client.post(url, {**base, "service_level_task_seconds": "4h", "service_level_chat_seconds": "90s"})
    instance.refresh_from_db()
    assert (instance.service_level_task_seconds, instance.service_level_chat_seconds) == (14_400, 90)
    assert instance.service_level_voice_seconds == 20  # left empty: kept
    assert 'value="4h"' in admin_client.get(url).content.decode()
    response = admin_client.post(url, {**base, "service_level_task_seconds": "8d"})
    assert "A duration from 1s to 7d" in response.content.decode()
    instance.refresh_from_db()
    assert instance.service_level_task_seconds == 14_400
