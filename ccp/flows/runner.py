"""The flow interpreter: runs a contact through its flow's published content, one action at a time.

A run goes until the contact is queued (Transfer to queue), waits (Wait: a FLOW_WAIT timer resumes
it), is disconnected, or the flow ends; a contact that leaves its flow without being queued ends
with CONTACT_FLOW_DISCONNECT. An error takes the action's error branch; with none, the contact ends
and a FLOW_ERROR event names the action and the reason. Each run has a step budget so a loop in a
flow cannot spin forever. Runs happen inside the caller's transaction, and nothing a failed step did
stays: the contact's own writes are held in memory for the run (`ccp.held_writes`) and a
failed step's are put back there; a block that writes other rows runs in a savepoint.

External calls (Invoke AWS Lambda function) never happen inside a transaction: on SQLite one flow would
hold the write lock for every tenant, on PostgreSQL a pooled connection, for up to 8 s a call. A run that
reaches one ends "waiting for an invocation", as a Wait ends: its held writes are written, the contact's
flow_state records the action and a fresh invocation id, and a durable LAMBDA_INVOKE timer row is written
in the same transaction. Once that transaction commits (`transaction.on_commit`, in the same thread, so
StartTaskContact or the panel answers only after the flow went as far as it can), `flow_invocation_run`
leases the timer (a conditional update, as the worker claims), makes the call with no transaction open,
then in a new transaction locks the timer and the contact, checks the contact still waits at that call
(stale guard: state and invocation id), applies the answer ($.External or the error branch) and runs on.

Nothing is lost if the process dies in between: the timer is due after the call's deadline plus
INVOKE_GRACE, and a claim's lease ends then too, so a worker fires it and the run continues on the block's
error branch ("the server stopped while making this call"). The call is not made again — it may already
have reached the endpoint, and Lambda functions are not assumed idempotent. Where the run started in the
worker (a Wait resumed, a scheduled task started) the worker thread makes the call after its commit, the
same way. Each run has a budget of external calls (ccp.flows.calls); a Wait starts a new run.

The runner sits below the services: what it and its blocks change goes through the installed
`FlowServices` (ccp.flows.interface), handed to each step in its RunContext.
"""

import logging
import time

from django.db import DatabaseError, transaction
from django.utils import timezone

from ccp.errors import ServiceError
from ccp.flows.blocks import BLOCKS, DISCONNECT, MAIN, QUEUE, WHISPER, Outcome, RunContext
from ccp.flows.calls import (
    calls_made,
    calls_refusal,
    calls_reset,
    invocation_call,
    invocation_claim,
    invocation_current,
    invocation_start,
)
from ccp.flows.document import NO_MATCHING_CONDITION, Action, FlowDocument, FlowDocumentError, flow_parse
from ccp.flows.interface import flow_services
from ccp.held_writes import (
    contact_flush,
    contact_restore,
    contact_save,
    contact_snapshot,
    contact_writes_held,
)
from ccp.models import Contact, ContactFlow, ContactState, DisconnectReason
from ccp.models.held import HeldWritesError
from ccp.realtime.publish import agent_refresh
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
    calls_reset(contact)
    _run(contact, flow, doc, doc.start_action, actor_type, mode)


def _may_run(contact, mode: str) -> bool:
    if mode == DISCONNECT:
        return True
    if mode == QUEUE:
        return contact.state == ContactState.QUEUED
    if mode == WHISPER:
        return contact.state == ContactState.CONNECTED
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
    calls_reset(contact)  # a Wait ends a run: what follows is a new one, with its own budget of calls
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
            if outcome.kind == "invoke":
                refusal = calls_refusal(contact)
                if refusal is None:
                    invocation_start(contact, flow, action, outcome.result, mode, then=flow_invocation_run)
                    return
                flow_services().contact_record_event(
                    contact=contact,
                    event="EXTERNAL_CALL_REFUSED",
                    actor_type=actor_type,
                    reason=refusal,
                    detail={"flow_id": flow.id, "action": action.identifier, "type": action.type},
                )
                outcome = Outcome.error(refusal)
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
            current = _advance(contact, flow, action, outcome, actor_type, mode)
            if current is None:
                return
    finally:
        contact_save(contact, ["flow_state", "flow_trace"])


