"""The flow interpreter: runs a contact through its flow's published content, one action at a time.

A run goes until the contact is queued (Transfer to queue), waits (Wait: a FLOW_WAIT timer resumes
it), is disconnected, or the flow ends; a contact that leaves its flow without being queued ends
with CONTACT_FLOW_DISCONNECT. An error takes the action's error branch; with none, the contact ends
and a FLOW_ERROR event names the action and the reason. Each run has a step budget so a loop in a
flow cannot spin forever. Runs happen inside the caller's transaction, and nothing a failed step did
stays: the contact's own writes are held in memory for the run (`ccp.held_writes`) and a
failed step's are put back there; a block that writes other rows runs in a savepoint.

The runner sits below the services: what it and its blocks change goes through the installed
`FlowServices` (ccp.flows.interface), handed to each step in its RunContext.
"""

import logging

from django.db import DatabaseError, transaction
from django.utils import timezone

from ccp.errors import ServiceError
from ccp.flows.blocks import BLOCKS, DISCONNECT, MAIN, QUEUE, Outcome, RunContext
from ccp.flows.document import NO_MATCHING_CONDITION, Action, FlowDocument, FlowDocumentError, flow_parse
from ccp.flows.interface import flow_services
from ccp.held_writes import (
    contact_flush,
    contact_restore,
    contact_save,
    contact_snapshot,
    contact_writes_held,
)
from ccp.models import ContactFlow, ContactState, DisconnectReason
from ccp.models.held import HeldWritesError
from ccp.validation import flow_trace_full

logger = logging.getLogger(__name__)

# Actions one run may take before the flow is judged stuck (a loop with no way out).
STEP_BUDGET = 1_000


def flow_run(*, contact, flow: ContactFlow, actor_type: str = "flow", mode: str = MAIN) -> None:
    """Run the flow's published content for this contact from its StartAction."""
    with contact_writes_held(contact):
        _flow_run(contact, flow, actor_type, mode)


def _flow_run(contact, flow: ContactFlow, actor_type: str, mode: str) -> None:
    if not _may_run(contact, mode):
        return
    if not flow.is_published:
        _flow_fail(contact, flow, None, f"Flow {flow.name!r} is not published, so it cannot run.", actor_type)
        return
    try:
        doc = flow_parse(flow.published_content)
    except FlowDocumentError as exc:
        _flow_fail(contact, flow, None, str(exc), actor_type)
        return
    if contact.flow_id != flow.id and mode == MAIN:
        contact.flow = flow
        contact_save(contact, ["flow"])
    _run(contact, flow, doc, doc.start_action, actor_type, mode)


def _may_run(contact, mode: str) -> bool:
    if mode == DISCONNECT:
        return True
    if mode == QUEUE:
        return contact.state == ContactState.QUEUED
    return contact.is_open


def flow_resume(*, contact, timer) -> None:
    """Continue after a Wait's timer fired: take the Wait's WaitCompleted branch (or its NextAction)."""
    with contact_writes_held(contact):
        _flow_resume(contact, timer)


def _flow_resume(contact, timer) -> None:
    payload = timer.payload or {}
    state = contact.flow_state or {}
    mode = payload.get("mode", MAIN)
    waiting_in = {MAIN: ContactState.IN_FLOW, QUEUE: ContactState.QUEUED}.get(mode)
    if contact.state != waiting_in or state.get("wait") != payload:
        # The contact moved on (ended, left the queue, or another run replaced this wait): the timer is stale.
        return
    state.pop("wait", None)
    flow = ContactFlow.objects.filter(instance_id=contact.instance_id, id=payload.get("flow_id")).first()
    if flow is None or not flow.is_published:
        _flow_fail(contact, flow, None, "The waiting flow no longer exists or is not published.", "worker")
        return
    doc = flow_parse(flow.published_content)
    action = doc.actions.get(payload.get("action", ""))
    if action is None:
        _flow_fail(contact, flow, None, f"Wait action {payload.get('action')!r} is no longer in the flow.", "worker")
        return
    match = action.condition_target("WaitCompleted")
    next_action = match[0] if match else action.next_action
    _trace(contact, flow, action, "WaitCompleted")
    _run(contact, flow, doc, next_action, "flow", mode)


def _run(contact, flow: ContactFlow, doc: FlowDocument, start: str, actor_type: str, mode: str = MAIN) -> None:
    current = start
    steps = 0
    try:
        while True:
            if not current:
                _flow_finished(contact, flow, actor_type)
                return
            action = doc.actions.get(current)
            if action is None:
                _flow_fail(contact, flow, None, f"Action {current!r} is not in the flow.", actor_type)
                return
            if steps >= STEP_BUDGET:
                _flow_fail(
                    contact, flow, action,
                    f"The flow ran {STEP_BUDGET:,} actions without queueing or ending; stopped at this one.",
                    actor_type,
                )
                return
            steps += 1
            outcome = _step(contact, flow, action, actor_type, mode)
            if outcome.kind == "jump":
                _trace(contact, flow, action, outcome.branch)
                flow = outcome.flow
                doc = flow_parse(flow.published_content)
                if mode == MAIN:
                    contact.flow = flow
                    contact_save(contact, ["flow"])
                current = doc.start_action
                continue
            if outcome.kind in ("stop", "finish"):
                _trace(contact, flow, action, outcome.branch)
                if outcome.kind == "finish":
                    _flow_finished(contact, flow, actor_type)
                return
            next_action, branch = _next(action, outcome)
            _trace(contact, flow, action, branch)
            if next_action is None:
                _flow_fail(contact, flow, action, outcome.message or f"No branch for {branch}.", actor_type)
                return
            if not _may_run(contact, mode):
                return
            current = next_action
    finally:
        contact_save(contact, ["flow_state", "flow_trace"])


