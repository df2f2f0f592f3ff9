"""403, 404 and 500 look like the product; API paths keep their AWS JSON errors."""

import pytest
from django.template import loader
from django.test import RequestFactory, override_settings

from ccp.ops.logs import request_id_var
from ccp.ops.views import server_error
from tests.factories import AgentFactory, InstanceFactory

PRODUCT_FRAME = ('<span class="brand-mark" aria-hidden="true">TC</span> Task Center', "/static/css/app.css")


def looks_like_the_product(html: str) -> bool:
    return all(piece in html for piece in PRODUCT_FRAME)


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_a_missing_page_gets_the_products_404_page(client):
    response = client.get("/console/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert looks_like_the_product(html)
    assert "<h1>Page not found</h1>" in html


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_an_agent_opening_a_console_page_gets_the_products_403_page(client):
    agent = AgentFactory(instance=InstanceFactory(), username="alex")
    client.force_login(agent)
    response = client.get("/console/queues/")
    assert response.status_code == 403
    html = response.content.decode()
    assert looks_like_the_product(html)
    assert "<h1>Not allowed</h1>" in html
    assert "signed in as <strong>alex</strong>" in html


def test_the_500_page_renders_with_no_request_no_context_and_no_database():
    # No django_db mark: a query would fail this test.
    html = loader.get_template("500.html").render()
    assert looks_like_the_product(html)
    assert "<h1>Something went wrong</h1>" in html


def test_the_500_page_quotes_the_request_id_to_give_an_admin():
    token = request_id_var.set("req-5xx-1")
    try:
        response = server_error(RequestFactory().get("/ccp/"))
    finally:
        request_id_var.reset(token)
    assert response.status_code == 500
    assert "req-5xx-1" in response.content.decode()


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_an_api_path_still_answers_errors_in_aws_json(client):
    response = client.post(
        "/contact/task", HTTP_AUTHORIZATION="AWS4-HMAC-SHA256 Credential=nobody/20260101/us-east-1/connect/aws4_request"
    )
    assert response["Content-Type"].startswith("application/json")
    assert "Task Center" not in response.content.decode()
    assert response.status_code in (401, 403)


@pytest.mark.django_db
@override_settings(DEBUG=False, ROOT_URLCONF="tests.ops.broken_urls")
def test_a_failing_page_answers_with_the_products_500_page_and_its_request_id(client):
    client.raise_request_exception = False
    response = client.get("/broken/", headers={"X-Request-Id": "req-broken-1"})
    assert response.status_code == 500
    html = response.content.decode()
    assert looks_like_the_product(html)
    assert "req-broken-1" in html


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_a_form_posted_without_its_csrf_token_gets_the_products_page():
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post("/login/", {"username": "alex", "password": "x"})
    assert response.status_code == 403
    html = response.content.decode()
    assert looks_like_the_product(html)
    assert "<h1>This form has expired</h1>" in html
