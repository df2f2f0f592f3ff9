"""An admin builds a task template with every field type in the console's builder; an agent creates a task from it
in the panel and sees the values on the task. An admin reads a flow in words."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ConsoleWatch, login, screenshot

pytestmark = pytest.mark.browser

# (type, field name, the value the agent gives) in the order they are added after the default Name and Description
ADDED = [
    ("URL", "Order", "https://shop.example.com/orders/9"),
    ("NUMBER", "Amount", "12.5"),
    ("TEXT", "Customer", "ACME Ltd"),
    ("TEXT_AREA", "Notes", "Box crushed"),
    ("DATE_TIME", "Callback", None),
    ("BOOLEAN", "Urgent", None),
    ("SINGLE_SELECT", "Reason", "Damaged"),
    ("EMAIL", "Email", "buyer@example.com"),
    ("SCHEDULED_TIME", "Start", None),
    ("QUICK_CONNECT", "Route", None),
    ("SELF_ASSIGN", "Assign to me", None),
    ("EXPIRY_DURATION", "Expires after", None),
]


def console_login(page, live, username: str, password: str) -> ConsoleWatch:
    watch = ConsoleWatch(page)
    page.goto(live.url + "/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/console/**")
    return watch


def field(page, index: int, name: str):
    return page.locator(f'[name="form-{index}-{name}"]')


def test_an_admin_builds_a_template_with_every_field_type_and_an_agent_uses_it(page, browser, live, live_cast):
    watch = console_login(page, live, live_cast["users"]["admin"], live_cast["password"])
    page.goto(live.url + "/console/task-templates/add/")
    page.locator("#id_name").fill("Every type")
    page.get_by_label("Contact flow").select_option(label="Tasks to Support")
    rows = page.locator("[data-field-row]")
    expect(rows).to_have_count(2)  # Name and Description to start with
    for kind, name, _ in ADDED:
        index = rows.count() + 1
        page.get_by_label("New field of type").select_option(kind)
        page.get_by_role("button", name="Add field").click()
        expect(rows).to_have_count(index)
        row = rows.nth(index - 1)
        expect(row.locator("[data-row-type]")).to_have_text(kind)
        field(page, index - 1, "name").fill(name)
        if kind == "SINGLE_SELECT":
            field(page, index - 1, "options").fill("Damaged\nLate\nOther")
            field(page, index - 1, "required").check()
    expect(rows).to_have_count(14)
    # Move Reason (row 9) up above Urgent: the preview follows the new order.
    rows.nth(8).get_by_role("button", name="Move field up").click()
    preview = page.locator("#tt-preview")
    expect(preview.locator("select").first).to_be_visible()
    expect(preview).to_contain_text("Reason")
    expect(preview.locator("label", has_text="Reason")).to_be_visible()
    # The preview redraws after the move: wait for Reason to come before Urgent (it came after before the move).
    page.wait_for_function(
        """() => {
            const labels = [...document.querySelectorAll("#tt-preview label")].map((l) => l.innerText);
            const reason = labels.findIndex((t) => t.startsWith("Reason"));
            const urgent = labels.findIndex((t) => t.includes("Urgent"));
            return reason >= 0 && urgent >= 0 && reason < urgent;
        }""",
        timeout=10_000,
    )
    labels = preview.locator("label").all_inner_texts()
    assert labels.index(next(t for t in labels if t.startswith("Reason"))) < labels.index(
        next(t for t in labels if "Urgent" in t)
    )
    screenshot(page, "20-template-builder")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_text("Task template “Every type” created.")).to_be_visible()
    assert watch.unexpected() == [], "\n".join(watch.unexpected())

    agent_page = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    login(agent_page, live, live_cast["users"]["alice"], live_cast["password"])
    agent_page.get_by_label("Status").select_option(label="Available")
    agent_page.get_by_role("button", name="Create task").click()
    dialog = agent_page.get_by_role("dialog")
    dialog.get_by_label("Template").select_option(label="Every type")
    expect(dialog.get_by_label("Urgent")).to_have_attribute("type", "checkbox")
    expect(dialog.get_by_label(re.compile("^Callback"))).to_have_attribute("type", "datetime-local")
    expect(dialog.get_by_label(re.compile("^Email"))).to_have_attribute("type", "email")
    expect(dialog.get_by_label(re.compile("^Notes"))).to_have_js_property("tagName", "TEXTAREA")
    dialog.get_by_role("textbox", name=re.compile("^Name")).fill("Refund for ACME")
    for _, name, value in ADDED:
        if value and name != "Reason":
            dialog.get_by_label(re.compile(f"^{name}")).fill(value)
    dialog.get_by_label(re.compile("^Email")).fill("not an email")
    dialog.get_by_role("button", name="Create task").click()
    # Each problem beside its field: Reason is a required single select, the email is not an address.
    expect(dialog.get_by_text("The value must be an email address.")).to_be_visible()
    expect(dialog.get_by_text("This field is required.")).to_be_visible()
    dialog.get_by_label(re.compile("^Reason")).select_option("Damaged")
    dialog.get_by_label("Urgent").check()
    dialog.get_by_label(re.compile("^Email")).fill("buyer@example.com")
    screenshot(agent_page, "21-create-from-every-type")
    dialog.get_by_role("button", name="Create task").click()
    expect(dialog).to_be_hidden()
    offer = agent_page.locator("[data-offer]")
    expect(offer).to_contain_text("Refund for ACME")
    offer.get_by_role("button", name="Accept").click()
    pane = agent_page.locator(".ccp-pane:not([hidden])")
    for text in ("Damaged", "ACME Ltd", "12.5", "buyer@example.com", "Urgent", "true"):
        expect(pane).to_contain_text(text)
    expect(pane.get_by_role("link", name="https://shop.example.com/orders/9")).to_be_visible()
    screenshot(agent_page, "22-task-from-every-type")
    agent_page.context.close()


def test_an_admin_reads_a_flow_in_words_and_follows_a_branch(page, live, live_cast):
    console_login(page, live, live_cast["users"]["admin"], live_cast["password"])
    page.goto(live.url + f"/console/flows/{live_cast['ids']['flow']}/")
    blocks = page.locator(".flow-block")
    expect(blocks.first).to_contain_text("Set working queue")
    expect(blocks.first).to_contain_text("Working queue: “Support”")
    page.locator("#block-1").get_by_role("link", name="block 2").click()
    expect(page).to_have_url(re.compile("#block-2$"))
    expect(page.locator("#block-2")).to_contain_text("Transfer to queue")
    screenshot(page, "23-flow-in-words")
