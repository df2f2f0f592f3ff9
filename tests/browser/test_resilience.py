import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login, screenshot

pytestmark = pytest.mark.browser


def test_reloading_mid_offer_and_mid_task_shows_exactly_the_true_state(page, live, live_cast):
    watch = login(page, live, live_cast["users"]["alice"], live_cast["password"])
    page.get_by_label("Status").select_option(label="Available")
    task_id = live.call("task_create", alias=live_cast["alias"], name="Survives reloads")
    expect(page.locator(f'[data-offer="{task_id}"]')).to_be_visible()
    page.reload()
    expect(page.locator(".ccp-tile")).to_have_count(1)
    expect(page.locator("#ccp-status option:checked")).to_have_text("Available")
    tile = page.locator(f'[data-contact-id="{task_id}"]')
    tile.get_by_role("button", name="Accept").click()
    expect(tile).to_contain_text("Connected")
    page.reload()
    expect(page.locator("body:not(.ws-down)")).to_be_visible()
    expect(page.locator(".ccp-tile")).to_have_count(1)
    expect(page.locator(f"#pane-{task_id}")).to_be_visible()
    expect(page.locator(f"#pane-{task_id}").get_by_role("button", name="End task")).to_be_enabled()
    assert watch.unexpected() == []


def test_losing_the_server_shows_a_banner_pauses_actions_and_recovers_without_duplicates(page, live, live_cast):
    watch = login(page, live, live_cast["users"]["alice"], live_cast["password"])
    page.get_by_label("Status").select_option(label="Available")
    task_id = live.call("task_create", alias=live_cast["alias"], name="Keeps going")
    tile = page.locator(f'[data-contact-id="{task_id}"]')
    tile.get_by_role("button", name="Accept").click()
    end = page.locator(f"#pane-{task_id}").get_by_role("button", name="End task")
    expect(end).to_be_enabled()

    live.stop()
    banner = page.locator("#conn-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Reconnecting")
    expect(end).to_be_disabled()
    expect(page.get_by_label("Status")).to_be_disabled()
    screenshot(page, "11-reconnecting")
    live.start()

    expect(banner).to_be_hidden(timeout=20_000)
    expect(end).to_be_enabled()
    expect(page.locator(".ccp-tile")).to_have_count(1)
    # Pushes flow again on the new connection.
    second = live.call("task_create", alias=live_cast["alias"], name="After the outage")
    expect(page.locator(f'[data-offer="{second}"]')).to_be_visible()
    expect(page.locator(".ccp-tile")).to_have_count(2)
    assert watch.unexpected(allow_websocket_failures=True) == []


def test_hostile_task_values_render_as_inert_text(page, live, live_cast):
    watch = login(page, live, live_cast["users"]["alice"], live_cast["password"])
    page.get_by_label("Status").select_option(label="Available")
    name = '<script>window.__xss = 3</script><img src=x onerror="window.__xss=4">'
    task_id = live.call(
        "task_create",
        alias=live_cast["alias"],
        name=name,
        description="<b>bold?</b>",
        references={"Note": {"Type": "STRING", "Value": "javascript:alert(1)"}},
        attributes={"html": "<i>x</i>"},
    )
    tile = page.locator(f'[data-contact-id="{task_id}"]')
    tile.get_by_role("button", name="Accept").click()
    live.call("contact_poison_references", contact_id=task_id)
    pane = page.locator(f"#pane-{task_id}")
    expect(pane).to_contain_text("Evil link")
    expect(pane.get_by_role("heading", level=2)).to_have_text(name)
    expect(pane).to_contain_text("<b>bold?</b>")
    expect(pane.locator("a")).to_have_count(0)
    expect(pane).to_contain_text("javascript:window.__xss = 1")
    assert page.evaluate("window.__xss") is None
    screenshot(page, "12-hostile-values")
    assert watch.unexpected() == []


def test_a_missed_offer_sets_missed_and_says_how_to_come_back(page, live):
    alias = "m" + uuid.uuid4().hex[:8]
    live_cast = live.call("cast_setup", alias=alias, offer_timeout=5)
    watch = login(page, live, live_cast["users"]["alice"], live_cast["password"])
    page.get_by_label("Status").select_option(label="Available")
    task_id = live.call("task_create", alias=alias, name="Nobody answers")
    expect(page.locator(f'[data-offer="{task_id}"]')).to_be_visible()
    expect(page.locator("#ccp-status option:checked")).to_have_text("Missed", timeout=15_000)
    expect(page.get_by_text("You missed a task offer.")).to_be_visible()
    expect(page.locator(".ccp-tile")).to_have_count(0)
    screenshot(page, "13-missed")
    page.get_by_label("Status").select_option(label="Available")
    expect(page.locator("#ccp-status option:checked")).to_have_text("Available")
    assert watch.unexpected() == []


