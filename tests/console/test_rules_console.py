"""The console's rules pages: admins build a rule from the form (the Function JSON is written for them), publish
and unpublish it, test it without writing, and see its history; integrations show their secret once. Agents and
supervisors get 403."""

import json

import pytest
from django.urls import reverse

from ccp import models as m
from tests.rules.conftest import Conversations, words

pytestmark = pytest.mark.django_db


def post_rule(client, cast, **fields):
    form = {
        "name": "Refund", "event_source": "OnRealTimeCallAnalysisAvailable", "phrases": "refund, money back",
        "speaker": "CUSTOMER", "queues": [cast.queue.id], "attribute_key": "", "attribute_value": "",
        "create_task": "on", "task_name": "Call back [ContactId]", "task_description": "Said by the customer",
        "task_flow": cast.flow.id, "task_reference_name": "Call", "task_references": "Guide | https://wiki/refunds",
        "assign_category": "on", "publish_status": "PUBLISHED", "event_operator": "EQUALS",
    }
    form.update(fields)
    return client.post(reverse("admin_console:rule_add"), form)


def test_an_admin_builds_a_rule_from_the_form(client, cast):
    client.force_login(cast.admin)
    answer = post_rule(client, cast)
    rule = m.Rule.objects.get()
    assert answer.status_code == 302 and answer.url == reverse("admin_console:rule_edit", args=[rule.pk])
    function = json.loads(rule.function)
    assert function["Version"] == "2022-11-25"
    phrases, queue = function["RuleFunction"]["Operands"]
    assert phrases["Operands"] == ["refund", "money back"]
    assert phrases["FilterClause"]["Filters"] == [{"Type": "ParticipantRole", "Data": "CUSTOMER"}]
    assert queue == {"Operator": "CONTAINS_ANY", "Operands": [cast.queue.id],
                     "ComparisonValue": "$.ContactLens.RealTimeCall.Queue.QueueId", "Negate": False}
    task = rule.actions[1]["TaskAction"]
    assert task["References"] == {"Call": {"Type": "URL", "Value": "[ContactUrl]"},
                                  "Guide": {"Type": "URL", "Value": "https://wiki/refunds"}}
    assert rule.publish_status == "PUBLISHED"
    page = client.get(answer.url).content.decode()
    assert "Up to 512 characters." in page and "Up to 4,096 characters." in page and "[RuleName]" in page


def test_the_function_can_be_edited_as_json(client, cast):
    client.force_login(cast.admin)
    document = json.dumps({"Version": "2022-11-25", "RuleFunction": {"Operator": "OR", "Operands": [
        words("refund"), words("chargeback")]}})
    post_rule(client, cast, use_json="on", function_json=document)
    assert m.Rule.objects.get().function == document


def test_a_refused_function_is_shown_on_the_form_and_nothing_is_written(client, cast):
    client.force_login(cast.admin)
    document = json.dumps({"Version": "2022-11-25", "RuleFunction": {"Operator": "AND", "Operands": [
        words("refund", kind="SemanticMatch")]}})
    answer = post_rule(client, cast, use_json="on", function_json=document)
    assert answer.status_code == 200 and "semantic match" in answer.content.decode()
    assert not m.Rule.objects.exists()


def test_limits_are_checked_next_to_their_fields(client, cast):
    client.force_login(cast.admin)
    answer = post_rule(client, cast, task_name="n" * 513)
    assert answer.status_code == 200 and "at most 512 characters" in answer.content.decode()
    answer = post_rule(client, cast, phrases="", queues=[], use_json="")
    assert "Add at least one condition" in answer.content.decode()
    assert not m.Rule.objects.exists()


def test_publish_unpublish_and_history(client, cast):
    client.force_login(cast.admin)
    post_rule(client, cast, publish_status="DRAFT")
    rule = m.Rule.objects.get()
    client.post(reverse("admin_console:rule_publish", args=[rule.pk, "publish"]))
    rule.refresh_from_db()
    assert rule.publish_status == "PUBLISHED" and rule.published_at
    talk = Conversations(cast)
    call = talk.contact("VOICE")
    talk.say(call, ("CUSTOMER", "I want my money back"))
    task = m.Contact.objects.get(previous_contact=call)
    page = client.get(reverse("admin_console:rule_edit", args=[rule.pk])).content.decode()
    assert reverse("admin_console:contact_detail", args=[call.pk]) in page
    assert reverse("admin_console:contact_detail", args=[task.pk]) in page
    client.post(reverse("admin_console:rule_publish", args=[rule.pk, "unpublish"]), {"next": "list"})
    rule.refresh_from_db()
    assert rule.publish_status == "DRAFT"


