"""The last active user who may edit security profiles (SecurityProfiles.Edit) keeps that right: deleting them,
deactivating them or taking their profile away is refused with a message, and nothing changes. A user manager
(Users.Edit only) tries each in the console; with a second admin the same change goes through."""

import re

import pytest
from django.urls import reverse

from ccp.errors import InvalidRequest
from ccp.models import AuditEntry, SecurityProfile, User
from ccp.services.configuration.security_profiles import LAST_ADMIN_MESSAGE, security_profile_update
from ccp.services.configuration.users import user_change, user_delete
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

REFUSAL = "No active user would be left who may edit security profiles"


@pytest.fixture
def manager_client(client, instance, admin):
    """Uma manages users (Users.Edit) but may not edit security profiles herself."""
    managers = SecurityProfile.objects.create(
        instance=instance, name="User managers", permissions=["Users.View", "Users.Edit"]
    )
    client.force_login(UserFactory(instance=instance, username="uma", security_profile=[managers]))
    return client


def _form(user: User, **changes) -> dict:
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": "",
        "security_profiles": [p.pk for p in user.security_profiles.all()],
        "routing_profile": "",
        "phone_number": "",
        "timezone": "",
        "is_active": "on",
        "password": "",
        "phone_type": "SOFT_PHONE",
        "after_contact_work_time_limit": "0",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _untouched(admin: User, audits_before: int) -> None:
    admin = User.objects.get(pk=admin.pk)
    assert admin.is_active
    assert admin.may("SecurityProfiles.Edit")
    assert AuditEntry.objects.count() == audits_before


def test_deleting_the_last_admin_is_refused_and_they_stay(manager_client, admin):
    audits = AuditEntry.objects.count()
    response = manager_client.post(reverse("admin_console:user_delete", args=[admin.pk]), follow=True)
    assert REFUSAL in response.content.decode()
    _untouched(admin, audits)


def test_deactivating_the_last_admin_is_refused_beside_the_form(manager_client, admin):
    audits = AuditEntry.objects.count()
    response = manager_client.post(reverse("admin_console:user_edit", args=[admin.pk]), _form(admin, is_active=None))
    assert REFUSAL in response.content.decode()
    _untouched(admin, audits)


def test_taking_the_last_admins_profile_away_is_refused(manager_client, instance, admin):
    viewers = SecurityProfile.objects.create(instance=instance, name="Viewers", permissions=["Queues.View"])
    audits = AuditEntry.objects.count()
    response = manager_client.post(
        reverse("admin_console:user_edit", args=[admin.pk]), _form(admin, security_profiles=[viewers.pk])
    )
    assert REFUSAL in response.content.decode()
    _untouched(admin, audits)
    assert [p.name for p in User.objects.get(pk=admin.pk).security_profiles.all()] == ["Admin"]


def test_with_a_second_active_admin_the_first_can_be_deactivated_and_deleted(manager_client, instance, admin):
    UserFactory(instance=instance, username="bo", security_profile=SecurityProfile.ADMIN)
    manager_client.post(reverse("admin_console:user_edit", args=[admin.pk]), _form(admin, is_active=None))
    assert not User.objects.get(pk=admin.pk).is_active
    manager_client.post(reverse("admin_console:user_delete", args=[admin.pk]))
    assert not User.objects.filter(pk=admin.pk).exists()


def test_an_inactive_admin_does_not_count_as_the_one_left(manager_client, instance, admin):
    UserFactory(instance=instance, username="bo", security_profile=SecurityProfile.ADMIN, is_active=False)
    response = manager_client.post(reverse("admin_console:user_delete", args=[admin.pk]), follow=True)
    assert REFUSAL in response.content.decode()
    assert User.objects.filter(pk=admin.pk).exists()


def test_a_profile_edit_that_leaves_nobody_with_the_right_is_refused_even_without_an_actor(instance, admin):
    admin_profile = SecurityProfile.objects.get(instance=instance, name="Admin")
    with pytest.raises(InvalidRequest, match=re.escape(LAST_ADMIN_MESSAGE)):
        security_profile_update(profile=admin_profile, permissions=["Queues.View"], actor_label="API")
    assert "SecurityProfiles.Edit" in SecurityProfile.objects.get(pk=admin_profile.pk).permissions


def test_the_services_refuse_without_an_actor_as_the_api_calls_them(instance, admin):
    viewers = SecurityProfile.objects.create(instance=instance, name="Viewers", permissions=["Queues.View"])
    with pytest.raises(InvalidRequest):
        user_change(user=admin, security_profiles=[viewers], actor_label="API")
    with pytest.raises(InvalidRequest):
        user_change(user=User.objects.get(pk=admin.pk), is_active=False, actor_label="API")
    with pytest.raises(InvalidRequest):
        user_delete(user=User.objects.get(pk=admin.pk), actor_label="API")
    _untouched(admin, 0)


def test_changing_someone_who_is_not_an_admin_is_never_held_up(instance, agent, admin):
    # An instance may have no admin at all (made by a test or a script): unrelated users still change.
    User.objects.filter(pk=admin.pk).update(is_active=False)
    user_change(user=agent, is_active=False, actor_label="API")
    assert not User.objects.get(pk=agent.pk).is_active