def test_the_panel_fits_a_narrow_side_panel(browser, live, live_cast):
    ctx = browser.new_context(viewport={"width": 360, "height": 740})
    page = ctx.new_page()
    login(page, live, live_cast["users"]["alice"], live_cast["password"])
    page.get_by_label("Status").select_option(label="Available")
    live.call("task_create", alias=live_cast["alias"], name="Narrow screen task")
    expect(page.locator("[data-offer]")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    screenshot(page, "14-narrow")
    ctx.close()


def test_an_answer_that_arrives_after_a_newer_push_does_not_put_the_older_state_back(page, live, live_cast):
    watch = login(page, live, live_cast["users"]["alice"], live_cast["password"])
    page.get_by_label("Status").select_option(label="Available")
    held = []

    def hold(route):
        held.append((route, route.fetch()))  # the server answered now; the browser gets it later

    page.route("**/ccp/tasks/", hold)
    page.get_by_role("button", name="Create task").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("textbox", name="Name (required)").fill("Answered slowly")
    dialog.get_by_label("Assign to").select_option(label="Myself (Alice Agent)")
    dialog.get_by_role("button", name="Create task").click()
    while not held:
        page.wait_for_timeout(50)
    # After the answer was rendered, a new offer is pushed and shown.
    newer = live.call("task_create", alias=live_cast["alias"], name="Pushed meanwhile")
    expect(page.locator(f'[data-offer="{newer}"]')).to_be_visible()
    route, response = held[0]
    route.fulfill(response=response)
    expect(dialog).to_be_hidden()  # the late answer still closes its dialog
    # Its older state may show for a moment; the tab then asks for the state again.
    expect(page.locator(f'[data-offer="{newer}"]')).to_be_visible()
    expect(page.locator(".ccp-tile")).to_have_count(2)
    assert watch.unexpected() == []


def test_a_dialog_opens_even_when_a_push_redrew_its_button_while_it_loaded(browser, live, live_cast):
    ctx = browser.new_context()
    page = ctx.new_page()
    watch = login(page, live, live_cast["users"]["alice"], live_cast["password"])
    page.get_by_label("Status").select_option(label="Available")
    task_id = live.call("task_create", alias=live_cast["alias"], name="Transfer me")
    tile = page.locator(f'[data-contact-id="{task_id}"]')
    tile.get_by_role("button", name="Accept").click()
    expect(tile).to_contain_text("Connected")
    held = []

    def hold(route):
        held.append((route, route.fetch()))

    page.route("**/transfer/", hold)
    button = page.locator(f"#pane-{task_id}").get_by_role("button", name="Transfer")
    button.evaluate("b => { b.dataset.before = 'yes'; }")
    button.click()
    while not held:
        page.wait_for_timeout(50)
    # While the form loads, an offer is pushed: the tiles, the Transfer button among them, are drawn again.
    newer = live.call("task_create", alias=live_cast["alias"], name="Pushed meanwhile")
    expect(page.locator(f'[data-offer="{newer}"]')).to_be_visible()
    expect(page.locator("[data-before]")).to_have_count(0)
    route, response = held[0]
    route.fulfill(response=response)
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text("Billing queue")).to_be_visible()
    assert watch.unexpected() == []
    ctx.close()


def test_a_status_answer_older_than_a_pushed_offer_never_hides_the_offer(page, live, live_cast):
    watch = login(page, live, live_cast["users"]["alice"], live_cast["password"])
    held = []

    def hold(route):
        held.append((route, route.fetch()))  # the server answered (Available, no offer yet); the browser waits

    page.route("**/ccp/status/", hold)
    page.get_by_label("Status").select_option(label="Available")
    while not held:
        page.wait_for_timeout(50)
    task_id = live.call("task_create", alias=live_cast["alias"], name="Offered meanwhile")
    offer = page.locator(f'[data-offer="{task_id}"]')
    expect(offer).to_be_visible()
    # From here on, record whether the offer is ever gone from the page, even for a moment.
    page.evaluate(
        """id => {
            window.offerGone = false;
            window.answered = false;
            document.addEventListener("htmx:afterRequest", () => { window.answered = true; });
            new MutationObserver(() => {
                if (!document.querySelector('[data-offer="' + id + '"]')) window.offerGone = true;
            }).observe(document.body, {childList: true, subtree: true});
        }""",
        task_id,
    )
    route, response = held[0]
    route.fulfill(response=response)
    page.wait_for_function("window.answered")
    page.wait_for_timeout(300)  # room for a swap, and for the state the tab asks for again
    assert page.evaluate("window.offerGone") is False
    tile = page.locator(f'[data-contact-id="{task_id}"]')
    page.keyboard.press("Alt+a")
    expect(tile).to_contain_text("Connected")
    assert watch.unexpected() == []


def test_a_refusal_is_shown_even_when_a_push_already_removed_the_button(page, live, live_cast):
    watch = login(page, live, live_cast["users"]["alice"], live_cast["password"])
    page.get_by_label("Status").select_option(label="Available")
    task_id = live.call("task_create", alias=live_cast["alias"], name="Stopped meanwhile")
    held = []
    page.route(f"**/contacts/{task_id}/accept/", lambda route: held.append(route))  # not yet sent to the server
    page.locator(f'[data-offer="{task_id}"]').get_by_role("button", name="Accept").click()
    while not held:
        page.wait_for_timeout(50)
    # The integrator stops the task: its push takes the offer, and the Accept button that asked, off the panel.
    live.call("contact_stop", contact_id=task_id)
    expect(page.locator(f'[data-offer="{task_id}"]')).to_have_count(0)
    held[0].continue_()  # now the server refuses the accept, and the agent must read why
    expect(page.locator("#column-alert")).to_contain_text("no longer yours to act on")
    assert watch.unexpected() == []
