"""The user page edits the phone config (as UpdateUserPhoneConfig does): phone type, auto-accept and the
after-contact-work time limit; the change is audited, and the agent's next task follows it in the panel."""

import pytest
from django.test import Client
from django.urls import reverse

from ccp.models import AuditEntry, Contact, ContactState, User
from ccp.services.tasks import task_start

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def admin_client(client, cast):
    client.force_login(cast.admin)
    return client


def _form(user: User, **changes) -> dict:
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "security_profiles": [p.pk for p in user.security_profiles.all()],
        "routing_profile": user.routing_profile_id or "",
        "is_active": "on",
        "password": "",
    }
    data.update(changes)
    return data


def test_an_admin_sets_auto_accept_and_an_after_contact_work_limit(admin_client, cast):
    bob = cast.bob
    page = admin_client.get(reverse("admin_console:user_edit", args=[bob.pk])).content.decode()
    assert "Auto-accept" in page and "After-contact work time limit (seconds)" in page

    admin_client.post(
        reverse("admin_console:user_edit", args=[bob.pk]),
        _form(bob, phone_type="DESK_PHONE", auto_accept="on", after_contact_work_time_limit="45"),
    )
    bob.refresh_from_db()
    assert (bob.phone_type, bob.auto_accept, bob.after_contact_work_time_limit) == ("DESK_PHONE", True, 45)
    entry = AuditEntry.objects.filter(resource_type="user", resource_id=bob.pk).latest("at", "id")
    assert entry.before["auto_accept"] is False and entry.after["auto_accept"] is True
    assert entry.after["after_contact_work_time_limit"] == 45


def test_an_auto_accepted_task_shows_connected_in_the_agents_panel(admin_client, cast):
    agent = cast.agent(available=False)
    admin_client.post(reverse("admin_console:user_edit", args=[agent.pk]), _form(agent, auto_accept="on"))
    panel = Client()
    panel.force_login(User.objects.get(pk=agent.pk))
    cast.available(agent)
    task_start(instance=cast.instance, name="Call back Mrs Lima", contact_flow=cast.flow)
    page = panel.get(reverse("panel:panel")).content.decode()
    assert "Call back Mrs Lima" in page
    task = Contact.objects.get(name="Call back Mrs Lima")
    assert task.state == ContactState.CONNECTED
    assert "Connected" in page and reverse("panel:contact_accept", args=[task.id]) not in page


def test_a_negative_limit_is_refused_beside_the_field(admin_client, cast):
    bob = cast.bob
    response = admin_client.post(
        reverse("admin_console:user_edit", args=[bob.pk]), _form(bob, after_contact_work_time_limit="-1")
    )
    assert 'id="id_after_contact_work_time_limit_error"' in response.content.decode()
    assert User.objects.get(pk=bob.pk).after_contact_work_time_limit == 0