def test_the_test_button_shows_what_the_rule_would_do_and_writes_nothing(client, cast):
    client.force_login(cast.admin)
    post_rule(client, cast, queues=[])
    rule = m.Rule.objects.get()
    audit_before, contacts_before = m.AuditEntry.objects.count(), m.Contact.objects.count()
    answer = client.post(reverse("admin_console:rule_test", args=[rule.pk]),
                         {"transcript": "AGENT: hello\nCUSTOMER: I want a refund"})
    page = answer.content.decode()
    assert answer.status_code == 200 and "Match." in page and "Call back (source contact)" in page
    assert "the source contact's page" in page
    miss = client.post(reverse("admin_console:rule_test", args=[rule.pk]), {"transcript": "AGENT: refund?"})
    assert "No match" in miss.content.decode()
    assert (m.AuditEntry.objects.count(), m.Contact.objects.count()) == (audit_before, contacts_before)
    assert not m.RuleFiring.objects.exists()


def test_integrations_show_their_secret_once(client, cast):
    client.force_login(cast.admin)
    answer = client.post(reverse("admin_console:application_add"), {"name": "Zendesk", "application": "ZENDESK"})
    integration = m.Integration.objects.get()
    page = answer.content.decode()
    assert answer["Cache-Control"] == "no-store" and f"/webhooks/{integration.pk}/" in page
    secret = page.split('id="signing-secret">')[1].split("<")[0]
    listing = client.get(reverse("admin_console:application_list")).content.decode()
    assert "Zendesk" in listing and secret not in listing
    client.post(reverse("admin_console:application_delete", args=[integration.pk]))
    assert not m.Integration.objects.exists()


def test_an_integration_a_rule_uses_cannot_be_deleted(client, cast):
    from ccp.services.applications import integration_create

    client.force_login(cast.admin)
    integration, _ = integration_create(instance=cast.instance, name="Zendesk", application="ZENDESK")
    Conversations(cast).rule("Urgent", {"Operator": "EQUALS", "Operands": ["urgent"],
                                        "ComparisonValue": "$.ThirdParty.Zendesk.TicketCreate.Priority"},
                             source="OnZendeskTicketCreate", integration_id=integration.id,
                             actions=[{"ActionType": "SEND_NOTIFICATION", "SendNotificationAction": {
                                 "Content": "Ticket [Id]", "Recipient": {"UserIds": [cast.admin.id]}}}])
    answer = client.post(reverse("admin_console:application_delete", args=[integration.pk]))
    assert answer.status_code == 409 and "Urgent" in answer.content.decode()
    assert m.Integration.objects.exists()


@pytest.mark.parametrize("who", ["alice", "supervisor"])
def test_only_admins_see_or_edit_rules(client, cast, who):
    client.force_login(getattr(cast, who))
    rule = Conversations(cast).rule("Refund", words("refund"))
    for url in (reverse("admin_console:rule_list"), reverse("admin_console:rule_add"),
                reverse("admin_console:rule_edit", args=[rule.pk]), reverse("admin_console:application_list")):
        assert client.get(url).status_code == 403
    assert post_rule(client, cast, name="Other").status_code == 403
    assert client.post(reverse("admin_console:rule_publish", args=[rule.pk, "unpublish"])).status_code == 403
    assert client.post(reverse("admin_console:rule_delete", args=[rule.pk])).status_code == 403
    assert client.post(reverse("admin_console:rule_test", args=[rule.pk]), {"transcript": "refund"}).status_code == 403
    assert list(m.Rule.objects.values_list("name", "publish_status")) == [("Refund", "PUBLISHED")]


def test_another_instances_rule_is_not_found(client, cast):
    from tests.cast import Cast

    other = Conversations(Cast.build(alias="other-console")).rule("Theirs", words("x"))
    client.force_login(cast.admin)
    assert client.get(reverse("admin_console:rule_edit", args=[other.pk])).status_code == 404
    assert client.post(reverse("admin_console:rule_delete", args=[other.pk])).status_code == 404


def test_the_source_contacts_summary_shows_its_category_and_links_the_task(client, cast):
    from tests.rules.conftest import CATEGORY, task_action

    client.force_login(cast.admin)
    talk = Conversations(cast)
    talk.rule("Refund", words("refund"), actions=[CATEGORY, task_action(cast.flow, name="Follow up refund")])
    call = talk.contact("VOICE")
    talk.say(call, ("CUSTOMER", "refund"))
    task = m.Contact.objects.get(previous_contact=call)
    page = client.get(reverse("admin_console:contact_detail", args=[call.pk])).content.decode()
    assert "Categories:" in page and ">Refund</span>" in page
    assert f'href="{reverse("admin_console:contact_detail", args=[task.pk])}">Follow up refund</a>' in page
    task_page = client.get(reverse("admin_console:contact_detail", args=[task.pk])).content.decode()
    assert "Created by rule" in task_page and reverse("admin_console:contact_detail", args=[call.pk]) in task_page
