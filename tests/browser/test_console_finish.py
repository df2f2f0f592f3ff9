"""The console's finish, in a real browser: an admin changes a queue and sees the audit entry; at tablet width
the main pages never scroll sideways; the skip link leads to the page's main landmark; in the panel `?` opens
the keyboard shortcuts and Escape closes them."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login, screenshot, sign_in

pytestmark = pytest.mark.browser

CONSOLE_PAGES = [
    "/console/",
    "/console/queues/",
    "/console/queues/add/",
    "/console/routing-profiles/",
    "/console/routing-profiles/add/",
    "/console/quick-connects/",
    "/console/hours/",
    "/console/hours/add/",
    "/console/flows/",
    "/console/task-templates/",
    "/console/users/",
    "/console/agent-statuses/",
    "/console/contacts/",
    "/console/real-time/",
    "/console/historical/",
    "/console/settings/",
    "/console/api-keys/",
    "/console/audit-log/",
    "/console/integrations/",
    "/console/integrations/add/",
]



def test_an_admin_changes_a_queue_and_sees_the_audit_entry(page, live, live_cast):
    admin = live_cast["users"]["admin"]
    sign_in(page, live, admin, live_cast["password"])
    page.goto(live.url + f"/console/queues/{live_cast['ids']['queue']}/edit/")
    page.get_by_label("Description").fill("Front line, Europe")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Queue “Support” saved.").wait_for()

    page.get_by_role("navigation", name="Console").get_by_role("link", name="Audit log").click()
    row = page.locator("#results tbody tr").first
    expect(row).to_contain_text(admin)
    expect(row).to_contain_text("Update")
    expect(row).to_contain_text("Support")
    expect(row.locator(".now")).to_contain_text("Front line, Europe")
    # The filters narrow it as the admin types, and say so when nothing matches.
    page.get_by_label("Who").fill("nobody-at-all")
    expect(page.locator("#results")).to_contain_text("No entry matches these filters")
    screenshot(page, "audit-log")


def test_at_tablet_width_no_console_page_scrolls_sideways(page, live, live_cast):
    sign_in(page, live, live_cast["users"]["admin"], live_cast["password"])
    page.set_viewport_size({"width": 768, "height": 1024})
    overflowing = []
    for path in [*CONSOLE_PAGES, f"/console/users/{live_cast['ids']['alice']}/edit/"]:
        page.goto(live.url + path)
        width = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        if width[0] > width[1]:
            overflowing.append((path, width))
    assert overflowing == []
    # The navigation wrapped above the page instead of taking a column beside it.
    nav, main = page.locator("nav.sidenav").bounding_box(), page.locator("main").bounding_box()
    assert main["y"] >= nav["y"] + nav["height"] - 1 and main["width"] > 700
    screenshot(page, "console-tablet")


def test_the_skip_link_is_first_and_leads_to_main(page, live, live_cast):
    sign_in(page, live, live_cast["users"]["admin"], live_cast["password"])
    page.goto(live.url + "/console/queues/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()


def test_question_mark_opens_the_panel_shortcuts_and_escape_closes_them(page, live, live_cast):
    watch = login(page, live, live_cast["users"]["alice"], live_cast["password"])
    assert page.locator("main#main").count() == 1
    page.keyboard.press("?")
    shortcuts = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(shortcuts).to_be_visible()
    expect(shortcuts).to_contain_text("Create a task")
    expect(shortcuts).to_contain_text("Accept the selected offer")
    screenshot(page, "panel-shortcuts")
    page.keyboard.press("Escape")
    expect(shortcuts).to_be_hidden()
    # Typing a ? into a field is typing, not a shortcut.
    page.get_by_role("button", name="Create task").click()
    dialog = page.get_by_role("dialog", name="Create task")
    dialog.get_by_role("textbox", name="Name (required)").press("?")
    expect(shortcuts).to_be_hidden()
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Shortcuts").click()
    expect(shortcuts).to_be_visible()
    assert watch.unexpected() == []
