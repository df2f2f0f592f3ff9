"""A supervisor filters contacts, opens a summary, follows the chain to the previous task, ends the active
task from its summary, and exports the search (the page counts the rows as they stream in)."""

import uuid

import pytest

pytestmark = pytest.mark.browser


def test_a_supervisor_searches_follows_the_chain_ends_a_task_and_exports(page, live):
    alias = "s" + uuid.uuid4().hex[:8]
    data = live.call("search_setup", alias=alias)
    page.goto(live.url + "/login/")
    page.get_by_label("Username").fill(data["username"])
    page.get_by_label("Password").fill(data["password"])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login/" not in url)

    page.goto(live.url + "/console/contacts/")
    page.get_by_label("Name or description").fill("follow-up")
    results = page.locator("#results")
    results.get_by_text("1 contact.").wait_for()
    assert "follow-up" in page.url  # the filter is in the URL (bookmarkable)
    results.get_by_role("link", name=f"Billing follow-up {alias}").click()
    page.wait_for_url(f"**/console/contacts/{data['follow_up']}/")

    page.get_by_role("listitem").filter(has_text="Previous contact:").get_by_role("link").click()
    page.wait_for_url(f"**/console/contacts/{data['first']}/")
    assert page.get_by_role("heading", name=f"Billing dispute {alias}").is_visible()
    page.go_back()

    page.get_by_label("Yes, end this task").check()
    page.get_by_role("button", name="End task").click()
    page.get_by_text("The task was ended.").wait_for()
    assert page.locator(".page-header .badge").inner_text() == "Ended"

    page.goto(live.url + "/console/contacts/?q=Billing")
    page.locator("#results").get_by_text("2 contacts.").wait_for()
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    page.get_by_text("Exported 2 rows.").wait_for()
    assert download.value.suggested_filename.startswith(f"contacts-{alias}-")
    lines = open(download.value.path(), encoding="utf-8").read().splitlines()
    assert len(lines) == 3 and lines[0].startswith("Id,Channel")
