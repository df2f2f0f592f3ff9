"""The edges say who acted: the console names the signed-in admin or supervisor, the API names its access key,
the sign-in page records sign-ins and refused sign-ins with the client's address."""

import pytest
from django.core.cache import caches
from django.urls import reverse

from ccp.models import AuditEntry
from tests.cast import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_lockouts():
    caches["login"].clear()
    yield
    caches["login"].clear()


def test_a_queue_saved_in_the_console_names_the_admin(client, cast):
    client.force_login(cast.admin)
    response = client.post(
        reverse("admin_console:queue_edit", args=[cast.queue.pk]), {"name": "Support EU", "description": "Europe"}
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(instance=cast.instance, resource_type="queue")
    assert (entry.action, entry.actor, entry.resource_id) == ("UPDATE", cast.admin, cast.queue.pk)
    assert (entry.before["name"], entry.after["name"], entry.after["description"]) == (
        "Support",
        "Support EU",
        "Europe",
    )


def test_a_sign_in_and_a_failed_one_are_recorded_with_the_address(client, cast):
    client.post(reverse("login"), {"username": cast.admin.username, "password": "wrong"}, REMOTE_ADDR="203.0.113.9")
    client.post(reverse("login"), {"username": cast.admin.username, "password": PASSWORD}, REMOTE_ADDR="203.0.113.9")
    failed, signed_in = AuditEntry.objects.filter(instance=cast.instance).order_by("at", "id")
    assert (failed.action, failed.actor, failed.actor_label) == ("LOGIN_FAILED", None, cast.admin.username)
    assert "203.0.113.9" in failed.detail
    assert (signed_in.action, signed_in.actor, signed_in.detail) == ("LOGIN", cast.admin, "from 203.0.113.9")


def test_a_throttled_sign_in_is_recorded_as_refused_and_an_unknown_name_writes_nothing(client, cast):
    for _ in range(6):
        client.post(reverse("login"), {"username": cast.alice.username, "password": "wrong"})
    client.post(reverse("login"), {"username": "nobody-here", "password": "wrong"})
    refused = AuditEntry.objects.filter(action="LOGIN_FAILED")
    assert refused.count() == 6 and {e.instance_id for e in refused} == {cast.instance.pk}
    assert "throttled" in refused.order_by("at", "id").last().detail


def test_a_supervisor_action_on_a_contact_names_them_with_before_and_after(client, cast):
    task = cast.task("Stuck task")
    client.force_login(cast.supervisor)
    client.post(reverse("admin_console:contact_action", args=[task.pk, "routing"]), {"priority": 1})
    entry = AuditEntry.objects.get(instance=cast.instance, action="CONTACT_ACTION")
    assert (entry.actor, entry.resource_type, entry.resource_id, entry.resource_name) == (
        cast.supervisor,
        "contact",
        task.pk,
        "Stuck task",
    )
    assert entry.after == {"routing_priority": 1} and entry.detail == "routing: Routing updated."


def test_a_refused_supervisor_action_leaves_no_entry(client, cast):
    task = cast.task("Stuck task")
    client.force_login(cast.supervisor)
    client.post(reverse("admin_console:contact_action", args=[task.pk, "end"]))  # without the confirmation box
    assert not AuditEntry.objects.filter(action="CONTACT_ACTION").exists()
