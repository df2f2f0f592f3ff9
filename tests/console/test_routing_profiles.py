"""Admins configure routing profiles: settings and per-channel queues save together."""

import pytest
from django.urls import reverse

from ccp.models import RoutingProfile
from tests.factories import AgentFactory, QueueFactory, RoutingProfileFactory, RoutingProfileQueueFactory

pytestmark = pytest.mark.django_db


def profile_data(default_queue, **overrides):
    data = {
        "name": "Support",
        "description": "",
        "default_outbound_queue": default_queue.pk,
        "task_concurrency": 3,
        "task_offer_timeout_seconds": 45,
        "task_auto_accept": "on",
        "voice_concurrency": 1,
        "chat_concurrency": 0,
        "queues-TOTAL_FORMS": 2,
        "queues-INITIAL_FORMS": 0,
        "queues-0-queue": default_queue.pk,
        "queues-0-channel": "TASK",
        "queues-0-priority": 2,
        "queues-0-delay_seconds": 30,
        "queues-1-queue": "",
        "queues-1-channel": "TASK",
        "queues-1-priority": 1,
        "queues-1-delay_seconds": 0,
    }
    data.update(overrides)
    return data


def test_an_admin_creates_a_routing_profile_with_its_queues(admin_client, instance):
    queue = QueueFactory(instance=instance)
    response = admin_client.post(reverse("admin_console:routing_profile_add"), profile_data(queue), follow=True)
    profile = RoutingProfile.objects.get(instance=instance, name="Support")
    assert profile.task_concurrency == 3
    assert profile.task_offer_timeout_seconds == 45
    assert profile.task_auto_accept is True
    config = profile.queue_configs.get()
    assert (config.queue, config.channel, config.priority, config.delay_seconds) == (queue, "TASK", 2, 30)
    assert "Routing profile “Support” created." in response.content.decode()


def test_task_concurrency_above_ten_is_refused_next_to_the_field(admin_client, instance):
    queue = QueueFactory(instance=instance)
    response = admin_client.post(
        reverse("admin_console:routing_profile_add"), profile_data(queue, task_concurrency=11)
    )
    html = response.content.decode()
    assert 'id="id_task_concurrency_error"' in html
    assert "less than or equal to 10" in html
    assert not RoutingProfile.objects.filter(instance=instance).exists()


def test_an_offer_timeout_under_five_seconds_is_refused(admin_client, instance):
    queue = QueueFactory(instance=instance)
    response = admin_client.post(
        reverse("admin_console:routing_profile_add"), profile_data(queue, task_offer_timeout_seconds=2)
    )
    assert "greater than or equal to 5" in response.content.decode()
    assert not RoutingProfile.objects.filter(instance=instance).exists()


def test_the_same_queue_twice_on_one_channel_is_refused_and_nothing_is_saved(admin_client, instance):
    queue = QueueFactory(instance=instance)
    data = profile_data(queue, **{"queues-1-queue": queue.pk, "queues-1-priority": 3})
    response = admin_client.post(reverse("admin_console:routing_profile_add"), data)
    assert "is already listed for TASK" in response.content.decode()
    assert not RoutingProfile.objects.filter(instance=instance).exists()


def test_an_admin_changes_a_queue_priority_and_removes_another(admin_client, instance):
    profile = RoutingProfileFactory(instance=instance, name="Support")
    keep = RoutingProfileQueueFactory(routing_profile=profile, priority=1)
    drop = RoutingProfileQueueFactory(routing_profile=profile, priority=2)
    data = profile_data(
        profile.default_outbound_queue,
        **{
            "queues-TOTAL_FORMS": 2,
            "queues-INITIAL_FORMS": 2,
            "queues-0-id": keep.pk,
            "queues-0-queue": keep.queue.pk,
            "queues-0-priority": 4,
            "queues-0-delay_seconds": 0,
            "queues-1-id": drop.pk,
            "queues-1-queue": drop.queue.pk,
            "queues-1-channel": "TASK",
            "queues-1-priority": 2,
            "queues-1-DELETE": "on",
        },
    )
    response = admin_client.post(reverse("admin_console:routing_profile_edit", args=[profile.pk]), data)
    assert response.status_code == 302
    assert list(profile.queue_configs.values_list("queue", "priority")) == [(keep.queue.pk, 4)]


def test_deleting_a_routing_profile_used_by_an_agent_is_refused_with_a_message(admin_client, instance):
    agent = AgentFactory(instance=instance, username="bea")
    profile = agent.routing_profile
    response = admin_client.post(reverse("admin_console:routing_profile_delete", args=[profile.pk]))
    assert response.status_code == 409
    assert "is still in use" in response.content.decode()
    assert RoutingProfile.objects.filter(pk=profile.pk).exists()


def test_deleting_an_unused_routing_profile_works_after_confirmation(admin_client, instance):
    profile = RoutingProfileFactory(instance=instance, name="Unused")
    assert "Delete routing profile “Unused”?" in admin_client.get(
        reverse("admin_console:routing_profile_delete", args=[profile.pk])
    ).content.decode()
    admin_client.post(reverse("admin_console:routing_profile_delete", args=[profile.pk]))
    assert not RoutingProfile.objects.filter(pk=profile.pk).exists()
