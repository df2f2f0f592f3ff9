"""Blocks that read queue metrics: Check queue status / Check staffing (CheckMetricData) and Get
queue metrics (GetMetricData, filling $.Metrics.*).

Every number is ccp.selectors.metrics' (Amazon Connect's definitions, shared with the console's
real-time page); these blocks only pick which one a flow sees.
"""

from ccp.flows.blocks.base import Outcome, block, one_of
from ccp.flows.blocks.contact import target_queue_resolve
from ccp.flows.resources import ResourceMissing
from ccp.selectors.metrics import queue_metrics

METRIC_TYPES = {
    "NumberOfAgentsAvailable": "agents_available",
    "NumberOfAgentsStaffed": "agents_staffed",
    "NumberOfAgentsOnline": "agents_online",
    "OldestContactInQueueAgeSeconds": "oldest_contact_age_seconds",
    "NumberOfContactsInQueue": "contacts_in_queue",
}


def _validate_queue_choice(params: dict) -> list[str]:
    if params.get("QueueId") and params.get("AgentId"):
        return ["Set QueueId or AgentId, not both."]
    for name in ("QueueId", "AgentId"):
        if name in params and not isinstance(params[name], str):
            return [f"{name} must be a string."]
    return []


def _validate_check(params: dict) -> list[str]:
    return one_of(params, "MetricType", tuple(METRIC_TYPES)) + _validate_queue_choice(params)


@block("CheckMetricData", validate=_validate_check, holds=True)
def metric_check(ctx, action) -> Outcome:
    """Check queue status / Check staffing: one metric of a queue (default the working queue) to compare."""
    try:
        queue = target_queue_resolve(ctx, action.parameters, default_to_working=True)
    except ResourceMissing as exc:
        return Outcome.error(str(exc))
    metrics = queue_metrics(queue=queue)
    return Outcome.success(getattr(metrics, METRIC_TYPES[action.parameters["MetricType"]]))


def _validate_get(params: dict) -> list[str]:
    problems = _validate_queue_choice(params)
    channel = params.get("QueueChannel")
    if channel is not None and not isinstance(channel, str):
        problems.append("QueueChannel must be a string.")
    return problems


@block("GetMetricData", validate=_validate_get, holds=True)
def metric_get(ctx, action) -> Outcome:
    """Get queue metrics: $.Metrics.Queue.* and $.Metrics.Agents.*.Count for later blocks."""
    try:
        queue = target_queue_resolve(ctx, action.parameters, default_to_working=True)
    except ResourceMissing as exc:
        return Outcome.error(str(exc))
    m = queue_metrics(queue=queue)
    ctx.contact.flow_state["metrics"] = {
        "Queue": {
            "Name": queue.name,
            "ARN": queue.arn,
            "Size": str(m.contacts_in_queue),
            "OldestContactAge": str(m.oldest_contact_age_seconds),
        },
        "Agents": {
            "Online": {"Count": str(m.agents_online)},
            "Available": {"Count": str(m.agents_available)},
            "Staffed": {"Count": str(m.agents_staffed)},
            "OnContact": {"Count": str(m.agents_on_contact)},
            "Busy": {"Count": str(m.agents_on_contact)},
            "AfterContactWork": {"Count": str(m.agents_after_contact_work)},
            "NonProductive": {"Count": str(m.agents_non_productive)},
        },
    }
    return Outcome.success()
