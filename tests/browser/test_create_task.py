import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login, screenshot

pytestmark = pytest.mark.browser


def open_create(page):
    page.get_by_role("button", name="Create task").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading", name="Create task")).to_be_visible()
    return dialog


def test_a_task_created_for_myself_while_offline_is_offered_when_i_go_available(page, live, live_cast):
    watch = login(page, live, live_cast["users"]["alice"], live_cast["password"])
    dialog = open_create(page)
    dialog.get_by_role("textbox", name="Name (required)").fill("Call the supplier")
    dialog.get_by_label("Description").fill("About the late delivery")
    dialog.get_by_label("Reference 1 name").fill("Order")
    dialog.get_by_label("Reference 1 value").fill("https://shop.example.com/o/9")
    dialog.get_by_label("Assign to").select_option(label="Myself (Alice Agent)")
    screenshot(page, "06-create-task")
    dialog.get_by_role("button", name="Create task").click()
    expect(dialog).to_be_hidden()
    page.get_by_label("Status").select_option(label="Available")
    offer = page.locator("[data-offer]")
    expect(offer).to_contain_text("Call the supplier")
    assert watch.unexpected() == []


def test_a_scheduled_task_arrives_when_it_is_due(page, live, live_cast):
    login(page, live, live_cast["users"]["alice"], live_cast["password"])
    page.get_by_label("Status").select_option(label="Available")
    dialog = open_create(page)
    dialog.get_by_role("textbox", name="Name (required)").fill("Due soon")
    # datetime-local has minute precision in the agent's zone (Europe/Paris): the next minute.
    due = page.evaluate(
        """() => { const d = new Date(Date.now() + 60000);
        const p = new Intl.DateTimeFormat('sv-SE', {timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit',
          day: '2-digit', hour: '2-digit', minute: '2-digit'}).format(d);
        return p.replace(' ', 'T'); }"""
    )
    dialog.get_by_label("Scheduled time").fill(due)
    dialog.get_by_label("Assign to").select_option(label="Myself (Alice Agent)")
    dialog.get_by_role("button", name="Create task").click()
    expect(dialog).to_be_hidden()
    tile = page.locator(".ccp-st-scheduled")
    expect(tile).to_contain_text("Due soon")
    expect(tile.locator("[data-until]")).to_contain_text("in 0:")
    screenshot(page, "07-scheduled")
    offer = page.locator("[data-offer]")
    expect(offer).to_contain_text("Due soon", timeout=75_000)
    expect(page.locator(".ccp-st-scheduled")).to_have_count(0)
    # Finish it, so no offer is left to time out (and set Alice to Missed) during the next test.
    offer.get_by_role("button", name="Accept").click()
    pane = page.locator(".ccp-pane:not([hidden])")
    pane.get_by_role("button", name="End task").click()
    pane.get_by_role("button", name="Close contact").click()
    expect(page.locator(".ccp-tile")).to_have_count(0)


def test_a_scheduled_task_can_be_moved_and_cancelled_before_it_starts(page, live, live_cast):
    login(page, live, live_cast["users"]["alice"], live_cast["password"])
    dialog = open_create(page)
    dialog.get_by_role("textbox", name="Name (required)").fill("Call back Friday")
    dialog.get_by_label("Scheduled time").fill(paris_wall_clock(page, hours=2))
    dialog.get_by_label("Assign to").select_option(label="Myself (Alice Agent)")
    dialog.get_by_role("button", name="Create task").click()
    expect(dialog).to_be_hidden()
    page.locator(".ccp-st-scheduled").get_by_role("button").click()
    pane = page.locator(".ccp-pane:not([hidden])")
    expect(pane).to_contain_text("You scheduled this task")
    screenshot(page, "15-scheduled-pane")
    new_time = paris_wall_clock(page, hours=30)
    pane.get_by_label("New time").fill(new_time)
    pane.get_by_role("button", name="Reschedule").click()
    expect(page.locator(".ccp-st-scheduled [data-until]")).to_contain_text("in 1d")
    page.once("dialog", lambda d: d.accept())
    page.locator(".ccp-pane:not([hidden])").get_by_role("button", name="Cancel task").click()
    expect(page.locator(".ccp-st-scheduled")).to_have_count(0)


def paris_wall_clock(page, *, hours: float) -> str:
    """A datetime-local value `hours` from now in the agent's zone (Europe/Paris)."""
    return page.evaluate(
        """(ms) => { const d = new Date(Date.now() + ms);
        const p = new Intl.DateTimeFormat('sv-SE', {timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit',
          day: '2-digit', hour: '2-digit', minute: '2-digit'}).format(d);
        return p.replace(' ', 'T'); }""",
        int(hours * 3_600_000),
    )


def test_a_task_from_a_template_applies_its_defaults_and_constraints(page, live, live_cast):
    login(page, live, live_cast["users"]["alice"], live_cast["password"])
    page.get_by_label("Status").select_option(label="Available")
    dialog = open_create(page)
    dialog.get_by_label("Template").select_option(label="Refund request")
    expect(dialog.get_by_label("Name", exact=True)).to_have_value("Refund")
    expect(dialog.get_by_label("Team")).to_have_attribute("readonly", "")
    expect(dialog.get_by_label("Team")).to_have_value("Payments")
    expect(dialog.get_by_text("Secret")).to_have_count(0)
    dialog.get_by_role("button", name="Create task").click()
    expect(dialog.get_by_text("This field is required.")).to_be_visible()
    dialog.get_by_label("Amount").fill("42")
    screenshot(page, "08-create-from-template")
    dialog.get_by_role("button", name="Create task").click()
    expect(dialog).to_be_hidden()
    offer = page.locator("[data-offer]")
    expect(offer).to_contain_text("Refund")
    task_id = offer.get_attribute("data-offer")
    pane = page.locator(f"#pane-{task_id}")
    expect(pane).to_contain_text("Payments")
    expect(pane).to_contain_text("42")


def test_the_number_pad_dials_a_linked_outbound_call(page, live, live_cast):
    watch = login(page, live, live_cast["users"]["alice"], live_cast["password"])
    page.get_by_label("Status").select_option(label="Available")
    task_id = live.call("task_create", alias=live_cast["alias"], name="Needs a call")
    tile = page.locator(f'[data-contact-id="{task_id}"]')
    tile.get_by_role("button", name="Accept").click()
    pane = page.locator(f"#pane-{task_id}")
    pane.get_by_role("button", name="Number pad").click()
    dialog = page.get_by_role("dialog")
    for key in "5550100":
        dialog.get_by_role("button", name=key, exact=True).click()
    expect(dialog.get_by_label("Phone number")).to_have_value("5550100")
    screenshot(page, "09-number-pad")
    dialog.get_by_role("button", name="Call", exact=True).click()
    expect(dialog).to_be_hidden()
    call = live.call("contacts_find", alias=live_cast["alias"], related_to=task_id)[0]
    assert call["channel"] == "VOICE" and call["state"] == "CONNECTED"
    call_tile = page.locator(f'[data-contact-id="{call["id"]}"]')
    expect(call_tile).to_contain_text("Linked to Needs a call")
    expect(pane.locator(f'[data-linked="{call["id"]}"]')).to_be_visible()
    screenshot(page, "10-call")
    call_tile.get_by_role("button", name="Hang up").click()
    expect(call_tile).to_have_count(0)
    assert live.call("contact_get", contact_id=call["id"])["state"] == "ENDED"
    assert watch.unexpected() == []
