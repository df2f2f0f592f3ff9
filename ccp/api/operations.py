"""The operations table: which operation a (method, path) is, and which handler serves it.

Every path of botocore's Connect model is recognised (so a signed request for an operation this
server does not implement gets an AWS-style error, not the web app); the handlers below are the
operations implemented here. A few operations of other services share the endpoint (EXTRA_SERVICES):
Contact Lens's ListRealtimeContactAnalysisSegments (boto3's `connect-contact-lens` client, signed as
`connect`) and our transcript intake, whose model is ours (ccp/api/models/); they are routed, parsed and
answered exactly like the Connect operations.
"""

import functools
import re
from dataclasses import dataclass

from ccp.api import (
    analysis,
    configuration,
    contacts,
    conversations,
    flows,
    hours_statuses,
    integrations,
    lists,
    metrics,
    queues,
    quick_connects,
    routing_profiles,
    rules,
    search,
    security_profiles,
    tags,
    templates,
    users,
)
from ccp.api.shapes import service_model

# The API's own health check: answers {} to a correctly signed request (used as the bench baseline).
PING_PATH = "/api-ping"

HANDLERS = {
    # Contacts
    "StartTaskContact": contacts.start_task_contact,
    "StopContact": contacts.stop_contact,
    "DescribeContact": contacts.describe_contact,
    "UpdateContact": contacts.update_contact,
    "UpdateContactAttributes": contacts.update_contact_attributes,
    "GetContactAttributes": contacts.get_contact_attributes,
    "ListContactReferences": contacts.list_contact_references,
    "UpdateContactSchedule": contacts.update_contact_schedule,
    "TransferContact": contacts.transfer_contact,
    "UpdateContactRoutingData": contacts.update_contact_routing_data,
    "SearchContacts": search.search_contacts,
    # Task templates
    "CreateTaskTemplate": templates.create_task_template,
    "GetTaskTemplate": templates.get_task_template,
    "ListTaskTemplates": templates.list_task_templates,
    "UpdateTaskTemplate": templates.update_task_template,
    "DeleteTaskTemplate": templates.delete_task_template,
    # Flows
    "CreateContactFlow": flows.create_contact_flow,
    "DescribeContactFlow": flows.describe_contact_flow,
    "UpdateContactFlowContent": flows.update_contact_flow_content,
    "ListContactFlows": flows.list_contact_flows,
    "DeleteContactFlow": configuration.delete_contact_flow,
    "DeleteQueue": configuration.delete_queue,
    "DeleteUser": configuration.delete_user,
    # Integrations (Lambda functions)
    "AssociateLambdaFunction": integrations.associate_lambda_function,
    "DisassociateLambdaFunction": integrations.disassociate_lambda_function,
    "ListLambdaFunctions": integrations.list_lambda_functions,
    # Read-only lists
    "ListQueues": lists.list_queues,
    "ListQuickConnects": lists.list_quick_connects,
    "ListRoutingProfiles": lists.list_routing_profiles,
    "ListUsers": lists.list_users,
    # Metrics
    "GetCurrentMetricData": metrics.get_current_metric_data,
    "GetCurrentUserData": metrics.get_current_user_data,
    "GetMetricDataV2": metrics.get_metric_data_v2,
    "GetMetricData": metrics.get_metric_data,
    # Configuration: queues
    "CreateQueue": queues.create_queue,
    "DescribeQueue": queues.describe_queue,
    "UpdateQueueName": queues.update_queue_name,
    "UpdateQueueHoursOfOperation": queues.update_queue_hours_of_operation,
    "UpdateQueueMaxContacts": queues.update_queue_max_contacts,
    "UpdateQueueStatus": queues.update_queue_status,
    "UpdateQueueOutboundCallerConfig": queues.update_queue_outbound_caller_config,
    "AssociateQueueQuickConnects": queues.associate_queue_quick_connects,
    "DisassociateQueueQuickConnects": queues.disassociate_queue_quick_connects,
    "ListQueueQuickConnects": queues.list_queue_quick_connects,
    "SearchQueues": queues.search_queues,
    # Configuration: routing profiles
    "CreateRoutingProfile": routing_profiles.create_routing_profile,
    "DescribeRoutingProfile": routing_profiles.describe_routing_profile,
    "UpdateRoutingProfileName": routing_profiles.update_routing_profile_name,
    "UpdateRoutingProfileConcurrency": routing_profiles.update_routing_profile_concurrency,
    "UpdateRoutingProfileDefaultOutboundQueue": routing_profiles.update_routing_profile_default_outbound_queue,
    "AssociateRoutingProfileQueues": routing_profiles.associate_routing_profile_queues,
    "DisassociateRoutingProfileQueues": routing_profiles.disassociate_routing_profile_queues,
    "UpdateRoutingProfileQueues": routing_profiles.update_routing_profile_queues,
    "ListRoutingProfileQueues": routing_profiles.list_routing_profile_queues,
    "DeleteRoutingProfile": routing_profiles.delete_routing_profile,
    "SearchRoutingProfiles": routing_profiles.search_routing_profiles,
    # Configuration: quick connects
    "CreateQuickConnect": quick_connects.create_quick_connect,
    "DescribeQuickConnect": quick_connects.describe_quick_connect,
    "UpdateQuickConnectName": quick_connects.update_quick_connect_name,
    "UpdateQuickConnectConfig": quick_connects.update_quick_connect_config,
    "DeleteQuickConnect": quick_connects.delete_quick_connect,
    "SearchQuickConnects": quick_connects.search_quick_connects,
    # Configuration: hours of operation, agent statuses
    "CreateHoursOfOperation": hours_statuses.create_hours_of_operation,
    "DescribeHoursOfOperation": hours_statuses.describe_hours_of_operation,
    "UpdateHoursOfOperation": hours_statuses.update_hours_of_operation,
    "DeleteHoursOfOperation": hours_statuses.delete_hours_of_operation,
    "ListHoursOfOperations": hours_statuses.list_hours_of_operations,
    "CreateAgentStatus": hours_statuses.create_agent_status,
    "DescribeAgentStatus": hours_statuses.describe_agent_status,
    "ListAgentStatuses": hours_statuses.list_agent_statuses,
    "UpdateAgentStatus": hours_statuses.update_agent_status,
    # Tags
    "TagResource": tags.tag_resource,
    "UntagResource": tags.untag_resource,
    "ListTagsForResource": tags.list_tags_for_resource,
    # Rules
    "CreateRule": rules.create_rule,
    "DescribeRule": rules.describe_rule,
    "ListRules": rules.list_rules,
    "UpdateRule": rules.update_rule,
    "DeleteRule": rules.delete_rule,
    # Conversations
    "StartChatContact": conversations.start_chat_contact,
    "StartOutboundVoiceContact": conversations.start_outbound_voice_contact,
    # Security profiles
    "CreateSecurityProfile": security_profiles.create_security_profile,
    "DescribeSecurityProfile": security_profiles.describe_security_profile,
    "ListSecurityProfiles": security_profiles.list_security_profiles,
    "UpdateSecurityProfile": security_profiles.update_security_profile,
    "DeleteSecurityProfile": security_profiles.delete_security_profile,
    "ListSecurityProfilePermissions": security_profiles.list_security_profile_permissions,
    # Users (DeleteUser and ListUsers above)
    "CreateUser": users.create_user,
    "DescribeUser": users.describe_user,
    "UpdateUserIdentityInfo": users.update_user_identity_info,
    "UpdateUserRoutingProfile": users.update_user_routing_profile,
    "UpdateUserSecurityProfiles": users.update_user_security_profiles,
    "UpdateUserPhoneConfig": users.update_user_phone_config,
    "PutUserStatus": users.put_user_status,
    "SearchUsers": users.search_users,
}

