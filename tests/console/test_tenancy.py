"""Rows of another instance are never listed and their ids answer 404."""

import pytest
from django.urls import reverse

from tests.factories import ContactFactory, QueueFactory, RoutingProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def foreign_queue(other_instance):
    return QueueFactory(instance=other_instance, name="Their secret queue")


def test_another_instances_queue_is_not_listed(admin_client, foreign_queue):
    html = admin_client.get(reverse("admin_console:queue_list")).content.decode()
    assert "Their secret queue" not in html


def test_another_instances_queue_id_is_a_404_for_edit_and_delete(admin_client, foreign_queue):
    assert admin_client.get(reverse("admin_console:queue_edit", args=[foreign_queue.pk])).status_code == 404
    response = admin_client.post(reverse("admin_console:queue_delete", args=[foreign_queue.pk]))
    assert response.status_code == 404
    foreign_queue.refresh_from_db()


def test_another_instances_routing_profile_id_is_a_404(admin_client, other_instance):
    profile = RoutingProfileFactory(instance=other_instance)
    assert admin_client.get(reverse("admin_console:routing_profile_edit", args=[profile.pk])).status_code == 404


def test_another_instances_user_id_is_a_404(admin_client, other_instance):
    outsider = UserFactory(instance=other_instance)
    assert admin_client.get(reverse("admin_console:user_edit", args=[outsider.pk])).status_code == 404


def test_another_instances_contact_is_a_404_and_never_found_by_search(supervisor_client, other_instance):
    contact = ContactFactory(instance=other_instance, name="Their private task")
    assert supervisor_client.get(reverse("admin_console:contact_detail", args=[contact.pk])).status_code == 404
    html = supervisor_client.get(reverse("admin_console:contact_search"), {"q": "private"}).content.decode()
    assert "Their private task" not in html


def test_a_queue_form_offers_only_this_instances_hours(admin_client, other_instance, instance):
    foreign_queue = QueueFactory(instance=other_instance)
    html = admin_client.get(reverse("admin_console:queue_add")).content.decode()
    assert foreign_queue.hours.name not in html


def test_a_routing_profile_cannot_be_pointed_at_another_instances_queue(admin_client, instance, other_instance):
    own = QueueFactory(instance=instance)
    foreign = QueueFactory(instance=other_instance)
    response = admin_client.post(
        reverse("admin_console:routing_profile_add"),
        {
            "name": "Sales",
            "default_outbound_queue": foreign.pk,
            "task_concurrency": 1,
            "task_offer_timeout_seconds": 30,
            "voice_concurrency": 1,
            "chat_concurrency": 0,
            "queues-TOTAL_FORMS": 1,
            "queues-INITIAL_FORMS": 0,
            "queues-0-queue": own.pk,
            "queues-0-channel": "TASK",
            "queues-0-priority": 1,
            "queues-0-delay_seconds": 0,
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not instance.routing_profiles.filter(name="Sales").exists()


def test_the_contact_search_queue_filter_lists_only_this_instances_queues(supervisor_client, other_instance):
    QueueFactory(instance=other_instance, name="Their filter queue")
    html = supervisor_client.get(reverse("admin_console:contact_search")).content.decode()
    assert "Their filter queue" not in html
