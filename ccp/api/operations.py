"""The operations table: which Connect operation a (method, path) is, and which handler serves it.

Every path of botocore's Connect model is recognised (so a signed request for an operation this
server does not implement gets an AWS-style error, not the web app); the handlers below are the
operations implemented here.
"""

import functools
import re
from dataclasses import dataclass

from ccp.api import configuration, contacts, flows, lists, metrics, search, security_profiles, templates, users
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
            greedy = name.endswith("+")
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
    model = service_model()
    index: dict[str, list[Route]] = {}
    for name in model.operation_names:
        http = model.operation_model(name).http
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
    """Whether any Connect operation (or the API ping) lives at this path."""
    if path == PING_PATH:
        return True
    return any(route.pattern.match(path) for route in routes(path))