# Operations of other services on this endpoint: service model name → {operation: handler}.
EXTRA_SERVICES = {
    "connect-contact-lens": {
        "ListRealtimeContactAnalysisSegments": analysis.list_realtime_contact_analysis_segments,
    },
    "taskcenter-contact-analysis": {
        "PutContactAnalysisSegments": analysis.put_contact_analysis_segments,
    },
}
SERVICE_OF = {op: service for service, ops in EXTRA_SERVICES.items() for op in ops}


def handler_for(operation: str):
    """The handler of an operation this server implements, or None."""
    service = SERVICE_OF.get(operation)
    return EXTRA_SERVICES[service][operation] if service else HANDLERS.get(operation)


def operation_model(operation: str):
    """botocore's model of an operation, from the service it belongs to (Connect unless EXTRA_SERVICES says)."""
    return service_model(SERVICE_OF.get(operation, "connect")).operation_model(operation)


def implemented_operations() -> list[str]:
    """Every operation this server answers: the Connect HANDLERS and the other services' ones."""
    return sorted([*HANDLERS, *(op for ops in EXTRA_SERVICES.values() for op in ops)])


@dataclass(frozen=True)
class Route:
    operation: str
    method: str
    pattern: re.Pattern
    # More literal characters win: /contact/task before /contact/{ContactId}.
    weight: int


