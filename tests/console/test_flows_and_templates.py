"""Admins write flows as text (drafts or published) and task templates with their constraints."""

import json

import pytest
from django.urls import reverse

from ccp.models import ContactFlow, FlowStatus, TaskTemplate
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


def test_an_admin_creates_a_task_template_with_constraints(admin_client, instance):
    fields = [{"Id": {"Name": "Customer"}, "Type": "TEXT"}, {"Id": {"Name": "Ticket"}, "Type": "URL"}]
    admin_client.post(
        reverse("admin_console:task_template_add"),
        {
            "name": "Callback",
            "status": "ACTIVE",
            "fields": json.dumps(fields),
            "constraints": json.dumps({"RequiredFields": [{"Id": {"Name": "Customer"}}]}),
            "defaults": json.dumps({"DefaultFieldValues": [{"Id": {"Name": "Ticket"}, "DefaultValue": "https://x"}]}),
        },
    )
    template = TaskTemplate.objects.get(instance=instance, name="Callback")
    assert template.required_fields == ["Customer"]
    assert template.default_values == {"Ticket": "https://x"}
    html = admin_client.get(reverse("admin_console:task_template_edit", args=[template.pk])).content.decode()
    assert "Required" in html


def test_a_constraint_on_a_field_that_does_not_exist_is_refused(admin_client, instance):
    response = admin_client.post(
        reverse("admin_console:task_template_add"),
        {
            "name": "Callback",
            "status": "ACTIVE",
            "fields": "[]",
            "constraints": json.dumps({"ReadOnlyFields": [{"Id": {"Name": "Ghost"}}]}),
            "defaults": "",
        },
    )
    assert "ReadOnlyFields names “Ghost”, which is not a field." in response.content.decode()
    assert not TaskTemplate.objects.filter(instance=instance).exists()


def test_deleting_a_flow_used_by_a_task_template_is_refused_with_a_message(admin_client, instance):
    flow = ContactFlowFactory(instance=instance)
    TaskTemplateFactory(instance=instance, flow=flow, name="Uses it")
    response = admin_client.post(reverse("admin_console:flow_delete", args=[flow.pk]))
    assert response.status_code == 409
    assert "Uses it" in response.content.decode()
    assert ContactFlow.objects.filter(pk=flow.pk).exists()
