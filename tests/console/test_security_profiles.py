"""Security profiles in the console: the permissions matrix creates and edits them, a profile users hold is not
deleted (the page names them), a user holds several and their permissions add up, a change of permissions is
felt on the next page, and every change is in the audit log."""

import pytest
from django.test import Client
from django.urls import reverse

from ccp.models import AuditEntry, SecurityProfile, User
from tests.factories import AgentFactory, UserFactory

pytestmark = pytest.mark.django_db


def profiles_of(user) -> list[str]:
    return sorted(p.name for p in User.objects.get(pk=user.pk).security_profiles.all())


def test_an_admin_creates_a_profile_from_the_permissions_matrix(admin_client, instance):
    page = admin_client.get(reverse("admin_console:security_profile_add")).content.decode()
    assert "<legend>Routing</legend>" in page and 'value="Queues.Edit"' in page
    response = admin_client.post(
        reverse("admin_console:security_profile_add"),
        {"name": "Team leads", "description": "Billing leads", "permissions": ["ContactSearch.View", "Queues.Edit"]},
    )
    assert response.status_code == 302
    profile = SecurityProfile.objects.get(instance=instance, name="Team leads")
    assert profile.permissions == ["ContactSearch.View", "Queues.View", "Queues.Edit"]
    entry = AuditEntry.objects.get(resource_type="security_profile", resource_id=profile.pk)
    assert entry.action == "CREATE" and entry.actor.username == "ada"
    edit = admin_client.get(reverse("admin_console:security_profile_edit", args=[profile.pk])).content.decode()
    assert 'value="Queues.Edit" checked' in edit and 'value="Users.Edit" checked' not in edit


def test_a_bad_name_or_a_taken_one_is_shown_beside_the_field(admin_client, instance, admin):
    for name, message in (("bad/name", "letters, digits"), ("Admin", "already called")):
        response = admin_client.post(reverse("admin_console:security_profile_add"), {"name": name})
        assert message in response.content.decode()
    assert SecurityProfile.objects.filter(instance=instance).count() == 4


def test_a_profile_users_hold_is_not_deleted_and_the_page_names_them(admin_client, instance):
    agent = AgentFactory(instance=instance, username="alex", first_name="Alex", last_name="Rivera")
    held = agent.security_profiles.get()
    response = admin_client.post(reverse("admin_console:security_profile_delete", args=[held.pk]))
    assert response.status_code == 409
    assert "Alex Rivera (alex)" in response.content.decode()
    assert SecurityProfile.objects.filter(pk=held.pk).exists()
    unused = SecurityProfile.objects.create(instance=instance, name="Spare")
    admin_client.post(reverse("admin_console:security_profile_delete", args=[unused.pk]))
    assert not SecurityProfile.objects.filter(pk=unused.pk).exists()
    assert AuditEntry.objects.filter(resource_id=unused.pk, action="DELETE").exists()


def test_a_user_holds_several_profiles_and_their_permissions_add_up(admin_client, instance, agent, client):
    analyst = SecurityProfile.objects.get(instance=instance, name="QualityAnalyst")
    agent_profile = SecurityProfile.objects.get(instance=instance, name="Agent")
    response = admin_client.post(
        reverse("admin_console:user_edit", args=[agent.pk]),
        {
            "username": agent.username,
            "security_profiles": [agent_profile.pk, analyst.pk],
            "routing_profile": agent.routing_profile.pk,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert profiles_of(agent) == ["Agent", "QualityAnalyst"]
    client.force_login(User.objects.get(pk=agent.pk))
    assert client.get(reverse("panel:panel")).status_code == 200
    assert client.get(reverse("admin_console:contact_search")).status_code == 200
    assert client.get(reverse("admin_console:queue_list")).status_code == 403
    update = AuditEntry.objects.get(resource_type="user", resource_id=agent.pk, action="UPDATE")
    assert update.after["security_profiles"] == ["Agent", "QualityAnalyst"]


def test_a_user_gains_and_loses_a_page_as_their_profile_changes(admin_client, instance):
    client = Client()
    leads = SecurityProfile.objects.create(instance=instance, name="Leads", permissions=["ContactSearch.View"])
    lead = UserFactory(instance=instance, username="lee", security_profile=[leads])
    client.force_login(lead)
    assert client.get(reverse("admin_console:queue_list")).status_code == 403
    admin_client.post(
        reverse("admin_console:security_profile_edit", args=[leads.pk]),
        {"name": "Leads", "permissions": ["ContactSearch.View", "Queues.View"]},
    )
    assert client.get(reverse("admin_console:queue_list")).status_code == 200
    nav = client.get(reverse("admin_console:dashboard")).content.decode()
    assert ">Queues<" in nav and ">Routing profiles<" not in nav and ">API keys<" not in nav
    admin_client.post(
        reverse("admin_console:security_profile_edit", args=[leads.pk]),
        {"name": "Leads", "permissions": ["ContactSearch.View"]},
    )
    refused = client.get(reverse("admin_console:queue_list"))
    assert refused.status_code == 403 and "not part of your security profile" in refused.content.decode()


def test_an_admin_cannot_take_the_right_to_edit_profiles_from_themselves(admin_client, instance, admin):
    admin_profile = SecurityProfile.objects.get(instance=instance, name="Admin")
    response = admin_client.post(
        reverse("admin_console:security_profile_edit", args=[admin_profile.pk]),
        {"name": "Admin", "permissions": ["Queues.View"]},
    )
    assert "your own permission to edit security profiles" in response.content.decode()
    assert "SecurityProfiles.Edit" in SecurityProfile.objects.get(pk=admin_profile.pk).permissions


def test_a_view_only_user_sees_the_list_without_add_edit_or_delete(instance, client):
    viewer = SecurityProfile.objects.create(instance=instance, name="Viewers", permissions=["SecurityProfiles.View"])
    client.force_login(UserFactory(instance=instance, username="vic", security_profile=[viewer]))
    page = client.get(reverse("admin_console:security_profile_list")).content.decode()
    assert "Viewers" in page and "Add security profile" not in page and "Delete" not in page


def test_a_quality_analyst_reads_a_contact_without_the_supervisor_actions(instance, client):
    from tests.factories import ContactFactory

    contact = ContactFactory(instance=instance, name="Ana's task")
    client.force_login(UserFactory(instance=instance, username="quinn", security_profile="QualityAnalyst"))
    page = client.get(reverse("admin_console:contact_detail", args=[contact.pk])).content.decode()
    assert "Ana&#x27;s task" in page or "Ana's task" in page
    assert 'id="supervisor-actions"' not in page
    assert client.post(reverse("admin_console:contact_action", args=[contact.pk, "end"])).status_code == 403
