"""Blocks that change the contact: Set contact attributes, Change routing priority / age, Set working
queue, Set customer queue flow / Set disconnect flow, Set logging behavior."""

from django.utils import timezone

from ccp.errors import ServiceError
from ccp.flows.blocks.base import Outcome, block, one_of, static_int, string_map
from ccp.flows.paths import is_dynamic, text_resolve, value_resolve
from ccp.flows.resources import ResourceMissing, agent_queue_find, flow_find, queue_find
from ccp.held_writes import contact_save

EVENT_HOOKS = (
    "AgentHold",
    "AgentWhisper",
    "CustomerHold",
    "CustomerQueue",
    "CustomerRemaining",
    "CustomerWhisper",
    "DefaultAgentUI",
    "DisconnectAgentUI",
    "PauseContact",
    "ResumeContact",
)
# Set disconnect flow writes the CustomerRemaining hook.
HOOK_FIELDS = {"CustomerQueue": "customer_queue_flow", "CustomerRemaining": "disconnect_flow"}


def _validate_attributes(params: dict) -> list[str]:
    problems = string_map(params, "Attributes", required=True)
    if not problems and not params["Attributes"]:
        problems.append("Attributes must set at least one attribute.")
    return problems


# A chain of PreviousContactId tasks is read back and written together, so that case runs in a savepoint.
@block("UpdateContactAttributes", validate=_validate_attributes, holds=lambda ctx: not ctx.contact.chain_id)
def attributes_update(ctx, action) -> Outcome:
    """Set contact attributes: keys and values static or `$.` paths."""
    values = {}
    for key, value in action.parameters.get("Attributes", {}).items():
        values[text_resolve(ctx.contact, key) if is_dynamic(key) else key] = text_resolve(ctx.contact, value)
    try:
        ctx.services.contact_set_attributes(contact=ctx.contact, attributes=values, actor_type=ctx.actor_type)
    except ServiceError as exc:
        return Outcome.error(exc.message)
    return Outcome.success()


def _validate_routing(params: dict) -> list[str]:
    has_priority = "QueuePriority" in params
    has_age = "QueueTimeAdjustmentSeconds" in params
    if has_priority == has_age:
        return ["Set exactly one of QueuePriority and QueueTimeAdjustmentSeconds."]
    if has_priority:
        return static_int(params, "QueuePriority", low=1, high=2_147_483_647, required=True)
    return static_int(params, "QueueTimeAdjustmentSeconds", low=-2_147_483_648, high=2_147_483_647, required=True)


@block("UpdateContactRoutingBehavior", validate=_validate_routing, holds=True)
def routing_update(ctx, action) -> Outcome:
    """Change routing priority / age: a new priority, or seconds added to the contact's age in queue."""
    params = action.parameters
    try:
        if "QueuePriority" in params:
            ctx.services.contact_update_routing(
                contact=ctx.contact, priority=int(params["QueuePriority"]), actor_type=ctx.actor_type
            )
        else:
            ctx.services.contact_update_routing(
                contact=ctx.contact,
                age_seconds=int(params["QueueTimeAdjustmentSeconds"]),
                actor_type=ctx.actor_type,
            )
    except (ServiceError, ValueError, KeyError) as exc:
        return Outcome.error(getattr(exc, "message", str(exc)))
    return Outcome.success()


def _validate_target(params: dict) -> list[str]:
    queue, agent = params.get("QueueId"), params.get("AgentId")
    if bool(queue) == bool(agent):
        return ["Set exactly one of QueueId and AgentId."]
    value = queue or agent
    if not isinstance(value, str):
        return ["QueueId / AgentId must be a string."]
    return []


def target_queue_resolve(ctx, params: dict, *, default_to_working: bool):
    """The queue a block names by QueueId or AgentId (id, ARN or `$.` path), else the working queue."""
    instance = ctx.contact.instance
    if params.get("QueueId"):
        return queue_find(instance, text_resolve(ctx.contact, params["QueueId"]))
    if params.get("AgentId"):
        return agent_queue_find(instance, text_resolve(ctx.contact, params["AgentId"]))
    if default_to_working and ctx.contact.queue_id:
        return ctx.contact.queue
    raise ResourceMissing("The contact has no working queue.")


@block("UpdateContactTargetQueue", validate=_validate_target, holds=True)
def target_queue_update(ctx, action) -> Outcome:
    """Set working queue: the queue (or the agent's personal queue) Transfer to queue will use."""
    try:
        queue = target_queue_resolve(ctx, action.parameters, default_to_working=False)
    except ResourceMissing as exc:
        return Outcome.error(str(exc))
    contact = ctx.contact
    contact.queue = queue
    contact.last_update_timestamp = timezone.now()
    contact_save(contact, ["queue", "last_update_timestamp"])
    return Outcome.success()


def _validate_hooks(params: dict) -> list[str]:
    hooks = params.get("EventHooks")
    if not isinstance(hooks, dict) or len(hooks) != 1:
        return ["EventHooks must hold exactly one event hook."]
    (key, value), = hooks.items()
    if key not in EVENT_HOOKS:
        return [f"EventHooks key must be one of {', '.join(EVENT_HOOKS)}, not {key!r}."]
    if not isinstance(value, str) or not value.strip():
        return [f"EventHooks.{key} must be a flow id or ARN."]
    return []


@block("UpdateContactEventHooks", validate=_validate_hooks, holds=True)
def event_hooks_update(ctx, action) -> Outcome:
    """Set customer queue flow / Set disconnect flow (and the agent UI hooks, kept in flow_state)."""
    (key, value), = action.parameters["EventHooks"].items()
    try:
        flow = flow_find(ctx.contact.instance, text_resolve(ctx.contact, value))
    except ResourceMissing as exc:
        return Outcome.error(str(exc))
    contact = ctx.contact
    if key in HOOK_FIELDS:
        setattr(contact, HOOK_FIELDS[key], flow)
        contact_save(contact, [HOOK_FIELDS[key]])
    else:
        contact.flow_state.setdefault("event_hooks", {})[key] = flow.id
    return Outcome.success()


@block("UpdateFlowLoggingBehavior",
       validate=lambda params: one_of(params, "FlowLoggingBehavior", ("Enabled", "Disabled")), holds=True)
def logging_update(ctx, action) -> Outcome:
    """Set logging behavior: switches the contact's flow trace on or off."""
    enabled = value_resolve(ctx.contact, action.parameters.get("FlowLoggingBehavior")) == "Enabled"
    ctx.contact.flow_logging = enabled
    contact_save(ctx.contact, ["flow_logging"])
    return Outcome.success()
