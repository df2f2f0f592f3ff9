import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login, screenshot

pytestmark = pytest.mark.browser


def go_available(page) -> None:
    page.get_by_label("Status").select_option(label="Available")
    expect(page.get_by_text("Waiting for tasks")).to_be_visible()


def accept_first_offer(page, task_id: str):
    tile = page.locator(f'[data-contact-id="{task_id}"]')
    tile.get_by_role("button", name="Accept").click()
    expect(tile).to_contain_text("Connected")
    return page.locator(f"#pane-{task_id}")


def test_a_task_transferred_to_an_agent_reaches_them_and_leaves_me(browser, live, live_cast):
    alice_ctx, bob_ctx = browser.new_context(viewport={"width": 1366, "height": 768}), browser.new_context()
    alice, bob = alice_ctx.new_page(), bob_ctx.new_page()
    alice_watch = login(alice, live, live_cast["users"]["alice"], live_cast["password"])
    bob_watch = login(bob, live, live_cast["users"]["bob"], live_cast["password"])
    go_available(alice)
    task_id = live.call("task_create", alias=live_cast["alias"], name="Escalate refund")
    pane = accept_first_offer(alice, task_id)
    go_available(bob)  # after Alice holds the task, so the new contact goes to Bob
    pane.get_by_role("button", name="Transfer").click()
    dialog = alice.get_by_role("dialog")
    expect(dialog.get_by_text("Billing queue")).to_be_visible()
    dialog.get_by_label("Search quick connects").fill("bob")
    expect(dialog.get_by_text("Billing queue")).to_be_hidden()
    screenshot(alice, "05-transfer-dialog")
    dialog.get_by_text("Bob Builder").click()
    dialog.get_by_role("button", name="Transfer").click()
    expect(dialog).to_be_hidden()
    expect(alice.locator(f'[data-contact-id="{task_id}"]')).to_have_count(0)
    new = live.call("contacts_find", alias=live_cast["alias"], previous=task_id)[0]
    bob_tile = bob.locator(f'[data-contact-id="{new["id"]}"]')
    expect(bob_tile.get_by_role("button", name="Accept")).to_be_visible()
    expect(bob_tile).to_contain_text("Escalate refund")
    assert alice_watch.unexpected() == [] and bob_watch.unexpected() == []
    alice_ctx.close()
    bob_ctx.close()


def test_a_task_transferred_to_a_queue_reaches_an_agent_serving_that_queue(browser, live, live_cast):
    alice_ctx, carol_ctx = browser.new_context(), browser.new_context()
    alice, carol = alice_ctx.new_page(), carol_ctx.new_page()
    login(alice, live, live_cast["users"]["alice"], live_cast["password"])
    carol_watch = login(carol, live, live_cast["users"]["carol"], live_cast["password"])
    go_available(alice)
    go_available(carol)
    task_id = live.call("task_create", alias=live_cast["alias"], name="Wrong department")
    pane = accept_first_offer(alice, task_id)
    pane.get_by_role("button", name="Transfer").click()
    dialog = alice.get_by_role("dialog")
    dialog.get_by_text("Billing queue").click()
    dialog.get_by_role("button", name="Transfer").click()
    expect(alice.locator(f'[data-contact-id="{task_id}"]')).to_have_count(0)
    expect(carol.locator("[data-offer]")).to_contain_text("Wrong department")
    assert carol_watch.unexpected() == []
    alice_ctx.close()
    carol_ctx.close()


def test_two_tabs_of_one_agent_stay_consistent(browser, live, live_cast):
    ctx = browser.new_context()
    first = ctx.new_page()
    login(first, live, live_cast["users"]["alice"], live_cast["password"])
    second = ctx.new_page()
    second.goto(live.url + "/ccp/")
    expect(second.locator("body:not(.ws-down)")).to_be_visible()
    go_available(first)
    expect(second.locator("#ccp-status option:checked")).to_have_text("Available")
    task_id = live.call("task_create", alias=live_cast["alias"], name="Seen twice")
    expect(second.locator(f'[data-offer="{task_id}"]')).to_be_visible()
    accept_first_offer(first, task_id)
    expect(second.locator(f'[data-contact-id="{task_id}"]')).to_contain_text("Connected")
    expect(second.locator(".ccp-tile")).to_have_count(1)
    ctx.close()