def _advance(contact, flow, action: Action, outcome: Outcome, actor_type: str, mode: str) -> str | None:
    """Trace a finished step and return the next action; None when the run ends here (failed, or the
    contact left the state the run needs)."""
    next_action, branch = _next(action, outcome)
    _trace(contact, flow, action, branch, outcome.message if outcome.kind == "error" else "")
    if next_action is None:
        _flow_fail(contact, flow, action, outcome.message or f"No branch for {branch}.", actor_type)
        return None
    if not _may_run(contact, mode):
        return None
    return next_action


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


def _trace(contact, flow, action: Action, branch: str, message: str = "") -> None:
    if not contact.flow_logging or flow_trace_full(contact.flow_trace):
        return
    step = {
        "at": timezone.now().isoformat(),
        "flow_id": flow.id if flow else "",
        "action": action.identifier,
        "type": action.type,
        "branch": branch,
    }
    if message:  # why an error branch was taken
        step["message"] = message
    contact.flow_trace = [*(contact.flow_trace or []), step]


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


# External calls: made between transactions, never inside one.


def flow_invocation_run(*, contact_id: str, invocation: str) -> None:
    """Make a flow's pending external call with no transaction open, then continue the run in a new one.

    Called after the transaction that reached the call committed (in the same thread: StartTaskContact
    answers once its flow has gone as far as it can). A call another process has claimed, or that a worker
    already gave up on, is left alone."""
    timer = invocation_claim(contact_id, invocation)
    if timer is None:
        return
    contact = Contact.objects.select_related("instance", "queue").filter(pk=contact_id).first()
    if contact is None or not invocation_current(contact, timer.payload):
        with transaction.atomic(durable=True):
            flow_services().timer_fire_leased(timer_id=timer.pk)  # stale: nothing to call, nothing to resume
        return
    started = time.monotonic()
    outcome = invocation_call(contact, timer.payload)
    elapsed = time.monotonic() - started
    with transaction.atomic(durable=True):
        timer = flow_services().timer_fire_leased(timer_id=timer.pk)
        if timer is None:
            return  # our claim lapsed and a worker continued the run (error branch): this answer is too late
        contact = Contact.objects.select_for_update().get(pk=contact_id)
        flow_invocation_resume(contact=contact, timer=timer, outcome=outcome, elapsed=elapsed)


def flow_invocation_resume(*, contact, timer, outcome: Outcome | None, elapsed: float = 0.0) -> None:
    """Continue a run after its external call, with the call's timer and the contact locked: the answer
    becomes $.External, an error takes the block's error branch. With no outcome (a worker fired the timer
    because whoever claimed the call died) the error branch is taken and the call is not made again: it may
    have reached the endpoint already."""
    with contact_writes_held(contact):
        _invocation_resume(contact, timer, outcome, elapsed)


def _invocation_resume(contact, timer, outcome: Outcome | None, elapsed: float) -> None:
    payload = timer.payload or {}
    if not invocation_current(contact, payload):
        return  # the contact moved on (ended, left the queue, another run replaced this call)
    mode = payload.get("mode", MAIN)
    state = contact.flow_state
    state.pop("invoke", None)
    calls = calls_made(contact)
    state["calls"] = {"count": calls["count"] + 1, "seconds": round(calls["seconds"] + elapsed, 3)}
    flow = ContactFlow.objects.filter(instance_id=contact.instance_id, id=payload.get("flow_id")).first()
    action = None
    if flow is not None and flow.is_published:
        doc = flow_parse(flow.published_content)
        action = doc.actions.get(payload.get("action", ""))
    if action is None:
        _flow_fail(contact, flow, None, "The flow changed while its external call was pending.", "flow")
        return
    if outcome is None:
        outcome = Outcome.error(
            "The server stopped while making this call, so its answer is unknown; it was not made again."
        )
    if outcome.kind == "success":
        state["external"] = outcome.result
        outcome = Outcome.success()
    next_action = _advance(contact, flow, action, outcome, "flow", mode)
    contact_save(contact, ["flow_state", "flow_trace"])
    if next_action is not None:
        _run(contact, flow, doc, next_action, "flow", mode)
    if mode == WHISPER and contact.agent_id:
        # The whisper went on after its call (attributes, a message for the tile): redraw the agent's panel.
        agent_refresh(user_id=contact.agent_id, reason="whisper", contact_id=contact.id)
