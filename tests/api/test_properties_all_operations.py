"""Every operation the API serves, fed generated requests: never a 500, and a refused request writes nothing.

Requests are built from botocore's input shape of each operation in ccp/api/operations.py HANDLERS and
EXTRA_SERVICES (Contact Lens's ListRealtimeContactAnalysisSegments, our transcript intake): members of
the right type and of the wrong one, lengths just past the model's limits, enum values and garbage, ids of rows
in this instance and in another one, forged paging tokens; path parameters included. Each is signed with
botocore's signer and sent through the live server.

Cost: HYPOTHESIS_PROFILE=ci (the default) sends about 2,000 requests in all (a few minutes); =quick about 200;
=thorough about 10,000, for a run by hand:
    HYPOTHESIS_PROFILE=thorough pytest tests/api/test_properties_all_operations.py -s
(-s prints the statuses seen per operation).
"""

import base64
import collections
import json
import os
import urllib.parse

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ccp.api.operations import implemented_operations, operation_model
from ccp.api.paging import token_encode
from ccp.models import AgentStatus
from ccp.services.agents import agent_statuses_ensure
from ccp.services.configuration.security_profiles import security_profiles_ensure
from ccp.services.conversations import ChatRequest, chat_start
from ccp.services.rules import RuleInput, rule_create
from ccp.services.task_templates import task_template_create
from ccp.services.tasks import task_start
from tests.api.test_hostile_input import every_table_count
from tests.api.wire import send, signed_request
from tests.factories import AgentFactory, AgentStatusFactory, QuickConnectFactory, RoutingProfileFactory

pytestmark = pytest.mark.django_db(transaction=True)

# Connect's operations and the other services' on the same endpoint (Contact Lens, our transcript intake).
OPERATIONS = implemented_operations()
TOTAL_REQUESTS = {"ci": 2_000, "thorough": 10_000, "quick": 200}[os.environ.get("HYPOTHESIS_PROFILE", "ci")]
PER_OPERATION = TOTAL_REQUESTS // len(OPERATIONS) + 1
FUZZ = settings(
    max_examples=PER_OPERATION,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
RULE_FUNCTION = json.dumps(
    {
        "Version": "2022-11-25",
        "RuleFunction": {
            "Operator": "AND",
            "Operands": [
                {
                    "Operator": "CONTAINS_ANY",
                    "Operands": ["refund"],
                    "ComparisonValue": "$.ContactLens.RealTimeCall.ExactMatch.Transcript",
                }
            ],
        },
    }
)
SEEN: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)

# Text that survives a URL (no lone surrogates) and JSON values of any type: the garbage in every slot.
text = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=30)
garbage = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=6,
)


def forged_tokens() -> list[str]:
    encode = lambda raw: base64.urlsafe_b64encode(raw.encode()).decode()  # noqa: E731
    return [
        token_encode(0),
        token_encode(1),
        encode(f"v1:{10**30}"),
        encode(f"v1:{2**63}"),
        encode("v1:-5"),
        encode(json.dumps({"offset": 10**30})),
        encode("v2:1"),
        "%%%",
    ]


def string_values(shape, pool):
    low, high = shape.metadata.get("min") or 0, shape.metadata.get("max")
    options = [st.sampled_from(pool["*"]), text]
    if shape.enum:
        options.insert(0, st.sampled_from(list(shape.enum)))
    if high is not None and high <= 5000:
        options.append(st.text(min_size=high + 1, max_size=high + 3))
    if low > 1:
        options.append(st.text(max_size=low - 1))
    return st.one_of(*options)


def values(shape, pool, depth=0):
    """A strategy for one member: mostly the right type (valid or just out of bounds), sometimes garbage."""
    kind = shape.type_name
    if depth > 4:
        return garbage
    if kind == "string":
        right = string_values(shape, pool)
    elif kind in ("integer", "long"):
        low, high = shape.metadata.get("min"), shape.metadata.get("max")
        near = [st.integers(low - 2, low + 2)] if low is not None else []
        near += [st.integers(high - 2, high + 2)] if high is not None else []
        right = st.one_of(*near, st.integers(-(2**70), 2**70), st.just(10**30))
    elif kind in ("double", "float"):
        right = st.floats()
    elif kind == "boolean":
        right = st.booleans()
    elif kind == "timestamp":
        right = st.integers(-(10**13), 10**13) | st.floats() | text
    elif kind == "list":
        right = st.lists(values(shape.member, pool, depth + 1), max_size=4)
    elif kind == "map":
        keys = string_values(shape.key, pool) if shape.key.type_name == "string" else text
        right = st.dictionaries(keys, values(shape.value, pool, depth + 1), max_size=4)
    elif kind == "structure":
        right = structures(shape, pool, depth + 1)
    else:
        right = garbage
    return st.one_of(right, right, right, garbage)


