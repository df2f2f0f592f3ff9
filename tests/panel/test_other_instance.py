"""The panel and the services behind it never act on another instance's rows.

Every panel action that takes an id is tried with the REAL id of another instance's contact, scheduled
task, quick connect, template and agent status: the agent is told it was not found (404, or the
message next to the control) and no row of either instance changes. The services refuse the same ids
when called directly."""

import pytest

from ccp.errors import InvalidRequest, ResourceNotFound
from ccp.models import AgentEvent, AgentStatus, ContactState, QuickConnect
from ccp.services.agents import agent_set_status
from ccp.services.contact_events import contact_locked
from ccp.services.transfers import contact_transfer
from tests.panel.center import available, task_for_queue
from tests.tenancy import other_instance_build, rows_snapshot

pytestmark = pytest.mark.django_db(transaction=True)
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def theirs(center):
    return other_instance_build()


@pytest.fixture
def connected(alice_client, center):
    """A task connected to Alice, so her transfer dialog is real."""
    available(center.alice)
    contact = task_for_queue(center)
    alice_client.post(f"/ccp/contacts/{contact.id}/accept/", **HX)
    contact.refresh_from_db()
    assert contact.state == ContactState.CONNECTED and contact.agent_id == center.alice.id
    return contact


# (method, url with {theirs[...]} ids) answered 404.
NOT_FOUND = [
    ("post", "/ccp/contacts/{contact}/accept/"),
    ("post", "/ccp/contacts/{contact}/reject/"),
    ("post", "/ccp/contacts/{contact}/end/"),
    ("post", "/ccp/contacts/{contact}/close/"),
    ("get", "/ccp/contacts/{contact}/transfer/"),
    ("post", "/ccp/contacts/{contact}/transfer/send/"),
    ("get", "/ccp/contacts/{contact}/numpad/"),
    ("post", "/ccp/contacts/{contact}/call/"),
    ("post", "/ccp/contacts/{contact}/hangup/"),
    ("get", "/ccp/tasks/new/?template={template}"),
    ("post", "/ccp/tasks/?template={template}"),
]

# Data that would make each request succeed with our own ids.
FORM_DATA = {
    "/ccp/contacts/{contact}/transfer/send/": {"quick_connect": "{quick connect}"},
    "/ccp/contacts/{contact}/call/": {"phone_number": "+33123456789"},
    "/ccp/tasks/?template={template}": {"name": "x", "template": "{template}", "Amount": "3"},
}


def _ids(theirs) -> dict:
    return {kind: getattr(row, "id", None) for kind, row in theirs.items()}


@pytest.mark.parametrize(("method", "url"), NOT_FOUND, ids=[f"{m} {u}" for m, u in NOT_FOUND])
def test_another_instances_real_id_is_not_found_and_nothing_changes(alice_client, connected, theirs, method, url):
    ids = _ids(theirs)
    data = {k: v.format_map(ids) for k, v in FORM_DATA.get(url, {}).items()}
    path = url.replace("{quick connect}", ids["quick connect"]).format_map(ids)
    before = rows_snapshot()
    response = getattr(alice_client, method)(path, data, **HX)
    assert response.status_code == 404
    assert rows_snapshot() == before


def test_another_instances_status_is_refused_next_to_the_status(alice_client, center, theirs):
    before = rows_snapshot()
    html = alice_client.post("/ccp/status/", {"status": theirs["status"].id}, **HX).content.decode()
    assert 'id="status-alert"' in html and "Choose one of the statuses in the list." in html
    assert rows_snapshot() == before


@pytest.mark.parametrize("action", ["cancel", "move"])
def test_another_instances_scheduled_task_cannot_be_cancelled_or_moved(alice_client, center, theirs, action):
    before = rows_snapshot()
    data = {"scheduled": "2100-01-01T10:00"} if action == "move" else {}
    html = alice_client.post(f"/ccp/scheduled/{theirs['scheduled'].id}/{action}/", data, **HX).content.decode()
    assert "no longer waiting for its scheduled time" in html or "6 days" in html
    assert rows_snapshot() == before


def test_a_transfer_to_another_instances_quick_connect_is_refused_in_the_dialog(alice_client, connected, theirs):
    before = rows_snapshot()
    html = alice_client.post(
        f"/ccp/contacts/{connected.id}/transfer/send/", {"quick_connect": theirs["quick connect"].id}, **HX
    ).content.decode()
    assert "Quick connect not found." in html
    assert rows_snapshot() == before


def test_a_new_task_for_another_instances_quick_connect_is_refused_in_the_dialog(alice_client, center, theirs):
    before = rows_snapshot()
    html = alice_client.post(
        "/ccp/tasks/", {"name": "x", "quick_connect": theirs["quick connect"].id}, **HX
    ).content.decode()
    assert "Choose who gets the task." in html
    assert rows_snapshot() == before


# The services, called directly (the views look ids up in the agent's instance first, so these checks
# are what stands between a future caller and another tenant's rows).


def test_agent_set_status_refuses_another_instances_status_and_writes_nothing(center, theirs):
    before = rows_snapshot()
    with pytest.raises(InvalidRequest):
        agent_set_status(user=center.alice, status=theirs["status"], actor=center.alice)
    center.alice.refresh_from_db()
    assert center.alice.status.instance_id == center.instance.id
    assert not AgentEvent.objects.filter(user=center.alice, status_name=theirs["status"].name).exists()
    assert rows_snapshot() == before


def test_agent_set_status_refuses_another_instances_routable_status(center, theirs):
    their_available = AgentStatus.objects.get(instance=theirs["instance"], type=AgentStatus.Type.ROUTABLE)
    task_for_queue(center)
    before = rows_snapshot()
    with pytest.raises(InvalidRequest):
        agent_set_status(user=center.alice, status=their_available, actor=center.alice)
    assert rows_snapshot() == before


def test_a_transfer_through_another_instances_quick_connect_is_refused_and_writes_nothing(center, theirs):
    contact = task_for_queue(center)
    before = rows_snapshot()
    with pytest.raises(ResourceNotFound), contact_locked(instance=contact.instance, contact_id=contact.id):
        contact_transfer(contact=contact, quick_connect=theirs["quick connect"], actor_type="api")
    assert rows_snapshot() == before


@pytest.mark.parametrize("target", ["queue", "user", "flow"])
def test_a_transfer_to_another_instances_queue_user_or_flow_is_refused_and_writes_nothing(center, theirs, target):
    # How TransferContact describes its destination: an unsaved quick connect of our instance.
    contact = task_for_queue(center)
    destination = {
        "queue": QuickConnect(instance=center.instance, type="QUEUE", queue=theirs["queue"], flow=center.qc_flow),
        "user": QuickConnect(instance=center.instance, type="USER", user=theirs["user"], flow=center.qc_flow),
        "flow": QuickConnect(instance=center.instance, type="QUEUE", queue=center.other_queue, flow=theirs["flow"]),
    }[target]
    before = rows_snapshot()
    with pytest.raises(ResourceNotFound), contact_locked(instance=contact.instance, contact_id=contact.id):
        contact_transfer(contact=contact, quick_connect=destination, actor_type="api", client_token=f"t-{target}")
    assert rows_snapshot() == before
