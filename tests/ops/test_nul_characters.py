"""A NUL character in a page's path or in a form or query value is the client's mistake: 404 or 400, never a
database error (PostgreSQL text cannot hold one), and nothing is written."""

import pytest

from ccp.models import Queue

pytestmark = pytest.mark.django_db


def test_a_nul_in_a_console_path_is_not_found(cast, client):
    client.force_login(cast.admin)
    response = client.get("/console/hours/abc\x00def/edit/")
    assert response.status_code == 404


def test_a_nul_in_a_posted_form_value_is_a_bad_request_and_writes_nothing(cast, client):
    client.force_login(cast.admin)
    before = Queue.objects.count()
    response = client.post("/console/queues/add/", {"name": "Sales\x00", "description": ""})
    assert response.status_code == 400
    assert "That request could not be read" in response.content.decode()
    assert Queue.objects.count() == before


def test_a_nul_in_a_query_value_is_a_bad_request(cast, client):
    client.force_login(cast.admin)
    assert client.get("/console/contacts/", {"name": "a\x00b"}).status_code == 400
