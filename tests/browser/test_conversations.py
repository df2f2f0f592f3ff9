"""A chat started through the API is offered, accepted, and its transcript appears in the agent's pane as
segments arrive through the API — pushed over the websocket, no reload."""

import pytest
from playwright.sync_api import expect

from tests.api.wire import client_for, segments_put, transcript
from tests.browser.conftest import login, screenshot

pytestmark = pytest.mark.browser


def test_a_chat_started_through_the_api_shows_its_transcript_live(page, live, live_cast):
    api = live.call("chats_enable", alias=live_cast["alias"])
    watch = login(page, live, live_cast["users"]["alice"], live_cast["password"])
    page.get_by_label("Status").select_option(label="Available")
    expect(page.get_by_text("Waiting for tasks")).to_be_visible()

    connect = client_for(live.url, api["access_key_id"], api["secret"])
    contact_id = connect.start_chat_contact(
        InstanceId=api["instance_id"],
        ContactFlowId=api["flow_id"],
        ParticipantDetails={"DisplayName": "Ana <Customer>"},
        InitialMessage={"ContentType": "text/plain", "Content": "Hello, my parcel is late"},
    )["ContactId"]

    tile = page.locator(f'[data-contact-id="{contact_id}"]')
    expect(tile.locator(".ccp-channel")).to_have_text("Chat")
    expect(tile).to_contain_text("Ana <Customer>")
    tile.get_by_role("button", name="Accept").click()
    pane = page.locator(f"#pane-{contact_id}")
    expect(tile).to_contain_text("Connected")
    expect(pane.locator(".ccp-line")).to_have_count(1)
    expect(pane.locator(".ccp-line").first).to_contain_text("Hello, my parcel is late")

    marker = page.evaluate("() => { window.__noReload = 'still here'; return window.__noReload; }")
    status, _error, _body = segments_put(
        live.url,
        access_key_id=api["access_key_id"],
        secret=api["secret"],
        instance_id=api["instance_id"],
        contact_id=contact_id,
        segments=[
            transcript("a1", "Sorry about that, let me look.", role="AGENT", begin=2000),
            transcript("c2", "<b>Thanks</b>", begin=4000, sentiment="POSITIVE"),
        ],
    )
    assert status == 200
    lines = pane.locator(".ccp-line")
    expect(lines).to_have_count(3)
    expect(lines.nth(1).locator(".ccp-speaker")).to_have_text("Agent")
    expect(lines.nth(1)).to_contain_text("Sorry about that, let me look.")
    expect(lines.nth(2).locator(".ccp-line-text")).to_have_text("<b>Thanks</b>")
    expect(lines.nth(2).locator(".ccp-sentiment")).to_have_text("Positive")
    assert page.evaluate("() => window.__noReload") == marker
    screenshot(page, "conversation-transcript")

    pane.get_by_role("button", name="End chat").click()
    expect(tile).to_contain_text("After contact work")
    expect(pane.get_by_role("button", name="Close contact")).to_be_visible()
    assert watch.unexpected() == []
