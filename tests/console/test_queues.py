"""Admins add, edit and delete queues; mistakes are explained next to the field."""

import pytest
from django.urls import reverse

from ccp.models import Queue
from tests.factories import HoursOfOperationFactory, QueueFactory, RoutingProfileFactory

pytestmark = pytest.mark.django_db


def test_an_admin_creates_a_queue_and_sees_a_toast(admin_client, instance):
    hours = HoursOfOperationFactory(instance=instance)
    response = admin_client.post(
        reverse("admin_console:queue_add"),
        {"name": "Billing", "description": "Invoices", "hours": hours.pk, "max_contacts": "20"},
        follow=True,
    )
    queue = Queue.objects.get(instance=instance, name="Billing")
    assert queue.hours == hours
    assert queue.max_contacts == 20
    assert "Queue “Billing” created." in response.content.decode()
    assert "Billing" in response.content.decode()


def test_a_queue_without_a_name_is_refused_with_the_error_next_to_the_field(admin_client, instance):
    response = admin_client.post(reverse("admin_console:queue_add"), {"name": "", "max_contacts": "-3"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_name_error"' in html
    assert "This field is required." in html
    assert 'id="id_max_contacts_error"' in html
    assert not Queue.objects.filter(instance=instance, queue_type="STANDARD").exists()


def test_a_second_queue_with_the_same_name_is_refused_inline(admin_client, instance):
    QueueFactory(instance=instance, name="Billing")
    response = admin_client.post(reverse("admin_console:queue_add"), {"name": "Billing"})
    assert "Another queue is already called “Billing”." in response.content.decode()
    assert Queue.objects.filter(instance=instance, name="Billing").count() == 1


def test_the_same_queue_name_is_allowed_in_another_instance(admin_client, instance, other_instance):
    QueueFactory(instance=other_instance, name="Billing")
    admin_client.post(reverse("admin_console:queue_add"), {"name": "Billing"})
    assert Queue.objects.filter(instance=instance, name="Billing").exists()


def test_an_admin_renames_a_queue(admin_client, instance):
    queue = QueueFactory(instance=instance, name="Old name")
    admin_client.post(
        reverse("admin_console:queue_edit", args=[queue.pk]), {"name": "New name", "hours": queue.hours.pk}
    )
    queue.refresh_from_db()
    assert queue.name == "New name"


def test_deleting_a_queue_asks_first_then_deletes(admin_client, instance):
    queue = QueueFactory(instance=instance, name="Retired")
    confirm = admin_client.get(reverse("admin_console:queue_delete", args=[queue.pk]))
    assert "Delete queue “Retired”?" in confirm.content.decode()
    assert Queue.objects.filter(pk=queue.pk).exists()
    response = admin_client.post(reverse("admin_console:queue_delete", args=[queue.pk]), follow=True)
    assert not Queue.objects.filter(pk=queue.pk).exists()
    assert "Queue “Retired” deleted." in response.content.decode()


def test_deleting_a_queue_still_used_as_a_default_outbound_queue_explains_why_it_stays(admin_client, instance):
    profile = RoutingProfileFactory(instance=instance, name="Front desk")
    queue = profile.default_outbound_queue
    response = admin_client.post(reverse("admin_console:queue_delete", args=[queue.pk]))
    html = response.content.decode()
    assert response.status_code == 409
    assert "is still in use" in html
    assert "Front desk" in html
    assert Queue.objects.filter(pk=queue.pk).exists()


def test_the_queue_list_searches_and_sorts(admin_client, instance):
    QueueFactory(instance=instance, name="Alpha")
    QueueFactory(instance=instance, name="Zulu")
    html = admin_client.get(reverse("admin_console:queue_list"), {"q": "zul"}).content.decode()
    assert "Zulu" in html
    assert "Alpha" not in html
    html = admin_client.get(reverse("admin_console:queue_list"), {"sort": "-name"}).content.decode()
    assert html.index("Zulu") < html.index("Alpha")


def test_searching_queues_with_htmx_returns_only_the_table(admin_client, instance):
    QueueFactory(instance=instance, name="Alpha")
    response = admin_client.get(reverse("admin_console:queue_list"), {"q": "alp"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="table"')
    assert "Alpha" in html
    assert "<nav" not in html.split('id="table"')[0]


def test_agents_personal_queues_are_not_listed_or_editable(admin_client, agent):
    personal = agent.personal_queue
    assert personal.name not in admin_client.get(reverse("admin_console:queue_list")).content.decode()
    assert admin_client.get(reverse("admin_console:queue_edit", args=[personal.pk])).status_code == 404
