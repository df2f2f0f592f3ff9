"""Every configuration service writes one audit entry in its own transaction: who acted, what, and the values
before and after (only the changed ones on an update, never a secret); a change that is refused leaves none."""

import pytest

from ccp.errors import DuplicateResource, ResourceInUse
from ccp.models import ApiKey, AuditEntry
from ccp.services import api_keys, task_templates
from ccp.services.api_key_rotation import api_key_secrets_reencrypt
from ccp.services.audit import audit_acting
from ccp.services.configuration import agent_statuses, hours, queues, quick_connects, routing_profiles, users
from ccp.services.configuration.flows import flow_create, flow_delete, flow_save_content
from ccp.services.configuration.instance_settings import instance_update
from ccp.services.configuration.routing_profiles import ProfileQueue
from tests.cast import flow_content

pytestmark = pytest.mark.django_db

NINE_TO_FIVE = [{"Day": "MONDAY", "StartTime": {"Hours": 9, "Minutes": 0}, "EndTime": {"Hours": 17, "Minutes": 0}}]


def entries(instance, **filters):
    return list(AuditEntry.objects.filter(instance=instance, **filters).order_by("at", "id"))


def only_entry(instance, **filters) -> AuditEntry:
    found = entries(instance, **filters)
    assert len(found) == 1, found
    return found[0]


def test_a_queue_created_changed_and_deleted_writes_three_entries_naming_the_admin(cast):
    with audit_acting(cast.admin):
        queue = queues.queue_create(instance=cast.instance, name="Returns", max_contacts=5)
        queue_id = queue.id
        queues.queue_update(queue=queue, name="Returns EU", max_contacts=5, description="Europe")
        queues.queue_delete(queue=queue)
    created, updated, deleted = entries(cast.instance, resource_type="queue")
    assert (created.action, created.actor, created.actor_label) == ("CREATE", cast.admin, cast.admin.username)
    assert created.after["name"] == "Returns" and created.after["max_contacts"] == 5
    assert updated.action == "UPDATE" and updated.resource_id == queue_id
    assert updated.before == {"name": "Returns", "description": ""}
    assert updated.after == {"name": "Returns EU", "description": "Europe"}
    assert (deleted.action, deleted.resource_name, deleted.before["name"]) == ("DELETE", "Returns EU", "Returns EU")


def test_an_update_that_changes_nothing_writes_no_entry(cast):
    queues.queue_update(queue=cast.queue, name=cast.queue.name, quick_connects=cast.queue.quick_connects.all())
    assert entries(cast.instance, resource_type="queue") == []


def test_a_refused_change_leaves_no_entry(cast):
    with pytest.raises(DuplicateResource):
        queues.queue_create(instance=cast.instance, name="Support")
    with pytest.raises(ResourceInUse):
        queues.queue_delete(queue=cast.queue)
    assert entries(cast.instance) == []


def test_a_change_that_fails_after_its_entry_was_written_rolls_the_entry_back_too(cast, monkeypatch):
    class Abort(Exception):
        pass

    written = []

    def then_fail(*args, **kwargs):
        written.append(real(*args, **kwargs))
        assert AuditEntry.objects.filter(pk=written[0].pk).exists()  # in the transaction, before the failure
        raise Abort

    real = queues.audit_updated
    monkeypatch.setattr(queues, "audit_updated", then_fail)
    with pytest.raises(Abort):
        queues.queue_update(queue=cast.queue, name="Renamed")
    assert written and entries(cast.instance) == []
    cast.queue.refresh_from_db()
    assert cast.queue.name == "Support"


def test_without_a_declared_actor_the_entry_names_the_system(cast):
    hours.hours_create(instance=cast.instance, name="Weekdays", config=NINE_TO_FIVE)
    entry = only_entry(cast.instance, resource_type="hours_of_operation")
    assert (entry.actor, entry.actor_label, entry.after["timezone"]) == (None, "system", "UTC")


def test_hours_routing_profiles_quick_connects_statuses_and_settings_each_write_entries(cast):
    with audit_acting(cast.admin):
        weekdays = hours.hours_create(instance=cast.instance, name="Weekdays", config=NINE_TO_FIVE)
        hours.hours_update(hours=weekdays, name="Weekdays", timezone="Europe/Paris", config=NINE_TO_FIVE)
        profile = routing_profiles.routing_profile_create(
            instance=cast.instance, name="Night", default_outbound_queue=cast.queue, queues=[ProfileQueue(cast.queue)]
        )
        routing_profiles.routing_profile_update(
            routing_profile=profile,
            name="Night",
            default_outbound_queue=cast.queue,
            task_concurrency=3,
            queues=[ProfileQueue(cast.queue, priority=2)],
        )
        quick_connects.quick_connect_create(
            instance=cast.instance, name="To Billing", type="QUEUE", queue=cast.other_queue
        )
        agent_statuses.agent_status_update(
            status=cast.break_status, name="Pause", type="CUSTOM", display_order=cast.break_status.display_order
        )
        instance_update(
            instance=cast.instance, timezone="Europe/Paris", active_task_quota=500, api_rate_per_second=2, api_burst=5
        )
    hours_update = only_entry(cast.instance, resource_type="hours_of_operation", action="UPDATE")
    assert (hours_update.before, hours_update.after) == ({"timezone": "UTC"}, {"timezone": "Europe/Paris"})
    profile_update = only_entry(cast.instance, resource_type="routing_profile", action="UPDATE")
    assert profile_update.before == {
        "queues": ["Support (TASK, priority 1, delay 0 s)"],
        "task_concurrency": 1,
    }
    assert profile_update.after == {"queues": ["Support (TASK, priority 2, delay 0 s)"], "task_concurrency": 3}
    assert only_entry(cast.instance, resource_type="quick_connect").after["queue"] == cast.other_queue.pk
    status = only_entry(cast.instance, resource_type="agent_status")
    assert (status.before, status.after) == ({"name": "Break"}, {"name": "Pause"})
    settings = only_entry(cast.instance, resource_type="instance")
    assert settings.after["active_task_quota"] == 500 and settings.actor == cast.admin


