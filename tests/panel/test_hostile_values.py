"""Hostile names, descriptions, attributes and references render as text everywhere the panel shows
them: the offer tile, the details pane, the transfer dialog and the number pad."""

import pytest

from ccp.models import ContactState
from tests.factories import ContactFactory
from tests.hostile import ESCAPED_BREAKOUT, ESCAPED_SCRIPT, HOSTILE, assert_inert

pytestmark = pytest.mark.django_db(transaction=True)
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def hostile(cast):
    return ContactFactory(
        instance=cast.instance, queue=cast.queue, agent=cast.alice, state=ContactState.CONNECTED, **HOSTILE
    )


def test_the_details_pane_shows_hostile_values_as_text(alice_client, hostile):
    html = alice_client.get("/ccp/").content.decode()
    assert_inert(html)
    # The description keeps its line break and its escaping.
    assert f"Line one<br>{ESCAPED_BREAKOUT}" in html


def test_the_htmx_state_shows_hostile_values_as_text(alice_client, hostile):
    assert_inert(alice_client.get("/ccp/", **HX).content.decode())


def test_an_offer_with_a_hostile_name_is_inert(alice_client, cast):
    ContactFactory(
        instance=cast.instance, queue=cast.queue, agent=cast.alice, state=ContactState.CONNECTING, **HOSTILE
    )
    html = alice_client.get("/ccp/", **HX).content.decode()
    assert_inert(html)
    assert f'data-offer-name="{ESCAPED_SCRIPT}"' in html


@pytest.mark.parametrize("dialog", ["transfer", "numpad"])
def test_the_dialogs_show_a_hostile_name_as_text(alice_client, hostile, dialog):
    html = alice_client.get(f"/ccp/contacts/{hostile.id}/{dialog}/", **HX).content.decode()
    assert_inert(html, shows=(ESCAPED_SCRIPT,))