def member_values(name, shape, pool, depth):
    """Ids named by the member (ContactId, ContactFlowId, …) come mostly from the rows they name."""
    likely = pool.get(name)
    if likely and shape.type_name in ("string", "list"):
        return st.sampled_from(likely) | st.sampled_from(likely) | values(shape, pool, depth)
    return values(shape, pool, depth)


def structures(shape, pool, depth=0):
    names = list(shape.members)
    required = [n for n in shape.required_members if n in names]
    strategies = {name: member_values(name, shape.members[name], pool, depth) for name in names}
    complete = st.fixed_dictionaries(
        {n: strategies[n] for n in required}, optional={n: s for n, s in strategies.items() if n not in required}
    )
    # Now and then a required member is missing too.
    shapes = complete | st.fixed_dictionaries({}, optional=strategies)
    optional = [n for n in names if n not in required]
    if depth or not optional:
        return shapes
    # A request with few members gets past validation more often, so the handlers themselves are exercised.
    few = st.builds(
        lambda base, extra: {**base, **extra},
        st.fixed_dictionaries({n: strategies[n] for n in required}),
        st.sampled_from(optional).flatmap(lambda name: st.fixed_dictionaries({name: strategies[name]})),
    )
    return shapes | few


def request_for(operation: str, params: dict) -> tuple[str, str, str, bytes]:
    """(method, path, query, body) as botocore would lay the parameters out (rest-json)."""
    model = operation_model(operation)
    path = model.http["requestUri"].split("?", 1)[0]
    query, body = [], {}
    for name, member in model.input_shape.members.items():
        location = member.serialization.get("location")
        wire = member.serialization.get("name", name)
        if name not in params:
            continue
        value = params[name]
        if location == "uri":
            path = path.replace("{" + wire + "}", urllib.parse.quote(str(value), safe="") or "-")
        elif location == "querystring":
            for item in value if isinstance(value, list) else [value]:
                query.append((wire, item if isinstance(item, str) else json.dumps(item)))
        elif location is None:
            body[name] = value
    # A missing path parameter still gives a path (a wrong one: the route is not found).
    path = path.replace("{", "%7B").replace("}", "%7D")
    return model.http["method"], path, urllib.parse.urlencode(query), json.dumps(body).encode()


