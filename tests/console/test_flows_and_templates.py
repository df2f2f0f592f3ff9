"""Admins write flows as text (drafts or published) and task templates with their constraints."""

import json

import pytest
from django.urls import reverse

from ccp.models import AuditEntry, ContactFlow, FlowStatus, TaskTemplate
from tests.factories import ContactFlowFactory, TaskTemplateFactory

pytestmark = pytest.mark.django_db

FLOW = ContactFlowFactory._meta.declarations["content"]


def test_an_admin_saves_a_flow_as_a_draft(admin_client, instance):
    response = admin_client.post(
        reverse("admin_console:flow_add"),
        {"name": "Triage", "type": "CONTACT_FLOW", "content": FLOW, "save": "1"},
        follow=True,
    )
    flow = ContactFlow.objects.get(instance=instance, name="Triage")
    assert flow.content == FLOW
    assert flow.status == FlowStatus.SAVED
    assert "saved as a draft" in response.content.decode()


def test_an_admin_publishes_a_flow_and_sees_its_content(admin_client, instance):
    response = admin_client.post(
        reverse("admin_console:flow_add"),
        {"name": "Triage", "type": "CONTACT_FLOW", "content": FLOW, "publish": "1"},
        follow=True,
    )
    flow = ContactFlow.objects.get(instance=instance, name="Triage")
    assert flow.published_content == FLOW
    html = response.content.decode()
    assert "Published" in html
    assert "DisconnectParticipant" in html


def test_a_flow_that_is_not_json_is_refused_next_to_the_content(admin_client, instance):
    response = admin_client.post(
        reverse("admin_console:flow_add"), {"name": "Broken", "type": "CONTACT_FLOW", "content": "{nope"}
    )
    assert 'id="id_content_error"' in response.content.decode()
    assert "Not valid JSON" in response.content.decode()
    assert not ContactFlow.objects.filter(instance=instance, name="Broken").exists()


def test_publishing_a_flow_with_problems_keeps_the_published_version(admin_client, instance):
    flow = ContactFlowFactory(instance=instance, status=FlowStatus.PUBLISHED, published_content=FLOW)
    broken = json.dumps({"Version": "2019-10-30", "StartAction": "missing", "Actions": []})
    response = admin_client.post(
        reverse("admin_console:flow_edit", args=[flow.pk]),
        {"name": flow.name, "type": "CONTACT_FLOW", "content": broken, "publish": "1"},
    )
    assert response.status_code == 200
    assert "cannot be published" in response.content.decode()
    flow.refresh_from_db()
    assert flow.published_content == FLOW


def builder_post(name="Callback", rows=(), **settings) -> dict:
    """What the builder posts: the template's settings and one formset row per field, in order."""
    data = {"name": name, "status": "ACTIVE", "description": "", "flow": "", **settings}
    data.update({"form-TOTAL_FORMS": str(len(rows)), "form-INITIAL_FORMS": "0"})
    for i, row in enumerate(rows):
        row = {"ORDER": str(i + 1), "type": "TEXT", **row}
        data.update({f"form-{i}-{key}": value for key, value in row.items()})
    return data


def test_an_admin_creates_a_task_template_with_constraints(admin_client, instance):
    admin_client.post(
        reverse("admin_console:task_template_add"),
        builder_post(rows=[
            {"name": "Customer", "type": "TEXT", "required": "on"},
            {"name": "Ticket", "type": "URL", "default": "https://x.example.com"},
        ]),
    )
    template = TaskTemplate.objects.get(instance=instance, name="Callback")
    assert template.fields == [{"Id": {"Name": "Customer"}, "Type": "TEXT"}, {"Id": {"Name": "Ticket"}, "Type": "URL"}]
    assert template.required_fields == ["Customer"]
    assert template.default_values == {"Ticket": "https://x.example.com"}
    html = admin_client.get(reverse("admin_console:task_template_edit", args=[template.pk])).content.decode()
    assert 'value="Customer"' in html and 'value="https://x.example.com"' in html