def test_a_user_change_says_the_password_changed_but_never_shows_it(cast):
    with audit_acting(cast.admin):
        user = users.user_create(
            instance=cast.instance, username="newbie", password="a much better secret 42", routing_profile=cast.profile
        )
        users.user_update(
            user=user,
            username="newbie",
            security_profiles=[cast.security_profiles["Agent"]],
            routing_profile=cast.profile,
            first_name="New",
            password="another long secret 43",
        )
    created, updated = entries(cast.instance, resource_type="user")
    assert created.after["username"] == "newbie" and "secret" not in str(created.after)
    assert updated.before == {"first_name": "", "password": "••••"}
    assert updated.after == {"first_name": "New", "password": "••••"}
    everything = str([(e.before, e.after, e.detail) for e in entries(cast.instance)])
    assert "secret" not in everything


def test_user_delete_names_the_admin_given_as_actor(cast):
    carol = cast.carol.username
    users.user_delete(user=cast.carol, actor=cast.admin)
    entry = only_entry(cast.instance, resource_type="user", action="DELETE")
    assert (entry.actor, entry.resource_name, entry.before["username"]) == (cast.admin, carol, carol)


def test_flows_record_their_content_by_digest_only(cast):
    with audit_acting(cast.admin):
        flow = flow_create(instance=cast.instance, name="Night flow", type="CONTACT_FLOW", content=flow_content())
        flow_save_content(flow=flow, content=flow_content(queue_id=cast.queue.id), publish=False)
        flow_delete(flow=flow)
    created, updated, deleted = entries(cast.instance, resource_type="flow")
    assert created.after["status"] == "PUBLISHED" and len(created.after["content_sha256"]) == 16
    assert "content_sha256" in updated.after and "published_content_sha256" not in updated.after
    assert deleted.before["name"] == "Night flow"
    assert "TransferContactToQueue" not in str(created.after)


def test_task_templates_write_entries(cast):
    with audit_acting(cast.admin):
        template = task_templates.task_template_create(
            instance=cast.instance, name="Callback", fields=[{"Id": {"Name": "Phone"}, "Type": "TEXT"}]
        )
        task_templates.task_template_update(template=template, status="INACTIVE")
        task_templates.task_template_delete(template=template)
    created, updated, deleted = entries(cast.instance, resource_type="task_template")
    assert created.after["fields"] == [{"Id": {"Name": "Phone"}, "Type": "TEXT"}]
    assert (updated.before, updated.after) == ({"status": "ACTIVE"}, {"status": "INACTIVE"})
    assert deleted.action == "DELETE" and deleted.resource_name == "Callback"


def test_api_keys_created_revoked_and_rotated_are_recorded_without_their_secret(cast):
    with audit_acting(cast.admin):
        key, secret = api_keys.api_key_create(instance=cast.instance, name="CRM")
        api_keys.api_key_revoke(api_key=key)
        api_keys.api_key_revoke(api_key=key)  # twice: nothing more happens, nothing more is recorded
    api_key_secrets_reencrypt(previous=[])
    created, revoked, rotated = entries(cast.instance, resource_type="api_key")
    assert (created.action, created.after["access_key_id"], created.actor) == ("CREATE", key.access_key_id, cast.admin)
    assert (revoked.detail, revoked.before) == ("Revoked", {"revoked_at": None})
    assert rotated.actor_label == "system" and "rotation" in rotated.detail
    assert secret not in str([(e.before, e.after, e.detail) for e in entries(cast.instance)])


def test_an_api_key_as_actor_is_named_by_its_access_key_id(cast):
    key, _secret = api_keys.api_key_create(instance=cast.instance)
    with audit_acting(ApiKey.objects.get(pk=key.pk)):
        agent_statuses.agent_status_create(instance=cast.instance, name="Training", type="CUSTOM")
    entry = only_entry(cast.instance, resource_type="agent_status")
    assert (entry.actor, entry.actor_label) == (None, f"API key {key.access_key_id}")