@pytest.fixture
def world(instance, key, task_flow, queue, outsider):
    """Rows in this instance and in the outsider's, whose ids the requests borrow."""
    instance.api_rate_per_second = instance.api_burst = 1_000_000
    instance.save()
    own_task = task_start(instance=instance, name="Own task", contact_flow=task_flow)
    their_task = task_start(instance=outsider["instance"], name="Their task", contact_flow=outsider["flow"])
    own_chat = chat_start(instance=instance, request=ChatRequest(contact_flow=task_flow, display_name="Ana"))
    their_chat = chat_start(
        instance=outsider["instance"], request=ChatRequest(contact_flow=outsider["flow"], display_name="Ben")
    )
    template = task_template_create(instance=instance, name="Template", fields=[])
    agent = AgentFactory(instance=instance, routing_profile=RoutingProfileFactory(instance=instance))
    quick_connect = QuickConnectFactory(instance=instance, queue=queue)
    profile = agent.routing_profile
    hours = queue.hours
    status = AgentStatus.objects.filter(instance=instance).first() or AgentStatusFactory(instance=instance)
    arns = [
        f"{instance.arn}/queue/{queue.id}",
        f"{instance.arn}/routing-profile/{profile.id}",
        f"{instance.arn}/transfer-destination/{quick_connect.id}",
        f"{instance.arn}/operating-hours/{hours.id}",
        f"{instance.arn}/agent-state/{status.id}",
        f"{outsider['instance'].arn}/queue/{outsider['queue'].id}",
        f"{instance.arn}/contact-flow/{task_flow.id}",
    ]
    rule = rule_create(
        instance=instance,
        data=RuleInput(
            name="Refund",
            event_source="OnRealTimeCallAnalysisAvailable",
            function=RULE_FUNCTION,
            actions=[
                {"ActionType": "CREATE_TASK", "TaskAction": {"Name": "[ContactId]", "ContactFlowId": task_flow.id}}
            ],
            publish_status="PUBLISHED",
        ),
    )
    profiles = security_profiles_ensure(instance=instance)
    their_profile = security_profiles_ensure(instance=outsider["instance"])["Agent"]
    statuses = agent_statuses_ensure(instance=instance)
    ids = [
        instance.id,
        instance.id,
        instance.id,
        outsider["instance"].id,
        own_task.id,
        own_task.id,
        their_task.id,
        task_flow.id,
        outsider["flow"].id,
        queue.id,
        outsider["queue"].id,
        template.id,
        agent.id,
        quick_connect.id,
        profile.id,
        hours.id,
        status.id,
        *arns,
        rule.id,
        task_flow.content,
        "",
        "00000000-0000-0000-0000-000000000000",
        *forged_tokens(),
    ]
    pool = {
        "*": ids,
        "ContactId": [own_task.id, own_task.id, their_task.id, own_chat.id, own_chat.id, their_chat.id],
        "InitialContactId": [own_task.id, their_task.id],
        "PreviousContactId": [own_task.id, their_task.id],
        "RelatedContactId": [own_task.id, their_task.id],
        "ContactFlowId": [task_flow.id, task_flow.id, outsider["flow"].id],
        "TaskTemplateId": [template.id, template.id, "no-such-template"],
        "QueueId": [queue.id, outsider["queue"].id],
        "QuickConnectId": [quick_connect.id],
        "RoutingProfileId": [profile.id, profile.id, "no-such-profile"],
        "DefaultOutboundQueueId": [queue.id, outsider["queue"].id],
        "HoursOfOperationId": [hours.id, hours.id, "no-such-hours"],
        "AgentStatusId": [status.id, status.id, statuses["ROUTABLE"].id, statuses["MISSED"].id, "no-such-status"],
        "resourceArn": arns,
        "UserId": [agent.id],
        "Content": [task_flow.content, "[" * 1000 + "]" * 1000],
        "NextToken": forged_tokens(),
        "FunctionArn": [
            "arn:aws:lambda:us-east-1:123456789012:function:crm",
            "arn:aws:lambda:us-east-1:123456789012:function:crm",
            "arn:aws:lambda:nowhere",
        ],
        "RuleId": [rule.id, rule.id, "no-such-rule"],
        "Function": [RULE_FUNCTION, RULE_FUNCTION, "{}", '{"Version": "2022-11-25"}'],
        "DestinationPhoneNumber": ["+12065550100", "+441632960001"],
        "Id": ["s1", "s1", "s2"],
        "SecurityProfileId": [profiles["Agent"].id, profiles["QualityAnalyst"].id, their_profile.id],
        "SecurityProfileIds": [[profiles["Agent"].id], [profiles["QualityAnalyst"].id, their_profile.id]],
        "Permissions": [["BasicAgentAccess", "Queues.Edit"], ["NoSuch.Permission"]],
    }
    return {"instance": instance, "key": key, "pool": pool}


@pytest.fixture(scope="module", autouse=True)
def _report():
    yield
    for operation, statuses in sorted(SEEN.items()):
        print(f"{operation:<28} {sum(statuses.values()):>5} requests  {dict(sorted(statuses.items()))}")


@pytest.mark.parametrize("operation", OPERATIONS)
@FUZZ
@given(data=st.data())
def test_generated_requests_never_500_and_refused_ones_write_nothing(live_server, world, operation, data):
    model = operation_model(operation)
    pool = world["pool"]
    params = data.draw(structures(model.input_shape, pool))
    # Most requests name this instance, so they get past the ownership check to the handler.
    if "InstanceId" in model.input_shape.members and data.draw(st.integers(0, 3)):
        params["InstanceId"] = world["instance"].id
    method, path, query, body = request_for(operation, params)
    api_key, secret = world["key"]
    before = every_table_count()
    request = signed_request(
        live_server.url,
        method=method,
        path=path,
        query=query,
        body=body,
        access_key_id=api_key.access_key_id,
        secret=secret,
    )
    status, error, payload = send(request)
    SEEN[operation][status] += 1
    assert status < 500, (operation, status, error, payload, method, path, query, body[:500])
    if status >= 400:
        assert every_table_count() == before, (operation, status, error, path, body[:500])
