"""Hostile names, descriptions, attributes and references render as text in the contact summary and in
the contact search results."""

import pytest
from django.urls import reverse

from tests.factories import ContactFactory
from tests.hostile import ESCAPED_BREAKOUT, HOSTILE, assert_inert

pytestmark = pytest.mark.django_db


@pytest.fixture
def hostile(instance):
    return ContactFactory(instance=instance, **HOSTILE)


def test_the_contact_summary_shows_hostile_values_as_text(supervisor_client, hostile):
    html = supervisor_client.get(reverse("admin_console:contact_detail", args=[hostile.pk])).content.decode()
    assert_inert(html)
    assert f"Line one<br>{ESCAPED_BREAKOUT}" in html
    assert "javascript:alert(1)" in html  # shown, as text


@pytest.mark.parametrize("query", [{}, {"q": "alert"}])
def test_the_search_results_show_hostile_values_as_text(supervisor_client, hostile, query):
    response = supervisor_client.get(reverse("admin_console:contact_search"), query)
    assert_inert(response.content.decode())


def test_the_htmx_search_results_show_hostile_values_as_text(supervisor_client, hostile):
    response = supervisor_client.get(reverse("admin_console:contact_search"), {"q": "alert"}, HTTP_HX_REQUEST="true")
    assert_inert(response.content.decode())
