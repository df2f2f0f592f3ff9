"""The contact summary shows every field, escapes what customers typed, and links only safe references."""

import pytest
from django.urls import reverse

from tests.factories import AgentFactory, ContactEventFactory, ContactFactory

pytestmark = pytest.mark.django_db


def summary(client, contact):
    response = client.get(reverse("admin_console:contact_detail", args=[contact.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_script_in_the_name_is_shown_as_text(supervisor_client, instance):
    contact = ContactFactory(
        instance=instance, name="<script>alert('x')</script>", description="<img src=x onerror=alert(1)>"
    )
    html = summary(supervisor_client, contact)
    assert "<script>alert(" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "<img src=x" not in html


def test_a_javascript_url_reference_is_not_a_link(supervisor_client, instance):
    contact = ContactFactory(
        instance=instance,
        references={
            "Evil": {"Type": "URL", "Value": "javascript:alert(document.cookie)"},
            "Sneaky": {"Type": "URL", "Value": " JavaScript:alert(1)"},
            "Ticket": {"Type": "URL", "Value": "https://tickets.example.com/42?a=1&b=2"},
        },
    )
    html = summary(supervisor_client, contact)
    assert 'href="javascript:' not in html.lower()
    assert 'href=" javascript:' not in html.lower()
    assert "javascript:alert(document.cookie)" in html
    assert '<a href="https://tickets.example.com/42?a=1&amp;b=2"' in html


def test_an_email_reference_is_a_mailto_link_and_a_bad_one_is_text(supervisor_client, instance):
    contact = ContactFactory(
        instance=instance,
        references={
            "Customer": {"Type": "EMAIL", "Value": "jo@example.com"},
            "Broken": {"Type": "EMAIL", "Value": "\"><script>x</script>"},
        },
    )
    html = summary(supervisor_client, contact)
    assert 'href="mailto:jo@example.com"' in html
    assert "<script>x</script>" not in html
    assert html.count("mailto:") == 1


def test_attributes_are_listed_as_a_table(supervisor_client, instance):
    contact = ContactFactory(instance=instance, attributes={"order": "42", "tier": "<b>gold</b>"})
    html = summary(supervisor_client, contact)
    assert '<th scope="row">order</th><td class="wrap">42</td>' in html
    assert "&lt;b&gt;gold&lt;/b&gt;" in html


def test_linked_contacts_are_links_both_ways(supervisor_client, instance):
    first = ContactFactory(instance=instance, name="First task")
    second = ContactFactory(instance=instance, name="Follow-up", previous_contact=first, initial_contact=first)
    html = summary(supervisor_client, second)
    assert f'href="{reverse("admin_console:contact_detail", args=[first.pk])}"' in html
    assert "Previous contact" in html
    html = summary(supervisor_client, first)
    assert "Next in chain" in html
    assert f'href="{reverse("admin_console:contact_detail", args=[second.pk])}"' in html


def test_the_event_timeline_and_flow_trace_are_shown(supervisor_client, instance):
    agent = AgentFactory(instance=instance, first_name="Bea", last_name="Jones")
    contact = ContactFactory(
        instance=instance,
        state="CONNECTED",
        agent=agent,
        flow_trace=[{"action": "set-queue", "type": "UpdateContactTargetQueue", "result": "Success"}],
    )
    ContactEventFactory(contact=contact, event="QUEUED", from_state="IN_FLOW", to_state="QUEUED")
    ContactEventFactory(
        contact=contact, event="CONNECTED", from_state="CONNECTING", to_state="CONNECTED", agent=agent,
        actor_type="agent", actor=agent,
    )
    html = summary(supervisor_client, contact)
    assert "IN_FLOW → QUEUED" in html
    assert "CONNECTING → CONNECTED" in html
    assert "agent: Bea Jones" in html
    assert "UpdateContactTargetQueue" in html


def test_times_are_shown_in_the_instance_timezone_with_the_zone(supervisor_client, instance):
    from django.utils import timezone

    instance.timezone = "America/New_York"
    instance.save()
    contact = ContactFactory(
        instance=instance, initiation_timestamp=timezone.datetime(2025, 7, 1, 16, 0, tzinfo=timezone.UTC)
    )
    html = summary(supervisor_client, contact)
    assert "2025-07-01 12:00:00 EDT" in html
    assert "Times in America/New_York" in html
