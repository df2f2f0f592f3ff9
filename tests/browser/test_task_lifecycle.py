import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login, screenshot

pytestmark = pytest.mark.browser


def set_status(page, name: str) -> None:
    page.get_by_label("Status").select_option(label=name)
    expect(page.get_by_label("Status")).to_have_value(re.compile(".+"))
    expect(page.locator("#ccp-status option:checked")).to_have_text(name)


def test_an_offered_task_is_accepted_worked_ended_and_closed(page, live, live_cast):
    watch = login(page, live, live_cast["users"]["alice"], live_cast["password"])
    expect(page.get_by_text("Set your status to Available to receive tasks")).to_be_visible()
    screenshot(page, "01-offline")
    set_status(page, "Available")
    expect(page.get_by_text("Waiting for tasks")).to_be_visible()

    task_id = live.call(
        "task_create",
        alias=live_cast["alias"],
        name="Call back Mrs Smith",
        description="She asked about her refund.",
        references={
            "Order": {"Type": "URL", "Value": "https://shop.example.com/orders/42"},
            "Customer email": {"Type": "EMAIL", "Value": "smith@example.com"},
            "Amount": {"Type": "NUMBER", "Value": "129.90"},
            "Due": {"Type": "DATE", "Value": "2026-12-01T09:30:00Z"},
            "Note": {"Type": "STRING", "Value": "prefers mornings"},
        },
        attributes={"tier": "gold"},
    )
    tile = page.locator(f'[data-contact-id="{task_id}"]')
    expect(tile.get_by_role("button", name="Accept")).to_be_visible()
    expect(tile).to_contain_text("Incoming")
    expect(tile).to_contain_text("Support")
    expect(page.locator("#announcer")).to_contain_text("Call back Mrs Smith")
    expect(tile.locator(".ccp-countdown-text")).to_contain_text("s left")
    pane = page.locator(f"#pane-{task_id}")
    expect(pane).to_contain_text("She asked about her refund.")
    screenshot(page, "02-offer")

    tile.get_by_role("button", name="Accept").click()
    expect(tile).to_contain_text("Connected")
    expect(page.locator("#ccp-capacity")).to_have_text("1 of 10 tasks")
    link = pane.get_by_role("link", name="https://shop.example.com/orders/42")
    expect(link).to_have_attribute("target", "_blank")
    expect(pane.get_by_role("link", name="smith@example.com")).to_have_attribute("href", "mailto:smith@example.com")
    expect(pane).to_contain_text("129.90")
    expect(pane).to_contain_text("01 Dec 2026, 10:30 CET")  # Alice's timezone is Europe/Paris
    expect(pane).to_contain_text("prefers mornings")
    expect(pane.locator(".ccp-attrs")).to_contain_text("gold")
    screenshot(page, "03-connected")

    pane.get_by_role("button", name="End task").click()
    expect(tile).to_contain_text("After contact work")
    screenshot(page, "04-after-contact-work")
    pane.get_by_role("button", name="Close contact").click()
    expect(tile).to_have_count(0)
    expect(page.get_by_text("Waiting for tasks")).to_be_visible()
    assert live.call("contact_get", contact_id=task_id)["state"] == "ENDED"
    assert watch.unexpected() == [], "\n".join(watch.errors)


def test_an_agent_can_work_from_the_keyboard(page, live, live_cast):
    watch = login(page, live, live_cast["users"]["alice"], live_cast["password"])
    page.get_by_label("Status").focus()
    page.keyboard.press("ArrowUp")  # Offline → Available (listed first) in a focused <select>
    expect(page.locator("#ccp-status option:checked")).to_have_text("Available")
    task_id = live.call("task_create", alias=live_cast["alias"], name="Keyboard only")
    tile = page.locator(f'[data-contact-id="{task_id}"]')
    expect(tile.get_by_role("button", name="Accept")).to_be_enabled()
    page.keyboard.press("Alt+a")
    expect(tile).to_contain_text("Connected")
    end = page.locator(f"#pane-{task_id}").get_by_role("button", name="End task")
    end.focus()
    page.keyboard.press("Enter")
    expect(tile).to_contain_text("After contact work")
    page.keyboard.press("Alt+n")
    expect(page.get_by_role("dialog")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    assert watch.unexpected() == []