def _compile(uri: str) -> tuple[re.Pattern, int]:
    path = uri.split("?", 1)[0]
    regex, literal = "", 0
    for piece in re.split(r"(\{[^}]+\})", path):
        if piece.startswith("{"):
            name = piece[1:-1]
            # An ARN in the path (/tags/{resourceArn}) holds slashes: botocore sends them as %2F, which the
            # server has decoded into path_info before it reaches us.
            greedy = name.endswith("+") or name == "resourceArn"
            name = name.rstrip("+")
            regex += f"(?P<{name}>.+)" if greedy else f"(?P<{name}>[^/]+)"
        else:
            regex += re.escape(piece)
            literal += len(piece)
    return re.compile(f"^{regex}/?$"), literal


def _first_segment(path: str) -> str:
    return path.lstrip("/").split("/", 1)[0].split("?", 1)[0]


@functools.lru_cache(maxsize=1)
def _route_index() -> dict[str, tuple[Route, ...]]:
    index: dict[str, list[Route]] = {}
    named = [(name, service_model().operation_model(name)) for name in service_model().operation_names]
    named += [(name, operation_model(name)) for operations in EXTRA_SERVICES.values() for name in operations]
    for name, model in named:
        http = model.http
        pattern, weight = _compile(http["requestUri"])
        first = _first_segment(http["requestUri"])
        key = "*" if "{" in first else first
        index.setdefault(key, []).append(Route(name, http["method"].upper(), pattern, weight))
    return {key: tuple(sorted(table, key=lambda r: -r.weight)) for key, table in index.items()}


def routes(path: str = "") -> tuple[Route, ...]:
    """The routes that could match `path` (indexed by first segment), most specific first."""
    index = _route_index()
    return index.get(_first_segment(path), ()) + index.get("*", ())


def route_match(method: str, path: str) -> tuple[str, dict] | None:
    """(operation, path parameters) for a request, or None when no Connect operation has this path.

    A path that exists with another method is still reported (as that path's first operation), so the
    caller answers it as an API request."""
    fallback = None
    for route in routes(path):
        match = route.pattern.match(path)
        if match is None:
            continue
        if route.method == method.upper():
            return route.operation, match.groupdict()
        fallback = fallback or (route.operation, match.groupdict(), route.method)
    if fallback is not None:
        return "", {"_allowed": fallback[2]}
    return None


def path_is_api(path: str) -> bool:
    """Whether any operation (Connect's, or one of EXTRA_SERVICES, or the API ping) lives at this path."""
    if path == PING_PATH:
        return True
    return any(route.pattern.match(path) for route in routes(path))
