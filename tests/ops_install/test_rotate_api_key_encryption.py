"""Rotating API_KEY_ENCRYPTION_KEY: stored secrets are re-encrypted under the new key and still sign requests."""

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError

from ccp.models import ApiKey
from ccp.services.api_keys import ApiKeySecretUnreadable, api_key_create, api_key_secret
from tests.api.wire import client_for
from tests.factories import InstanceFactory

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


@pytest.fixture
def keys(db, settings):
    settings.API_KEY_ENCRYPTION_KEY = OLD
    instance = InstanceFactory()
    return instance, [api_key_create(instance=instance, name=f"key {n}") for n in range(3)]


def stored() -> dict[str, str]:
    return dict(ApiKey.objects.values_list("access_key_id", "secret_encrypted"))


def test_after_rotation_every_secret_reads_back_under_the_new_key(keys, settings):
    _, created = keys
    before = stored()
    settings.API_KEY_ENCRYPTION_KEY = NEW
    with pytest.raises(ApiKeySecretUnreadable):
        api_key_secret(created[0][0])
    call_command("rotate_api_key_encryption", f"--old-key={OLD}")
    assert all(stored()[k.access_key_id] != before[k.access_key_id] for k, _ in created)
    for api_key, secret in created:
        api_key.refresh_from_db()
        assert api_key_secret(api_key) == secret
    # The old key no longer opens them: rotation is complete.
    settings.API_KEY_ENCRYPTION_KEY = OLD
    with pytest.raises(ApiKeySecretUnreadable):
        api_key_secret(ApiKey.objects.first())


def test_the_previous_key_can_come_from_the_environment_setting(keys, settings):
    _, created = keys
    settings.API_KEY_ENCRYPTION_KEY, settings.API_KEY_ENCRYPTION_KEY_PREVIOUS = NEW, OLD
    call_command("rotate_api_key_encryption")
    api_key, secret = created[1]
    api_key.refresh_from_db()
    assert api_key_secret(api_key) == secret


def test_secrets_derived_from_an_old_secret_key_move_to_an_explicit_key(db, settings):
    settings.API_KEY_ENCRYPTION_KEY, settings.SECRET_KEY = "", "the-old-secret-key-" + "q" * 40
    api_key, secret = api_key_create(instance=InstanceFactory())
    settings.API_KEY_ENCRYPTION_KEY = NEW
    call_command("rotate_api_key_encryption", "--old-secret-key", "the-old-secret-key-" + "q" * 40)
    api_key.refresh_from_db()
    assert api_key_secret(api_key) == secret


def test_a_wrong_old_key_changes_nothing_and_says_which_keys_it_could_not_read(keys, settings):
    _, created = keys
    before = stored()
    settings.API_KEY_ENCRYPTION_KEY = NEW
    with pytest.raises(CommandError, match="nothing was changed") as info:
        call_command("rotate_api_key_encryption", f"--old-key={Fernet.generate_key().decode()}")
    assert created[0][0].access_key_id in str(info.value)
    assert stored() == before


def test_an_old_key_that_is_not_a_fernet_key_is_refused(keys, settings):
    before = stored()
    with pytest.raises(CommandError, match="not a Fernet key"):
        call_command("rotate_api_key_encryption", "--old-key", "hunter2")
    assert stored() == before


@pytest.mark.django_db(transaction=True)
def test_a_rotated_secret_still_signs_api_requests(live_server, settings):
    settings.API_KEY_ENCRYPTION_KEY = OLD
    instance = InstanceFactory(api_rate_per_second=1000, api_burst=1000)
    api_key, secret = api_key_create(instance=instance)
    settings.API_KEY_ENCRYPTION_KEY, settings.API_KEY_ENCRYPTION_KEY_PREVIOUS = NEW, OLD
    call_command("rotate_api_key_encryption")
    connect = client_for(live_server.url, api_key.access_key_id, secret)
    assert connect.list_queues(InstanceId=instance.id)["QueueSummaryList"] == []


def test_an_integrations_webhook_secret_is_rotated_too(db, settings, client, caplog):
    from ccp.models import AuditEntry, Integration
    from ccp.services.applications import integration_create
    from tests.rules.test_webhooks import zendesk_post

    settings.API_KEY_ENCRYPTION_KEY = OLD
    integration, secret = integration_create(instance=InstanceFactory(), name="Zendesk", application="ZENDESK")
    event = {"EventType": "TicketCreate", "Id": 4711, "Subject": "Refund"}
    settings.API_KEY_ENCRYPTION_KEY = NEW
    # Before the rotation the secret can't be read: the sender gets a clear 401, the operator a log line.
    refused = zendesk_post(client, integration, secret, event)
    assert refused.status_code == 401 and "unreadable on the server" in refused.json()["message"]
    assert "rotate_api_key_encryption" in caplog.text
    before = Integration.objects.get(pk=integration.pk).secret_encrypted
    call_command("rotate_api_key_encryption", f"--old-key={OLD}")
    assert Integration.objects.get(pk=integration.pk).secret_encrypted != before
    assert zendesk_post(client, integration, secret, event).status_code == 200
    assert AuditEntry.objects.filter(resource_type="Integration", resource_id=integration.pk, action="UPDATE").exists()


def test_an_unreadable_integration_secret_stops_the_rotation_before_anything_is_written(keys, settings):
    from ccp.models import Integration
    from ccp.services.applications import integration_create

    instance, _ = keys
    settings.API_KEY_ENCRYPTION_KEY = Fernet.generate_key().decode()  # a key nobody will give as the old one
    integration_create(instance=instance, name="Lost", application="GENERIC")
    before = stored(), list(Integration.objects.values_list("secret_encrypted", flat=True))
    settings.API_KEY_ENCRYPTION_KEY = NEW
    with pytest.raises(CommandError, match="integration 'Lost'"):
        call_command("rotate_api_key_encryption", f"--old-key={OLD}")
    assert (stored(), list(Integration.objects.values_list("secret_encrypted", flat=True))) == before
