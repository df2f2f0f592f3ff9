"""Flows built from a few actions, published, and run on real tasks started through the services."""

import json

import pytest

from ccp.models import FlowType
from ccp.services.configuration.flows import flow_create
from ccp.services.tasks import task_start
from tests.factories import AgentFactory, QueueFactory


def action(identifier, type_, parameters=None, next_action=None, errors=None, conditions=None):
    """One flow-language action; errors {ErrorType: target}, conditions [(Operator, operand, target)]."""
    transitions = {}
    if next_action:
        transitions["NextAction"] = next_action
    if errors:
        transitions["Errors"] = [{"NextAction": t, "ErrorType": e} for e, t in errors.items()]
    if conditions:
        transitions["Conditions"] = [
            {"NextAction": t, "Condition": {"Operator": op, "Operands": [operand]}} for op, operand, t in conditions
        ]
    return {"Identifier": identifier, "Type": type_, "Parameters": parameters or {}, "Transitions": transitions}


# Terminal actions most test flows end in: queue into the working queue, or hang up.
def ends() -> list[dict]:
    return [
        action("queue it", "TransferContactToQueue", next_action="hang up",
               errors={"QueueAtCapacity": "full", "NoMatchingError": "hang up"}),
        action("full", "DisconnectParticipant"),
        action("hang up", "DisconnectParticipant"),
    ]


def document(actions: list[dict], start: str | None = None) -> str:
    return json.dumps({
        "Version": "2019-10-30",
        "StartAction": start or actions[0]["Identifier"],
        "Metadata": {"entryPointPosition": {"x": 40, "y": 40}},
        "Actions": actions,
    })


@pytest.fixture
def queue(instance):
    return QueueFactory(instance=instance, name="Support")


@pytest.fixture
def agent(instance):
    return AgentFactory(instance=instance, username="ada")


@pytest.fixture
def publish(instance):
    """Publish a flow made of these actions (plus the usual ends) and return it."""
    counter = iter(range(1000))

    def make(actions, *, start=None, with_ends=True, name=None, type_=FlowType.CONTACT_FLOW):
        content = document([*actions, *(ends() if with_ends else [])], start=start or actions[0]["Identifier"])
        return flow_create(instance=instance, name=name or f"Test flow {next(counter)}", type=type_, content=content)

    return make


@pytest.fixture
def start(instance):
    """Start a real task on a flow, the way the API does, and return it fresh from the database."""

    def make(flow, **kwargs):
        kwargs.setdefault("name", "Call back Mrs Jones")
        contact = task_start(instance=instance, contact_flow=flow, **kwargs)
        contact.refresh_from_db()
        return contact

    return make


def branches(contact) -> list[tuple[str, str]]:
    """The flow trace as (action, branch) pairs."""
    return [(step["action"], step["branch"]) for step in contact.flow_trace]