def _step(contact, flow, action: Action, actor_type: str, mode: str = MAIN) -> Outcome:
    """Run one action; a failed one leaves nothing behind. A block this server does not run is an error.

    A block that holds (changes only its contact) runs on the contact in memory and is undone there; any
    other runs after the held writes are flushed, in a savepoint."""
    block = BLOCKS.get(action.type)
    if block is None:
        return Outcome.error(f"Block {action.type} does not run on this server.")
    ctx = RunContext(
        contact=contact,
        flow=flow,
        services=flow_services(),
        actor_type=actor_type,
        action_id=action.identifier,
        mode=mode,
    )
    holds = block.holds(ctx)
    if not holds:
        contact_flush(contact)
    before = contact_snapshot(contact)
    try:
        if holds:
            outcome = block.run(ctx, action)
        else:
            with transaction.atomic():
                outcome = block.run(ctx, action)
                if outcome.kind == "error":
                    transaction.set_rollback(True)  # a step that reports an error keeps none of its writes
    except ServiceError as exc:
        outcome = Outcome.error(exc.message)
    except HeldWritesError:
        raise  # a block that wrote around the hold (declared holds= wrongly): a bug, never a flow branch
    except DatabaseError:
        if holds:  # no savepoint to go back to: on PostgreSQL the transaction is lost, so fail it whole
            raise
        logger.exception("Flow %s action %s (%s) failed", flow.id, action.identifier, action.type)
        outcome = Outcome.error("The database refused this step.")
    except Exception as exc:  # a step must never leave the contact stuck in its flow
        logger.exception("Flow %s action %s (%s) failed", flow.id, action.identifier, action.type)
        outcome = Outcome.error(f"{type(exc).__name__}: {exc}")
    if outcome.kind == "error" and not contact_restore(contact, before, rolled_back=not holds):
        # Part of this held step reached the database and there is no savepoint: fail the transaction whole.
        raise RuntimeError(f"Flow {flow.id} action {action.identifier} failed after writing; rolling back.")
    return outcome


def _next(action: Action, outcome: Outcome) -> tuple[str | None, str]:
    """Where a finished step goes: (next action or None when there is no branch, branch label)."""
    if outcome.kind == "error":
        target = action.error_target(outcome.error_type)
        return (target or None), outcome.error_type
    if action.conditions:
        match = action.condition_target(outcome.result)
        if match:
            return match
        fallback = {e.get("ErrorType"): e.get("NextAction") for e in action.errors}.get(NO_MATCHING_CONDITION)
        target = fallback or action.next_action
        if not target:
            outcome.message = f"No condition matched {outcome.result!r} and there is no NoMatchingCondition branch."
        return (target or None), NO_MATCHING_CONDITION
    branch = outcome.branch or (str(outcome.result) if outcome.result is not None else "Success")
    # A terminal action (no NextAction) ends the flow: "" is not an error.
    return action.next_action, branch


def _trace(contact, flow, action: Action, branch: str) -> None:
    if not contact.flow_logging or flow_trace_full(contact.flow_trace):
        return
    contact.flow_trace = [
        *(contact.flow_trace or []),
        {
            "at": timezone.now().isoformat(),
            "flow_id": flow.id if flow else "",
            "action": action.identifier,
            "type": action.type,
            "branch": branch,
        },
    ]


def _flow_finished(contact, flow, actor_type: str) -> None:
    """The flow ran out of actions: a contact still in its flow (never queued) ends."""
    if contact.state == ContactState.IN_FLOW:
        flow_services().contact_end(
            contact=contact,
            reason=DisconnectReason.CONTACT_FLOW_DISCONNECT,
            actor_type=actor_type,
            detail={"flow_id": flow.id if flow else "", "why": "The flow ended without queueing the contact."},
        )


def _flow_fail(contact, flow, action: Action | None, message: str, actor_type: str) -> None:
    """An error with no branch to take: record which action failed and why, and end the contact."""
    services = flow_services()
    detail = {
        "flow_id": flow.id if flow else "",
        "flow_name": flow.name if flow else "",
        "action": action.identifier if action else "",
        "type": action.type if action else "",
        "message": message,
    }
    where = f"Action {action.identifier} ({action.type})" if action else f"Flow {flow.name if flow else '?'}"
    services.contact_record_event(
        contact=contact, event="FLOW_ERROR", actor_type=actor_type, reason=f"{where}: {message}", detail=detail
    )
    if contact.state in (ContactState.IN_FLOW, ContactState.SCHEDULED):
        services.contact_end(
            contact=contact,
            reason=DisconnectReason.CONTACT_FLOW_DISCONNECT,
            actor_type=actor_type,
            detail=detail,
        )
    contact_save(contact, ["flow_state", "flow_trace"])
