"""The domain model. Every row belongs to exactly one Instance (the tenant)."""

from ccp.models.api_keys import ApiKey, IdempotencyToken
from ccp.models.audit import AuditEntry
from ccp.models.contacts import (
    Channel,
    Contact,
    ContactEvent,
    ContactState,
    DisconnectReason,
    InitiationMethod,
    OfferCooldown,
)
from ccp.models.conversations import ContactCategory, TranscriptSegment
from ccp.models.flows import ContactFlow, FlowStatus, FlowType, TaskTemplate
from ccp.models.instance import Instance
from ccp.models.integrations import LambdaFunction
from ccp.models.metrics import MetricRollup, MetricRollupHour
from ccp.models.reports import SavedReport
from ccp.models.routing import HoursOfOperation, Queue, QuickConnect, RoutingProfile, RoutingProfileQueue
from ccp.models.rules import Integration, Notification, Rule, RuleFiring, RuleSetVersion
from ccp.models.security import SecurityProfile
from ccp.models.timers import Timer, TimerKind
from ccp.models.users import AgentEvent, AgentStatus, User

__all__ = [
    "AgentEvent",
    "AgentStatus",
    "ApiKey",
    "AuditEntry",
    "Channel",
    "Contact",
    "ContactCategory",
    "ContactEvent",
    "ContactFlow",
    "ContactState",
    "DisconnectReason",
    "FlowStatus",
    "SavedReport",
    "MetricRollup",
    "MetricRollupHour",
    "FlowType",
    "HoursOfOperation",
    "IdempotencyToken",
    "InitiationMethod",
    "Instance",
    "Integration",
    "LambdaFunction",
    "Notification",
    "OfferCooldown",
    "Queue",
    "QuickConnect",
    "RoutingProfile",
    "RoutingProfileQueue",
    "Rule",
    "RuleFiring",
    "RuleSetVersion",
    "SecurityProfile",
    "TaskTemplate",
    "Timer",
    "TimerKind",
    "TranscriptSegment",
    "User",
]
