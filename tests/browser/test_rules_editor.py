"""An admin builds a rule in the console's editor; a customer says the phrase on a call; the rule's task is offered
to an Available agent in her panel."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login, screenshot

pytestmark = pytest.mark.browser


def test_a_rule_built_in_the_editor_offers_its_task_to_an_agent(page, browser, live, live_cast):
    page.goto(live.url + "/login/")
    page.get_by_label("Username").fill(live_cast["users"]["admin"])
    page.get_by_label("Password").fill(live_cast["password"])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/console/**")
    page.goto(live.url + "/console/rules/add/")
    page.locator("#id_name").fill("Refunds")
    page.get_by_label("Words or phrases").fill("refund, money back")
    page.get_by_label("Said by").select_option(label="The customer")
    page.get_by_label("Create a task").check()
    name = page.get_by_label("Task name")
    name.fill("Call back ")
    name.focus()
    page.locator("#dynamic-values").get_by_role("button", name="[ContactId]").click()
    expect(name).to_have_value("Call back [ContactId]")
    expect(page.locator("#rule-form")).to_contain_text("Up to 4,096 characters.")
    page.get_by_label("Flow").select_option(label="Tasks to Support")
    page.get_by_label("Task reference name").fill("Call")
    page.get_by_label("Status").select_option(label="Published")
    screenshot(page, "30-rule-editor")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("heading", name="Edit rule “Refunds”")).to_be_visible()

    # The Test panel says what it would do, without writing.
    page.get_by_label("Transcript").fill("AGENT: hello\nCUSTOMER: I want my money back")
    page.get_by_role("button", name="Test").click()
    expect(page.locator("#test-result")).to_contain_text("Call back (source contact)")

    agent = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    watch = login(agent, live, live_cast["users"]["alice"], live_cast["password"])
    agent.get_by_label("Status").select_option(label="Available")
    expect(agent.get_by_text("Waiting for tasks")).to_be_visible()

    call_id = live.call("call_says", alias=live_cast["alias"], text="I want a refund now")
    offer = agent.locator("[data-offer]")
    expect(offer).to_contain_text(f"Call back {call_id}")
    screenshot(agent, "31-rule-task-offered")
    assert watch.unexpected() == []
    page.reload()
    expect(page.locator("#rule-history")).to_contain_text("Done")
