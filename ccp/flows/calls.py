"""A flow run's external calls (Invoke AWS Lambda function): the budget each run has, the state a contact
keeps while its call is made, and the call itself. ccp.flows.runner explains how a call happens between
transactions and drives these.

A run may make at most CALLS_PER_RUN calls and CALL_SECONDS_PER_RUN seconds of calls; the next takes the
block's error branch with the reason recorded. A call's own deadline is the block's time limit (1-8 s) or
what is left of those seconds, whichever is less. A Wait ends a run: what follows it has a new budget.
"""

import logging
import uuid
from collections.abc import Callable
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from ccp.flows.blocks import MAIN, QUEUE, Outcome
from ccp.flows.blocks.lambdas import lambda_call
from ccp.flows.document import Action, flow_parse
from ccp.flows.interface import flow_services
from ccp.models import ContactFlow, ContactState, Timer, TimerKind

logger = logging.getLogger(__name__)

CALLS_PER_RUN = 10
CALL_SECONDS_PER_RUN = 20.0
# How long past its deadline a leased call may take to write its answer before a worker takes it over.
INVOKE_GRACE = timedelta(seconds=30)


def calls_reset(contact) -> None:
    if contact.flow_state is not None:
        contact.flow_state.pop("calls", None)


def calls_made(contact) -> dict:
    return (contact.flow_state or {}).get("calls") or {"count": 0, "seconds": 0.0}


def calls_refusal(contact) -> str | None:
    """Why this run may make no more external calls, or None while it is within its budget."""
    calls = calls_made(contact)
    if calls["count"] >= CALLS_PER_RUN or calls["seconds"] >= CALL_SECONDS_PER_RUN:
        return (
            f"This flow run has used its budget of external calls ({CALLS_PER_RUN} calls or "
            f"{CALL_SECONDS_PER_RUN:g} seconds of calls); the call was not made."
        )
    return None


def invocation_start(contact, flow, action: Action, seconds: int, mode: str, *, then: Callable) -> None:
    """End this run 'waiting for an invocation': record where the contact is, leave a durable timer that a
    worker fires if nobody continues the run, and make the call once the transaction has committed."""
    seconds = min(float(seconds), CALL_SECONDS_PER_RUN - calls_made(contact)["seconds"])
    payload = {"flow_id": flow.id, "action": action.identifier, "invocation": uuid.uuid4().hex, "seconds": seconds}
    if mode != MAIN:
        payload["mode"] = mode
    flow_services().timer_schedule(
        instance=contact.instance,
        kind=TimerKind.LAMBDA_INVOKE,
        due_at=timezone.now() + timedelta(seconds=seconds) + INVOKE_GRACE,
        contact=contact,
        payload=payload,
    )
    contact.flow_state["invoke"] = payload
    contact_id, invocation = contact.pk, payload["invocation"]
    # robust: the caller's own work is committed; a failure here leaves the timer for a worker.
    transaction.on_commit(lambda: then(contact_id=contact_id, invocation=invocation), robust=True)


def invocation_claim(contact_id: str, invocation: str):
    """Lease the call's timer to this thread, so no worker takes it over while the call runs."""
    pending = Timer.objects.filter(
        contact_id=contact_id, kind=TimerKind.LAMBDA_INVOKE, fired_at__isnull=True, cancelled=False
    )
    for timer in pending:
        if (timer.payload or {}).get("invocation") != invocation:
            continue
        until = timezone.now() + timedelta(seconds=float(timer.payload.get("seconds", 8))) + INVOKE_GRACE
        claimed = flow_services().timer_lease(timer_id=timer.pk, until=until, holder="flow-invocation")
        return timer if claimed else None
    return None


def invocation_current(contact, payload: dict) -> bool:
    """Whether the contact still waits at the call this payload describes (else the answer is stale)."""
    waiting_in = {MAIN: ContactState.IN_FLOW, QUEUE: ContactState.QUEUED}.get(payload.get("mode", MAIN))
    if waiting_in is not None and contact.state != waiting_in:
        return False
    return (contact.flow_state or {}).get("invoke") == payload


def invocation_call(contact, payload: dict) -> Outcome:
    """The call itself, on a plain read of the committed contact."""
    changed = Outcome.error("The flow changed while its external call was pending; the call was not made.")
    flow = ContactFlow.objects.filter(instance_id=contact.instance_id, id=payload.get("flow_id")).first()
    if flow is None or not flow.is_published:
        return changed
    action = flow_parse(flow.published_content).actions.get(payload.get("action", ""))
    if action is None or action.type != "InvokeLambdaFunction":
        return changed
    try:
        return lambda_call(contact, action, seconds=float(payload.get("seconds", 8)))
    except Exception:  # the call must never leave the contact stuck: the run continues on the error branch
        logger.exception("Flow %s action %s: the external call failed", flow.id, action.identifier)
        return Outcome.error("The call failed on this server.")
