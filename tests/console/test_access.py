"""Who may open which console page: agents none, supervisors analytics only, admins everything."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

CONFIGURATION_PAGES = [
    "admin_console:queue_list",
    "admin_console:queue_add",
    "admin_console:routing_profile_list",
    "admin_console:routing_profile_add",
    "admin_console:quick_connect_list",
    "admin_console:quick_connect_add",
    "admin_console:hours_list",
    "admin_console:hours_add",
    "admin_console:flow_list",
    "admin_console:flow_add",
    "admin_console:task_template_list",
    "admin_console:task_template_add",
    "admin_console:user_list",
    "admin_console:user_add",
    "admin_console:agent_status_list",
    "admin_console:agent_status_add",
    "admin_console:instance_settings",
    "admin_console:api_key_list",
]
ANALYTICS_PAGES = [
    "admin_console:dashboard",
    "admin_console:contact_search",
    "admin_console:realtime",
]


@pytest.mark.parametrize("page", CONFIGURATION_PAGES + ANALYTICS_PAGES)
def test_an_agent_is_refused_every_console_page(agent_client, page):
    assert agent_client.get(reverse(page)).status_code == 403


@pytest.mark.parametrize("page", CONFIGURATION_PAGES)
def test_a_supervisor_is_refused_configuration_pages(supervisor_client, page):
    assert supervisor_client.get(reverse(page)).status_code == 403


@pytest.mark.parametrize("page", ANALYTICS_PAGES)
def test_a_supervisor_opens_analytics_pages(supervisor_client, page):
    assert supervisor_client.get(reverse(page)).status_code == 200


@pytest.mark.parametrize("page", CONFIGURATION_PAGES + ANALYTICS_PAGES)
def test_an_admin_opens_every_console_page(admin_client, page):
    assert admin_client.get(reverse(page)).status_code == 200


def test_a_supervisor_sees_only_analytics_in_the_navigation(supervisor_client):
    html = supervisor_client.get(reverse("admin_console:dashboard")).content.decode()
    assert "Contact search" in html
    assert "Real-time metrics" in html
    assert "Routing profiles" not in html
    assert "API keys" not in html


def test_a_supervisor_cannot_post_to_a_configuration_page(supervisor_client, instance):
    response = supervisor_client.post(reverse("admin_console:queue_add"), {"name": "Sneaky"})
    assert response.status_code == 403
    assert not instance.queues.filter(name="Sneaky").exists()


def test_a_visitor_who_is_not_signed_in_is_sent_to_the_login_page(client):
    response = client.get(reverse("admin_console:queue_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_login_page_shows_the_product_name(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "Task Center" in response.content.decode()
    assert 'name="password"' in response.content.decode()


def test_signing_in_as_an_admin_lands_on_the_console(client, admin):
    response = client.post(
        reverse("login"), {"username": "ada", "password": "correct horse battery staple"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("admin_console:dashboard")
    assert "Overview" in response.content.decode()
