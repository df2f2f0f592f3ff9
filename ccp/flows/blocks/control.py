"""Blocks that end or move the run: Disconnect, End flow / resume, Transfer to flow, Transfer to
queue and Wait."""

from datetime import timedelta

from django.utils import timezone

from ccp.errors import ServiceError
from ccp.flows.blocks.base import DISCONNECT, MAIN, QUEUE, WHISPER, Outcome, block, static_int, text_param
from ccp.flows.paths import text_resolve
from ccp.flows.resources import ResourceMissing, flow_find
from ccp.models import ContactState, DisconnectReason, TimerKind
from ccp.selectors.metrics import queue_contacts_waiting

MAX_WAIT_SECONDS = 604_800  # seven days, the Wait block's limit


@block("DisconnectParticipant", holds=True)
def disconnect(ctx, action) -> Outcome:
    """Disconnect / hang up: the task ends with CONTACT_FLOW_DISCONNECT."""
    if ctx.mode == WHISPER:
        return Outcome.error("A whisper flow cannot disconnect the task; the agent has it.")
    if ctx.contact.state != ContactState.ENDED and ctx.mode != DISCONNECT:
        ctx.services.contact_end(
            contact=ctx.contact,
            reason=DisconnectReason.CONTACT_FLOW_DISCONNECT,
            actor_type=ctx.actor_type,
            detail={"flow_id": ctx.flow.id, "action": action.identifier},
        )
    return Outcome.stop("Disconnected")


@block("EndFlowExecution", holds=True)
def flow_end(ctx, action) -> Outcome:
    """End flow / resume: the flow stops; a contact that was never queued then ends."""
    return Outcome.finish()


@block("TransferToFlow", validate=lambda params: text_param(params, "ContactFlowId", required=True), holds=True)
def flow_transfer(ctx, action) -> Outcome:
    """Transfer to flow: continue at the start of another published flow."""
    try:
        flow = flow_find(ctx.contact.instance, text_resolve(ctx.contact, action.parameters["ContactFlowId"]))
    except ResourceMissing as exc:
        return Outcome.error(str(exc))
    if not flow.is_published:
        return Outcome.error(f"Flow {flow.name} is not published.")
    return Outcome.jump(flow)


@block("TransferContactToQueue", holds=True)
def queue_transfer(ctx, action) -> Outcome:
    """Transfer to queue: into the working queue, unless it holds Queue.max_contacts already."""
    if ctx.mode == DISCONNECT:
        return Outcome.error("The contact has disconnected, so its disconnect flow cannot queue it.")
    if ctx.mode == WHISPER:
        return Outcome.error("An agent has the task, so its whisper flow cannot queue it.")
    queue = ctx.contact.queue
    if queue is None:
        return Outcome.error("The contact has no working queue; set one first.")
    if queue.max_contacts is not None and queue_contacts_waiting(queue=queue) >= queue.max_contacts:
        return Outcome.error(
            f"Queue {queue.name} is at capacity ({queue.max_contacts} contacts).", error_type="QueueAtCapacity"
        )
    try:
        # From a customer queue flow this moves the contact to the working queue without restarting that flow.
        ctx.services.contact_queue(
            contact=ctx.contact, queue=queue, actor_type=ctx.actor_type, queue_flow=ctx.mode != QUEUE
        )
    except ServiceError as exc:
        return Outcome.error(exc.message)
    return Outcome.stop("Queued")


def _validate_wait(params: dict) -> list[str]:
    names = [n for n in ("TimeLimitSeconds", "TimeoutSeconds") if n in params]
    if len(names) != 1:
        return ["Set TimeLimitSeconds (or TimeoutSeconds)."]
    problems = static_int(params, names[0], low=1, high=MAX_WAIT_SECONDS, required=True, dynamic=True)
    events = params.get("Events")
    if events is not None and not isinstance(events, list):
        problems.append("Events must be a list.")
    return problems


@block("Wait", validate=_validate_wait, holds=True)
def wait(ctx, action) -> Outcome:
    """Wait: a durable timer resumes the flow at the Wait's WaitCompleted branch."""
    if ctx.mode == DISCONNECT:
        return Outcome.error("The contact has disconnected, so its disconnect flow cannot wait.")
    if ctx.mode == WHISPER:
        return Outcome.error("A whisper flow runs while the agent accepts the task; it cannot wait.")
    params = action.parameters
    raw = text_resolve(ctx.contact, params.get("TimeLimitSeconds", params.get("TimeoutSeconds")))
    try:
        seconds = int(raw)
    except ValueError:
        return Outcome.error(f"Wait time {raw!r} is not a whole number of seconds.")
    if not 1 <= seconds <= MAX_WAIT_SECONDS:
        return Outcome.error(f"Wait time {seconds} is outside 1–{MAX_WAIT_SECONDS} seconds.")
    payload = {"flow_id": ctx.flow.id, "action": action.identifier}
    if ctx.mode != MAIN:
        payload["mode"] = ctx.mode
    ctx.services.timer_schedule(
        instance=ctx.contact.instance,
        kind=TimerKind.FLOW_WAIT,
        due_at=timezone.now() + timedelta(seconds=seconds),
        contact=ctx.contact,
        payload=payload,
    )
    ctx.contact.flow_state["wait"] = payload
    return Outcome.stop("Waiting")
