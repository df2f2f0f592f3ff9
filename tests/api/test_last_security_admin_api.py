"""Through the API, as in the console: UpdateUserSecurityProfiles, DeleteUser and UpdateSecurityProfile are
refused (InvalidRequestException, 400) when they would leave the instance with no active user who may edit
security profiles, and nothing changes."""

import pytest

from ccp.models import AuditEntry, SecurityProfile, User
from ccp.services.configuration.security_profiles import security_profiles_ensure
from tests.api.wire import expect_error
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def ada(instance):
    security_profiles_ensure(instance=instance)
    return UserFactory(instance=instance, username="ada", security_profile=SecurityProfile.ADMIN)


def _still_admin(ada: User, audits: int) -> None:
    assert User.objects.get(pk=ada.pk).may("SecurityProfiles.Edit")
    assert AuditEntry.objects.count() == audits


def test_the_last_admin_keeps_their_profile_and_their_account(connect, instance, ada):
    viewers = SecurityProfile.objects.create(instance=instance, name="Viewers", permissions=["Queues.View"])
    admin_profile = SecurityProfile.objects.get(instance=instance, name="Admin")
    audits = AuditEntry.objects.count()
    for call, params in (
        ("update_user_security_profiles", {"UserId": ada.pk, "SecurityProfileIds": [viewers.pk]}),
        ("delete_user", {"UserId": ada.pk}),
        ("update_security_profile", {"SecurityProfileId": admin_profile.pk, "Permissions": ["Queues.View"]}),
    ):
        message = expect_error(
            lambda call=call, params=params: getattr(connect, call)(InstanceId=instance.id, **params),
            "InvalidRequestException",
            400,
        )
        assert "No active user would be left who may edit security profiles" in message
        _still_admin(ada, audits)


def test_with_another_admin_the_same_calls_go_through(connect, instance, ada):
    UserFactory(instance=instance, username="bo", security_profile=SecurityProfile.ADMIN)
    viewers = SecurityProfile.objects.create(instance=instance, name="Viewers", permissions=["Queues.View"])
    connect.update_user_security_profiles(InstanceId=instance.id, UserId=ada.pk, SecurityProfileIds=[viewers.pk])
    assert not User.objects.get(pk=ada.pk).may("SecurityProfiles.Edit")
    connect.delete_user(InstanceId=instance.id, UserId=ada.pk)
    assert not User.objects.filter(pk=ada.pk).exists()
