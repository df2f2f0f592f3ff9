"""The supervisor's real-time page changes, without a reload, as a task is created, offered and accepted:
the server pushes it over /ws/supervisor/ after each change commits."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ConsoleWatch, login, screenshot

pytestmark = pytest.mark.browser


def console_login(page, live, username: str, password: str) -> ConsoleWatch:
    watch = ConsoleWatch(page)
    page.goto(live.url + "/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    return watch


def test_the_real_time_page_follows_a_task_from_creation_to_acceptance(browser, live, live_cast):
    sam_ctx, alice_ctx = browser.new_context(), browser.new_context()
    sam, alice = sam_ctx.new_page(), alice_ctx.new_page()
    sam_watch = console_login(sam, live, live_cast["users"]["supervisor"], live_cast["password"])
    login(alice, live, live_cast["users"]["alice"], live_cast["password"])
    sam.goto(live.url + "/console/real-time/")
    support = sam.locator("#metrics tbody tr", has_text="Support")
    expect(support.locator('[data-metric="contacts_with_agents"]')).to_have_text("0")
    alice_row = sam.locator(f'#metrics tr[data-agent="{live_cast["ids"]["alice"]}"]')
    expect(alice_row).to_contain_text("Offline")
    sam.evaluate("window.__samePage = true")  # gone if the page reloads

    alice.get_by_label("Status").select_option(label="Available")
    expect(alice.get_by_text("Waiting for tasks")).to_be_visible()
    expect(alice_row).to_contain_text("Available")
    expect(support.locator('[data-metric="agents_available"]')).to_have_text("1")

    task_id = live.call("task_create", alias=live_cast["alias"], name="Watched from the floor")
    expect(support.locator('[data-metric="contacts_with_agents"]')).to_have_text("1")  # offered to alice
    expect(support.locator('[data-metric="agents_on_contact"]')).to_have_text("0")

    tile = alice.locator(f'[data-contact-id="{task_id}"]')
    tile.get_by_role("button", name="Accept").click()
    expect(tile).to_contain_text("Connected")
    expect(support.locator('[data-metric="agents_on_contact"]')).to_have_text("1")
    expect(alice_row.get_by_role("link", name="Watched from the floor")).to_be_visible()
    screenshot(sam, "realtime-task-accepted")
    assert sam.evaluate("window.__samePage") is True
    assert sam_watch.unexpected() == []
    sam_ctx.close()
    alice_ctx.close()
