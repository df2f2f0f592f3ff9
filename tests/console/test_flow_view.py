"""A flow's page reads it in words: blocks in the order a contact meets them, parameters said plainly, branches
linked, blocks we do not run flagged; and what publishing the saved version would change."""

import json
from pathlib import Path

import pytest
from django.urls import reverse

from ccp.models import ContactFlow, FlowStatus
from ccp.services.configuration.flows import flow_create, flow_edit
from tests.factories import QueueFactory
from tests.flows.conftest import action, document
from tests.tenancy import other_instance_build

pytestmark = pytest.mark.django_db(transaction=True)
EXPORT = Path(__file__).resolve().parents[1] / "flows" / "exports" / "task-create-module.json"


def detail(admin_client, flow) -> str:
    return admin_client.get(reverse("admin_console:flow_detail", args=[flow.pk])).content.decode()


def test_blocks_read_in_order_with_their_parameters_in_words_and_linked_branches(admin_client, instance):
    queue = QueueFactory(instance=instance, name="Refunds")
    flow = flow_create(instance=instance, name="Triage", type="CONTACT_FLOW", content=document([
        action("set", "UpdateContactAttributes", {"Attributes": {"tier": "gold"}}, next_action="target"),
        action("target", "UpdateContactTargetQueue", {"QueueId": queue.id}, next_action="queue",
               errors={"NoMatchingError": "bye"}),
        action("queue", "TransferContactToQueue", next_action="bye", errors={"QueueAtCapacity": "bye"}),
        action("bye", "DisconnectParticipant"),
    ]))
    html = detail(admin_client, flow)
    assert html.index("Set contact attributes") < html.index("Set working queue") < html.index("Transfer to queue")
    assert "Set tier to &#x27;gold&#x27;" in html
    assert "Working queue: “Refunds”" in html  # the queue's name, not its id
    assert 'href="#block-4"' in html and 'id="block-4"' in html
    assert "Error: NoMatchingError" in html and "Error: QueueAtCapacity" in html


def test_a_real_export_flags_the_blocks_we_do_not_run(admin_client, instance):
    flow = flow_create(instance=instance, name="Module", type="CONTACT_FLOW", content=EXPORT.read_text())
    html = detail(admin_client, flow)
    assert "ShowView" in html and "Not run here: takes its error branch" in html
    assert "Create task" in html and "Linked to this contact" in html


def test_the_page_shows_what_publishing_the_saved_version_would_change_and_publishes_it(admin_client, instance):
    old = document([action("a", "UpdateContactAttributes", {"Attributes": {"x": "1"}}, next_action="bye"),
                    action("bye", "DisconnectParticipant")])
    new = document([action("a", "UpdateContactAttributes", {"Attributes": {"x": "2"}}, next_action="wait"),
                    action("wait", "Wait", {"TimeLimitSeconds": "60"}, next_action="bye"),
                    action("bye", "DisconnectParticipant")])
    flow = flow_create(instance=instance, name="Draft", type="CONTACT_FLOW", content=old)
    flow_edit(flow=flow, name="Draft", type="CONTACT_FLOW", content=new, publish=False)
    html = detail(admin_client, flow)
    assert "Saved changes not yet published" in html
    assert "Added</span> wait (Wait)" in html and "Changed</span> a (Set contact attributes)" in html
    assert '-          &quot;x&quot;: &quot;1&quot;' in html and '+          &quot;x&quot;: &quot;2&quot;' in html
    admin_client.post(reverse("admin_console:flow_publish", args=[flow.pk]))
    flow.refresh_from_db()
    assert flow.status == FlowStatus.PUBLISHED and json.loads(flow.published_content) == json.loads(new)
    assert "Saved changes not yet published" not in detail(admin_client, flow)


def test_another_instances_flow_is_not_found(admin_client):
    other = other_instance_build()
    flow = next(v for v in other.values() if isinstance(v, ContactFlow))
    assert admin_client.get(reverse("admin_console:flow_detail", args=[flow.pk])).status_code == 404
    assert admin_client.post(reverse("admin_console:flow_publish", args=[flow.pk])).status_code == 404