def test_a_javascript_url_default_is_refused_beside_the_field(admin_client, instance):
    """The console runs the API's check: before, it skipped task_template_check and stored this default."""
    response = admin_client.post(
        reverse("admin_console:task_template_add"),
        builder_post(rows=[{"name": "Ticket", "type": "URL", "default": "javascript:alert(1)"}]),
    )
    html = response.content.decode()
    assert "Default of &#x27;Ticket&#x27; must be an http or https URL." in html
    assert 'id="id_form-0-default_error"' in html
    assert not TaskTemplate.objects.filter(instance=instance).exists()


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"name": "Reason", "type": "SINGLE_SELECT"}, "needs options"),
        ({"name": "Reason", "type": "SINGLE_SELECT", "options": "A\nA"}, "Options must differ."),
        ({"name": "Urgent", "type": "BOOLEAN", "default": "yes"}, "must be true or false"),
        ({"name": "Expires", "type": "EXPIRY_DURATION", "default": "99999"}, "whole number of minutes"),
        ({"name": "Reason", "type": "SINGLE_SELECT", "options": "\n".join(f"o{i}" for i in range(101))},
         "At most 100 options."),
    ],
)
def test_a_field_that_breaks_a_limit_is_refused_beside_it(admin_client, instance, row, message):
    response = admin_client.post(reverse("admin_console:task_template_add"), builder_post(rows=[row]))
    assert message in response.content.decode()
    assert not TaskTemplate.objects.filter(instance=instance).exists()


def test_a_template_has_at_most_fifty_fields(admin_client, instance):
    rows = [{"name": f"F{i}"} for i in range(51)]
    response = admin_client.post(reverse("admin_console:task_template_add"), builder_post(rows=rows))
    assert "at most 50 fields" in response.content.decode()
    assert not TaskTemplate.objects.filter(instance=instance).exists()


def test_the_builder_keeps_the_order_the_admin_chose_and_drops_removed_fields(admin_client, instance):
    rows = [
        {"name": "Second", "ORDER": "2"},
        {"name": "First", "ORDER": "1"},
        {"name": "Gone", "ORDER": "3", "DELETE": "on"},
    ]
    admin_client.post(reverse("admin_console:task_template_add"), builder_post(rows=rows))
    template = TaskTemplate.objects.get(instance=instance)
    assert [f["Id"]["Name"] for f in template.fields] == ["First", "Second"]


def test_a_template_change_writes_an_audit_entry_with_before_and_after(admin_client, admin, instance):
    template = TaskTemplateFactory(instance=instance, name="Old", fields=[{"Id": {"Name": "A"}, "Type": "TEXT"}])
    admin_client.post(
        reverse("admin_console:task_template_edit", args=[template.pk]),
        builder_post(name="New", rows=[{"name": "A"}], status="INACTIVE"),
    )
    entry = AuditEntry.objects.get(resource_type="task_template", action="UPDATE")
    assert entry.actor == admin and entry.resource_id == template.pk
    assert entry.before == {"name": "Old", "status": "ACTIVE"} and entry.after == {"name": "New", "status": "INACTIVE"}


def test_the_add_field_button_returns_a_row_of_that_type_and_the_new_count(admin_client):
    html = admin_client.get(
        reverse("admin_console:task_template_field_row"), {"new_type": "SINGLE_SELECT", "form-TOTAL_FORMS": "3"}
    ).content.decode()
    assert 'name="form-3-type"' in html and 'value="SINGLE_SELECT" selected' in html
    assert 'name="form-TOTAL_FORMS" value="4"' in html and 'hx-swap-oob="true"' in html


def test_the_preview_shows_the_agents_controls_without_invisible_fields(admin_client):
    html = admin_client.post(
        reverse("admin_console:task_template_preview"),
        builder_post(rows=[
            {"name": "Urgent", "type": "BOOLEAN"},
            {"name": "Reason", "type": "SINGLE_SELECT", "options": "Damaged\nLate", "required": "on"},
            {"name": "Internal", "type": "TEXT", "invisible": "on"},
        ]),
    ).content.decode()
    assert 'type="checkbox"' in html and "<option>Damaged</option>" in html and "Reason" in html
    assert "Internal" not in html


def test_deleting_a_flow_used_by_a_task_template_is_refused_with_a_message(admin_client, instance):
    flow = ContactFlowFactory(instance=instance)
    TaskTemplateFactory(instance=instance, flow=flow, name="Uses it")
    response = admin_client.post(reverse("admin_console:flow_delete", args=[flow.pk]))
    assert response.status_code == 409
    assert "Uses it" in response.content.decode()
    assert ContactFlow.objects.filter(pk=flow.pk).exists()
