"""A configuration change made through the API is in the audit log under the access key that signed it."""

import pytest

from ccp.models import AuditEntry, Queue

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_queue_deleted_through_the_api_names_the_access_key(connect, key, instance):
    queue = Queue.objects.create(instance=instance, name="Old queue")
    connect.delete_queue(InstanceId=instance.id, QueueId=queue.id)
    entry = AuditEntry.objects.get(instance=instance, resource_type="queue")
    assert (entry.action, entry.actor, entry.actor_label) == ("DELETE", None, f"API key {key[0].access_key_id}")
