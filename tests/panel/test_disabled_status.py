"""A custom status disabled by the admin (Amazon Connect's State) leaves the agent's status menu and can't be
picked, until it is enabled again."""

import pytest

from ccp.services.configuration.agent_statuses import agent_status_settings, agent_status_update

pytestmark = pytest.mark.django_db(transaction=True)
HX = {"HTTP_HX_REQUEST": "true"}


def test_a_disabled_status_is_not_offered_nor_accepted(alice_client, cast):
    assert f'value="{cast.break_status.id}"' in alice_client.get("/ccp/").content.decode()
    agent_status_update(status=cast.break_status, **{**agent_status_settings(cast.break_status), "state": "DISABLED"})
    assert f'value="{cast.break_status.id}"' not in alice_client.get("/ccp/").content.decode()
    html = alice_client.post("/ccp/status/", {"status": cast.break_status.id}, **HX).content.decode()
    assert "Choose one of the statuses in the list." in html
    cast.alice.refresh_from_db()
    assert cast.alice.status.name == "Offline"
    agent_status_update(status=cast.break_status, **{**agent_status_settings(cast.break_status), "state": "ENABLED"})
    alice_client.post("/ccp/status/", {"status": cast.break_status.id}, **HX)
    cast.alice.refresh_from_db()
    assert cast.alice.status_id == cast.break_status.id
