"""Third-party events: signed webhooks from Zendesk (its own signature headers), Salesforce and generic JSON (ours)
fire the rules of their integration; bad signatures, stale timestamps and malformed payloads are refused with a
clear 4xx, logged, and write nothing; a redelivered event makes one task."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from ccp import models as m
from ccp.services.applications import integration_create, our_signature, zendesk_signature
from tests.rules.conftest import task_action

pytestmark = pytest.mark.django_db


def field_is(source_path, field, value, operator="EQUALS"):
    return {"Operator": operator, "Operands": [value], "ComparisonValue": f"$.ThirdParty.{source_path}.{field}"}


@pytest.fixture
def zendesk(cast):
    return integration_create(instance=cast.instance, name="Zendesk", application="ZENDESK", actor=cast.admin)


@pytest.fixture
def salesforce(cast):
    return integration_create(instance=cast.instance, name="Salesforce", application="SALESFORCE", actor=cast.admin)


def zendesk_post(client, integration, secret, payload, *, when=None, signature=None):
    body = json.dumps(payload).encode() if not isinstance(payload, bytes) else payload
    timestamp = (when or timezone.now()).strftime("%Y-%m-%dT%H:%M:%SZ")
    return client.post(
        f"/webhooks/{integration.id}/",
        body,
        content_type="application/json",
        headers={
            "X-Zendesk-Webhook-Signature": signature or zendesk_signature(secret, timestamp, body),
            "X-Zendesk-Webhook-Signature-Timestamp": timestamp,
        },
    )


def our_post(client, integration, secret, payload, *, when=None, signature=None):
    body = json.dumps(payload).encode()
    timestamp = str(int((when or timezone.now()).timestamp()))
    return client.post(
        f"/webhooks/{integration.id}/",
        body,
        content_type="application/json",
        headers={
            "X-TaskCenter-Signature": signature or our_signature(secret, timestamp, body),
            "X-TaskCenter-Timestamp": timestamp,
        },
    )


URGENT = {
    "EventType": "TicketCreate",
    "Id": 4711,
    "Priority": "urgent",
    "Subject": "Refund for order 9",
    "Requester": {"Email": "ana@example.com"},
}


def test_a_zendesk_ticket_creates_a_task_with_the_payloads_values(client, talk, cast, zendesk):
    integration, secret = zendesk
    talk.rule(
        "Urgent",
        field_is("Zendesk.TicketCreate", "Priority", "urgent"),
        source="OnZendeskTicketCreate",
        integration_id=integration.id,
        actions=[
            task_action(
                cast.flow,
                name="Ticket [Id]: [Subject]",
                description="From [Requester.Email] by [RuleName]",
                references={"Ticket": {"Type": "STRING", "Value": "#[Id]"}},
            )
        ],
    )
    answer = zendesk_post(client, integration, secret, URGENT)
    assert answer.status_code == 200 and answer.json()["Fired"][0]["RuleName"] == "Urgent"
    task = m.Contact.objects.get(pk=answer.json()["Fired"][0]["TaskId"])
    assert task.name == "Ticket 4711: Refund for order 9"
    assert task.description == "From ana@example.com by Urgent"
    assert task.references == {"Ticket": {"Type": "STRING", "Value": "#4711"}}
    assert task.previous_contact_id is None


def test_conditions_on_the_payload_decide(client, talk, cast, zendesk):
    integration, secret = zendesk
    talk.rule(
        "Urgent",
        field_is("Zendesk.TicketCreate", "Priority", "urgent"),
        source="OnZendeskTicketCreate",
        integration_id=integration.id,
        actions=[task_action(cast.flow)],
    )
    answer = zendesk_post(client, integration, secret, {**URGENT, "Priority": "low"})
    assert answer.status_code == 200 and answer.json() == {"Fired": []}
    assert not m.Contact.objects.filter(channel="TASK").exists()


def test_the_same_event_delivered_twice_creates_one_task(client, talk, cast, zendesk):
    integration, secret = zendesk
    talk.rule(
        "Urgent",
        field_is("Zendesk.TicketCreate", "Priority", "urgent"),
        source="OnZendeskTicketCreate",
        integration_id=integration.id,
        actions=[task_action(cast.flow)],
    )
    zendesk_post(client, integration, secret, URGENT)
    again = zendesk_post(client, integration, secret, URGENT)
    assert again.status_code == 200 and again.json() == {"Fired": []}
    assert m.Contact.objects.filter(channel="TASK").count() == 1


def test_a_zendesk_status_update_fires_once_per_status(client, talk, cast, zendesk):
    integration, secret = zendesk
    talk.rule(
        "Solved",
        field_is("Zendesk.StatusUpdate", "Status", "solved"),
        source="OnZendeskTicketStatusUpdate",
        integration_id=integration.id,
        actions=[task_action(cast.flow, name="Survey [Id]")],
    )
    update = {"EventType": "TicketStatusUpdate", "Id": "12", "Status": "solved", "UpdatedAt": "2026-11-27T10:00:00Z"}
    zendesk_post(client, integration, secret, update)
    zendesk_post(client, integration, secret, update)
    assert list(m.Contact.objects.filter(channel="TASK").values_list("name", flat=True)) == ["Survey 12"]


def test_a_salesforce_case_signed_with_our_header_creates_a_task(client, talk, cast, salesforce):
    integration, secret = salesforce
    talk.rule(
        "Cases",
        field_is("Salesforce.CaseCreate", "Subject", "refund", "CONTAINS"),
        source="OnSalesforceCaseCreate",
        integration_id=integration.id,
        actions=[task_action(cast.flow, name="Case [Id]")],
    )
    answer = our_post(client, integration, secret, {"Id": "500X", "Subject": "Customer wants a REFUND"})
    assert answer.status_code == 200
    assert list(m.Contact.objects.filter(channel="TASK").values_list("name", flat=True)) == ["Case 500X"]


def test_a_generic_integration_names_its_event_type(client, talk, cast):
    integration, secret = integration_create(instance=cast.instance, name="Shop", application="GENERIC")
    talk.rule(
        "Shop",
        field_is("Salesforce.CaseCreate", "Kind", "return"),
        source="OnSalesforceCaseCreate",
        integration_id=integration.id,
        actions=[task_action(cast.flow, name="Return [Id]")],
    )
    answer = our_post(client, integration, secret, {"EventType": "CaseCreate", "Id": 7, "Kind": "return"})
    assert answer.status_code == 200 and len(answer.json()["Fired"]) == 1


@pytest.mark.parametrize(
    "tamper, status, says",
    [
        (lambda post, i, s: post(i, s, URGENT, signature="AAAA"), 401, "does not match"),
        (lambda post, i, s: post(i, "another secret", URGENT), 401, "does not match"),
        (lambda post, i, s: post(i, s, URGENT, when=timezone.now() - dt.timedelta(minutes=6)), 401, "stale"),
        (lambda post, i, s: post(i, s, URGENT, when=timezone.now() + dt.timedelta(minutes=6)), 401, "stale"),
        (lambda post, i, s: post(i, s, b"{not json"), 400, "not valid JSON"),
        (lambda post, i, s: post(i, s, {"EventType": "TicketCreate"}), 400, "needs an Id"),
        (lambda post, i, s: post(i, s, {"EventType": "CaseCreate", "Id": 1}), 400, "EventType"),
        (lambda post, i, s: post(i, s, {"EventType": "TicketStatusUpdate", "Id": 1}), 400, "Status"),
    ],
)
def test_bad_webhooks_are_refused_logged_and_write_nothing(client, talk, cast, zendesk, caplog, tamper, status, says):
    integration, secret = zendesk
    talk.rule(
        "Urgent",
        field_is("Zendesk.TicketCreate", "Priority", "urgent"),
        source="OnZendeskTicketCreate",
        integration_id=integration.id,
        actions=[task_action(cast.flow)],
    )
    answer = tamper(lambda *a, **k: zendesk_post(client, *a, **k), integration, secret)
    assert answer.status_code == status and says in answer.json()["message"]
    assert not m.Contact.objects.exists() or not m.Contact.objects.filter(channel="TASK").exists()
    assert not m.RuleFiring.objects.exists()
    assert any("refused" in r.getMessage() for r in caplog.records)


def test_unsigned_and_unknown_webhooks_are_refused(client, salesforce):
    integration, _ = salesforce
    answer = client.post(f"/webhooks/{integration.id}/", b"{}", content_type="application/json")
    assert answer.status_code == 401 and "X-TaskCenter-Signature" in answer.json()["message"]
    assert client.post("/webhooks/nope/", b"{}", content_type="application/json").status_code == 404
    assert client.get(f"/webhooks/{integration.id}/").status_code == 405


def test_the_secret_is_stored_encrypted(cast, salesforce):
    integration, secret = salesforce
    assert secret not in integration.secret_encrypted
