"""The flows shipped in ccp/flows/library/ publish and do what their names say."""

import datetime as dt
import json
from pathlib import Path

import pytest

from ccp.flows.blocks import branching
from ccp.flows.publish import flow_validate
from ccp.flows.runner import flow_resume
from ccp.models import AgentStatus, Contact, ContactState, FlowType, LambdaFunction, Timer, TimerKind
from ccp.services.configuration.flows import flow_create
from tests.factories import (
    AgentFactory,
    AgentStatusFactory,
    ContactFactory,
    HoursOfOperationFactory,
    QueueFactory,
    RoutingProfileQueueFactory,
)
from tests.flows.conftest import action, branches, document

pytestmark = pytest.mark.django_db

LIBRARY = Path(__file__).resolve().parents[2] / "ccp" / "flows" / "library"


def test_the_library_ships_at_least_five_flows_that_publish_cleanly():
    files = sorted(LIBRARY.glob("*.json"))
    assert len(files) >= 5
    for path in files:
        content = path.read_text().replace("{{", "").replace("}}", "")
        problems, unsupported = flow_validate(content)
        assert (path.name, problems, unsupported) == (path.name, [], [])
        assert json.loads(content)["Metadata"]["name"]


@pytest.fixture
def demo(instance):
    """The demo's queues and main inbound flow, and the library installed the way the demo loader does."""
    always = HoursOfOperationFactory(instance=instance, name="Always")
    business = HoursOfOperationFactory(
        instance=instance, name="Business", timezone="America/New_York",
        config=[{"Day": d, "StartTime": {"Hours": 9, "Minutes": 0}, "EndTime": {"Hours": 17, "Minutes": 0}}
                for d in ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY")],
    )
    queues = {
        "Tasks": QueueFactory(instance=instance, name="Tasks", hours=always),
        "Billing": QueueFactory(instance=instance, name="Billing", hours=business),
        "Escalations": QueueFactory(instance=instance, name="Escalations", hours=always),
    }
    main = flow_create(instance=instance, name="Route tasks to the Tasks queue", type=FlowType.CONTACT_FLOW,
                       content=document([
                           action("target", "UpdateContactTargetQueue", {"QueueId": queues["Tasks"].id},
                                  next_action="queue"),
                           action("queue", "TransferContactToQueue"),
                       ]))
    names = {f"queue:{n}": q.id for n, q in queues.items()}
    names |= {f"queue_arn:{n}": q.arn for n, q in queues.items()}
    names |= {"flow:Route tasks to the Tasks queue": main.id, "instance_id": instance.id}
    flows = {}
    for path in sorted(LIBRARY.glob("*.json")):
        content = path.read_text()
        for key, value in names.items():
            content = content.replace("{{" + key + "}}", value)
        name = json.loads(content)["Metadata"]["name"]
        flows[name] = flow_create(instance=instance, name=name, type=FlowType.CONTACT_FLOW, content=content)
    return {"queues": queues, "flows": flows, "main": main}


@pytest.mark.parametrize(
    "priority, queue, routing_priority",
    [("urgent", "Escalations", 1), ("high", "Tasks", 2), ("low", "Tasks", 5), (None, "Tasks", 5)],
)
def test_route_by_priority(demo, start, priority, queue, routing_priority):
    attributes = {"priority": priority} if priority else {}
    contact = start(demo["flows"]["Route by priority"], attributes=attributes)
    assert contact.state == ContactState.QUEUED
    assert contact.queue == demo["queues"][queue]
    assert contact.routing_priority == routing_priority


def test_after_hours_handling_queues_in_billing_when_open(demo, start, monkeypatch):
    monkeypatch.setattr(branching, "clock_now", lambda: dt.datetime.fromisoformat("2026-11-23T15:00:00+00:00"))
    contact = start(demo["flows"]["After hours handling"])
    assert contact.state == ContactState.QUEUED
    assert contact.queue == demo["queues"]["Billing"]


def test_after_hours_handling_waits_for_opening_then_queues(demo, start, monkeypatch):
    monkeypatch.setattr(branching, "clock_now", lambda: dt.datetime.fromisoformat("2026-11-23T05:00:00+00:00"))
    contact = start(demo["flows"]["After hours handling"])
    assert contact.state == ContactState.IN_FLOW
    assert contact.attributes["after_hours"] == "true"
    monkeypatch.setattr(branching, "clock_now", lambda: dt.datetime.fromisoformat("2026-11-23T15:00:00+00:00"))
    flow_resume(contact=contact, timer=Timer.objects.get(contact=contact, kind=TimerKind.FLOW_WAIT))
    contact.refresh_from_db()
    assert contact.state == ContactState.QUEUED
    assert contact.queue == demo["queues"]["Billing"]


def test_after_hours_handling_gives_up_waiting_after_its_retries(demo, start, monkeypatch):
    monkeypatch.setattr(branching, "clock_now", lambda: dt.datetime.fromisoformat("2026-11-22T05:00:00+00:00"))
    contact = start(demo["flows"]["After hours handling"])
    for _ in range(24):
        timer = Timer.objects.filter(contact=contact, kind=TimerKind.FLOW_WAIT, fired_at__isnull=True).last()
        timer.fired_at = timer.due_at
        timer.save()
        flow_resume(contact=contact, timer=timer)
        contact.refresh_from_db()
    assert contact.state == ContactState.QUEUED
    assert contact.queue == demo["queues"]["Tasks"]


def test_lambda_enrichment_without_an_answer_goes_on_to_the_main_flow(demo, start):
    contact = start(demo["flows"]["Lambda enrichment"], attributes={"customer": "C-1"})
    assert contact.attributes["enriched"] == "false"
    assert contact.queue == demo["queues"]["Tasks"]
    assert contact.flow == demo["main"]


def test_lambda_enrichment_puts_gold_customers_first(
    demo, start, instance, monkeypatch, django_capture_on_commit_callbacks
):
    from ccp.flows.blocks import lambdas
    from ccp.outbound import OutboundResponse

    LambdaFunction.objects.create(instance=instance, arn="arn:aws:lambda:us-east-1:000000000000:function:crm-lookup",
                                  url="http://127.0.0.1:9/")

    def answer(url, body, **kwargs):
        return OutboundResponse(status=200, body=b'{"tier": "gold", "account": "A-1"}')

    monkeypatch.setattr(lambdas, "outbound_post", answer)
    # The call is made once the start has committed (here: when the captured on-commit callbacks run).
    with django_capture_on_commit_callbacks(execute=True):
        contact = start(demo["flows"]["Lambda enrichment"], attributes={"customer": "C-1"})
    contact.refresh_from_db()
    assert contact.attributes["tier"] == "gold"
    assert contact.routing_priority == 1
    assert contact.state == ContactState.QUEUED


def test_follow_up_task_creator_schedules_a_linked_follow_up(demo, start):
    contact = start(demo["flows"]["Follow-up task creator"], description="Check the refund arrived")
    follow_up = Contact.objects.get(id=contact.attributes["followup_task"])
    assert follow_up.state == ContactState.SCHEDULED
    assert follow_up.previous_contact == contact
    assert follow_up.description == "Check the refund arrived"
    assert contact.state == ContactState.QUEUED
    assert contact.queue == demo["queues"]["Tasks"]


def test_overflow_stays_in_billing_when_an_agent_is_available(demo, start, instance):
    available = AgentStatusFactory(instance=instance, name="Available", type=AgentStatus.Type.ROUTABLE)
    agent = AgentFactory(instance=instance, status=available)
    RoutingProfileQueueFactory(routing_profile=agent.routing_profile, queue=demo["queues"]["Billing"])
    for _ in range(12):
        ContactFactory(instance=instance, queue=demo["queues"]["Billing"], state=ContactState.QUEUED)
    contact = start(demo["flows"]["Overflow to backup queue"])
    assert contact.queue == demo["queues"]["Billing"]


def test_overflow_stays_in_billing_while_its_queue_is_short(demo, start):
    contact = start(demo["flows"]["Overflow to backup queue"])
    assert contact.queue == demo["queues"]["Billing"]
    assert ("Short queue?", "NumberLessThan 10") in branches(contact)


def test_overflow_to_tasks_when_billing_is_long_and_unstaffed(demo, start, instance):
    for _ in range(10):
        ContactFactory(instance=instance, queue=demo["queues"]["Billing"], state=ContactState.QUEUED)
    contact = start(demo["flows"]["Overflow to backup queue"])
    assert contact.queue == demo["queues"]["Tasks"]


def test_overflow_to_tasks_when_billing_is_full(demo, start, instance):
    billing = demo["queues"]["Billing"]
    billing.max_contacts = 1
    billing.save()
    ContactFactory(instance=instance, queue=billing, state=ContactState.QUEUED)
    contact = start(demo["flows"]["Overflow to backup queue"])
    assert contact.queue == demo["queues"]["Tasks"]
    assert ("Transfer", "QueueAtCapacity") in branches(contact)
