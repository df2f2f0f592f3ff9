"""Supervisors find contacts by time, channel, state, queue, agent and text (paging and the other filters:
test_contact_search_page.py)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import AgentFactory, ContactFactory, QueueFactory

pytestmark = pytest.mark.django_db

URL = reverse("admin_console:contact_search")


def search(client, **params):
    return client.get(URL, params).content.decode()


def test_search_by_text_matches_name_and_description(supervisor_client, instance):
    ContactFactory(instance=instance, name="Refund for order 42")
    ContactFactory(instance=instance, name="Callback", description="Customer wants a refund")
    ContactFactory(instance=instance, name="Password reset")
    html = search(supervisor_client, q="refund")
    assert "Refund for order 42" in html
    assert "Callback" in html
    assert "Password reset" not in html


def test_search_by_state_channel_queue_and_agent(supervisor_client, instance):
    billing = QueueFactory(instance=instance, name="Billing")
    agent = AgentFactory(instance=instance, first_name="Bea", last_name="Jones")
    ContactFactory(instance=instance, name="Waiting in billing", queue=billing)
    ContactFactory(instance=instance, name="With Bea", state="CONNECTED", agent=agent, queue=billing)
    ContactFactory(instance=instance, name="A call", channel="VOICE")
    assert "With Bea" in search(supervisor_client, state="active", queue=billing.pk)
    assert "Waiting in billing" in search(supervisor_client, state="active", queue=billing.pk)
    assert "Waiting in billing" not in search(supervisor_client, state="ended", queue=billing.pk)
    html = search(supervisor_client, agent=agent.pk)
    assert "With Bea" in html and "Waiting in billing" not in html
    html = search(supervisor_client, channel="VOICE")
    assert "A call" in html and "With Bea" not in html


def test_search_by_time_range_in_the_instances_timezone(supervisor_client, instance):
    instance.timezone = "Europe/Paris"
    instance.save()
    # 09:30 in Paris (CET in January) is 08:30 UTC.
    at = timezone.datetime(2025, 1, 15, 8, 30, tzinfo=timezone.UTC)
    ContactFactory(instance=instance, name="Morning task", initiation_timestamp=at)
    ContactFactory(instance=instance, name="Older task", initiation_timestamp=at - timedelta(days=2))
    html = search(supervisor_client, start="2025-01-15T09:00", end="2025-01-15T10:00")
    assert "Morning task" in html
    assert "Older task" not in html
    assert "2025-01-15 09:30 CET" in html


def test_an_end_before_the_start_is_explained(supervisor_client, instance):
    ContactFactory(instance=instance, name="Anything")
    html = search(supervisor_client, start="2025-01-15T10:00", end="2025-01-15T09:00")
    assert "“To” is before “From”." in html
    assert "Anything" not in html


def test_searching_with_htmx_returns_only_the_results(supervisor_client, instance):
    ContactFactory(instance=instance, name="Only this")
    response = supervisor_client.get(URL, {"q": "only"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="results"')
    assert "Only this" in html
