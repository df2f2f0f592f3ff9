"""An admin builds a custom security profile in the permissions matrix, gives it to an agent beside her Agent
profile, and the agent gains the queues page; the admin takes the permission away and the agent's next visit
is the 403 page."""

import pytest

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser



def test_a_custom_profile_gives_and_takes_a_page(page, browser, live, live_cast):
    users, password = live_cast["users"], live_cast["password"]
    sign_in(page, live, users["admin"], password)
    page.goto(live.url + "/console/security-profiles/")
    page.get_by_role("link", name="Add security profile").click()
    page.get_by_label("Name").fill("Leads")
    page.get_by_label("Queues - View (Queues.View)").check()
    page.get_by_label("Contact search - View (ContactSearch.View)").check()
    page.get_by_role("button", name="Create").click()
    page.get_by_text("Security profile “Leads” created.").wait_for()

    page.goto(live.url + "/console/users/")
    page.get_by_role("link", name=users["carol"]).click()
    page.get_by_label("Leads").check()
    page.get_by_role("button", name="Save").click()
    page.get_by_text(f"User “{users['carol']}” saved.").wait_for()
    row = page.get_by_role("row").filter(has_text=users["carol"])
    assert "Agent, Leads" in row.inner_text()

    carol = browser.new_context().new_page()
    sign_in(carol, live, users["carol"], password)
    carol.goto(live.url + "/console/queues/")
    assert carol.get_by_role("cell", name="Support").first.is_visible()
    assert carol.get_by_role("link", name="Queues").is_visible()
    assert carol.get_by_role("link", name="API keys").count() == 0

    page.goto(live.url + "/console/security-profiles/")
    page.get_by_role("link", name="Leads").click()
    page.get_by_label("Queues - View (Queues.View)").uncheck()
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Security profile “Leads” saved.").wait_for()

    response = carol.goto(live.url + "/console/queues/")
    assert response.status == 403
    assert carol.get_by_text("This page is not part of your security profile.").is_visible()
    carol.context.close()
