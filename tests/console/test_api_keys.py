"""API keys: the secret is shown once, at creation; revoking asks first."""

import pytest
from django.urls import reverse

from ccp.models import ApiKey
from ccp.services.api_keys import api_key_create, api_key_secret

pytestmark = pytest.mark.django_db


def test_creating_a_key_shows_its_secret_once(admin_client, instance):
    response = admin_client.post(reverse("admin_console:api_key_add"), {"name": "CRM sync"})
    key = ApiKey.objects.get(instance=instance, name="CRM sync")
    secret = api_key_secret(key)
    assert secret in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    assert secret not in admin_client.get(reverse("admin_console:api_key_list")).content.decode()
    assert key.access_key_id in admin_client.get(reverse("admin_console:api_key_list")).content.decode()


def test_revoking_a_key_asks_first_then_revokes(admin_client, instance):
    key, _secret = api_key_create(instance=instance, name="Old")
    confirm = admin_client.get(reverse("admin_console:api_key_revoke", args=[key.pk]))
    assert "Revoke API key" in confirm.content.decode()
    key.refresh_from_db()
    assert key.is_active
    admin_client.post(reverse("admin_console:api_key_revoke", args=[key.pk]))
    key.refresh_from_db()
    assert not key.is_active


def test_another_instances_key_is_neither_listed_nor_revocable(admin_client, other_instance):
    key, _secret = api_key_create(instance=other_instance, name="Theirs")
    assert key.access_key_id not in admin_client.get(reverse("admin_console:api_key_list")).content.decode()
    assert admin_client.post(reverse("admin_console:api_key_revoke", args=[key.pk])).status_code == 404
    key.refresh_from_db()
    assert key.is_active


def test_a_supervisor_cannot_create_keys(supervisor_client, instance):
    assert supervisor_client.post(reverse("admin_console:api_key_add"), {"name": "x"}).status_code == 403
    assert not ApiKey.objects.filter(instance=instance).exists()
