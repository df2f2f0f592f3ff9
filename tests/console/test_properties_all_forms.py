"""Every form and action the console accepts a POST on, fed generated form data: never a 500, and a refused
POST (a 4xx, or the form shown again with its errors) writes nothing.

An admin, signed in with Django's test client, posts to every POST view of admin_console/urls.py: add, edit
and delete of each configuration object, the instance settings, API keys, parked timer actions, the contact
summary's actions, the saved historical report and the real-time Offline button. Keys are the form's real
field names (read from the page's own `name="…"` attributes, or the form's fields for views with no page)
plus garbage; values are text with unicode and NUL, very long strings, numbers huge and negative, JSON-ish
strings and the real ids of rows in this instance and in another one (tests/tenancy.py). Path ids come
from the same pool.

Cost: HYPOTHESIS_PROFILE=ci (the default) posts 20 requests per view (about 800 in all); =quick 3 per view;
=thorough 100 per view (about 4,000), for a run by hand:
    HYPOTHESIS_PROFILE=thorough pytest tests/console/test_properties_all_forms.py -s
(-s prints the statuses seen per view).
"""

import collections
import json
import os
import re

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ccp import models as m
from ccp.services.agents import agent_statuses_ensure
from ccp.services.api_keys import api_key_create
from ccp.services.applications import integration_create
from ccp.services.rules import RuleInput, rule_create
from ccp.services.tasks import task_start
from tests.api.test_hostile_input import every_table_count
from tests.cast import flow_content, flow_publish
from tests.factories import AgentFactory, HoursOfOperationFactory, QuickConnectFactory, RoutingProfileFactory
from tests.tenancy import other_instance_build

pytestmark = pytest.mark.django_db

PER_VIEW = {"ci": 20, "thorough": 100, "quick": 3}[os.environ.get("HYPOTHESIS_PROFILE", "ci")]
FUZZ = settings(
    max_examples=PER_VIEW,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
SEEN: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)

CRUD = (
    "queue",
    "routing_profile",
    "quick_connect",
    "hours",
    "flow",
    "task_template",
    "user",
    "agent_status",
    "integration",
    "rule",
    "security_profile",
)
# (view, url name, the kind of row its path id names, the field names of a view with no page of its own)
TARGETS = [
    *[(f"{name}_add", f"admin_console:{name}_add", None, None) for name in CRUD],
    *[(f"{name}_edit", f"admin_console:{name}_edit", name, None) for name in CRUD],
    *[(f"{name}_delete", f"admin_console:{name}_delete", name, None) for name in CRUD],
    ("instance_settings", "admin_console:instance_settings", None, None),
    ("api_key_add", "admin_console:api_key_add", None, None),
    ("api_key_revoke", "admin_console:api_key_revoke", "api_key", None),
    ("parked_timer_retry", "admin_console:parked_timer_retry", "timer", []),
    ("parked_timer_dismiss", "admin_console:parked_timer_dismiss", "timer", []),
    ("contact_end", "admin_console:contact_action", "contact", ["confirm"]),
    ("contact_cancel", "admin_console:contact_action", "contact", ["confirm"]),
    ("contact_transfer", "admin_console:contact_action", "contact", ["queue", "agent"]),
    ("contact_routing", "admin_console:contact_action", "contact", ["priority", "age_seconds"]),
    ("contact_reschedule", "admin_console:contact_action", "contact", ["scheduled_time"]),
    ("historical_report_save", "admin_console:historical_report_save", None, ["name", "query"]),
    ("realtime_agent_offline", "admin_console:realtime_agent_offline", "user", []),
    ("task_template_preview", "admin_console:task_template_preview", None, []),
    ("flow_publish", "admin_console:flow_publish", "flow", []),
    ("integration_test", "admin_console:integration_test", "integration", []),
    ("rule_publish", "admin_console:rule_publish", "rule", ["next"]),
    ("rule_unpublish", "admin_console:rule_publish", "rule", ["next"]),
    ("rule_test", "admin_console:rule_test", "rule", ["transcript", "payload"]),
    ("application_add", "admin_console:application_add", None, None),
    ("application_delete", "admin_console:application_delete", "application", []),
]
# The page whose form a view without a GET of its own posts (its field names are read from there).
FORM_PAGES = {
    "historical_report_save": "admin_console:historical_report",
    "task_template_preview": "admin_console:task_template_add",
}

text = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40)


def fields_of(html: str) -> list[str]:
    return sorted(set(re.findall(r'name="([^"]+)"', html)) - {"csrfmiddlewaretoken"})


@pytest.fixture
def world(instance, admin, client):
    """Rows of every kind in this instance and in another one; their ids are the values posted."""
    client.force_login(admin)
    statuses = agent_statuses_ensure(instance=instance)
    queue = m.Queue.objects.create(instance=instance, name="Support")
    flow = flow_publish(instance, "Tasks to Support", flow_content(queue_id=queue.id))
    profile = RoutingProfileFactory(instance=instance, default_outbound_queue=queue)
    agent = AgentFactory(instance=instance, routing_profile=profile, status=statuses[m.AgentStatus.Type.ROUTABLE])
    own = {
        "queue": queue,
        "routing_profile": profile,
        "quick_connect": QuickConnectFactory(instance=instance, queue=queue),
        "hours": HoursOfOperationFactory(instance=instance),
        "flow": flow,
        "task_template": m.TaskTemplate.objects.create(instance=instance, name="Template", flow=flow),
        "user": agent,
        "agent_status": m.AgentStatus.objects.create(instance=instance, name="Lunch", type=m.AgentStatus.Type.CUSTOM),
        "api_key": m.ApiKey.objects.get(pk=api_key_create(instance=instance)[0].pk),
        "contact": task_start(instance=instance, name="Own task", contact_flow=flow),
        # A private address: the Test button's call is refused before it leaves the machine.
        "integration": m.LambdaFunction.objects.create(
            instance=instance, arn="arn:aws:lambda:us-east-1:123456789012:function:crm", url="http://127.0.0.1:9/"
        ),
        "rule": rule_create(instance=instance, data=RuleInput(
            name="Refund", event_source="OnRealTimeCallAnalysisAvailable", function=json.dumps({
                "Version": "2022-11-25", "RuleFunction": {"Operator": "AND", "Operands": [{
                    "Operator": "CONTAINS_ANY", "Operands": ["refund"],
                    "ComparisonValue": "$.ContactLens.RealTimeCall.ExactMatch.Transcript"}]}}),
            actions=[{"ActionType": "ASSIGN_CONTACT_CATEGORY"}], publish_status="PUBLISHED")),
        "application": integration_create(instance=instance, name="Zendesk", application="ZENDESK")[0],
        "security_profile": m.SecurityProfile.objects.create(
            instance=instance, name="Leads", permissions=["BasicAgentAccess", "Queues.View"]
        ),
    }
    other = other_instance_build()
    ids = [str(row.pk) for row in own.values()]
    ids += [str(pk) for pk in m.SecurityProfile.objects.filter(instance=instance).values_list("pk", flat=True)]
    ids += ["BasicAgentAccess", "SecurityProfiles.Edit", "Queues.Edit", "No.Such"]
    ids += [str(row.pk) for key, row in other.items() if hasattr(row, "pk")]
    pool = ids + ["0", "-1", str(2**63), "", "00000000-0000-0000-0000-000000000000", "AVAILABLE", "TASK"]
    fields = {}
    for view, url, kind, names in TARGETS:
        if names is not None:
            page = FORM_PAGES.get(view)
            fields[view] = names + (fields_of(client.get(reverse(page)).content.decode()) if page else [])
            continue
        args = [own[kind].pk] if kind else []
        page = url.replace("_delete", "_edit") if view.endswith("_delete") else url
        response = client.get(reverse(page, args=args))
        assert response.status_code == 200, (view, response.status_code)
        fields[view] = fields_of(response.content.decode())
    return {"own": own, "other": other, "pool": pool, "fields": fields}


def form_values(pool):
    scalar = st.one_of(
        st.sampled_from(pool),
        st.sampled_from(pool),
        text,
        st.integers(-(2**70), 2**70).map(str),
        st.sampled_from(["10" * 200, "1e309", "NaN", "-0", "", " ", "\x00", "on", "true", "2026-02-30T25:61"]),
        st.text(min_size=300, max_size=2000),
        st.recursive(st.none() | st.integers() | text, lambda inner: st.lists(inner, max_size=3), max_leaves=5).map(
            json.dumps
        ),
    )
    return st.one_of(scalar, scalar, st.lists(scalar, min_size=2, max_size=3))


def refused(response) -> bool:
    """A 4xx, a form or formset shown again with its errors, or a delete the page says is blocked."""
    if response.status_code >= 400:
        return True
    if response.status_code != 200 or response.context is None:
        return False
    context = response.context
    form, formset = context.get("form"), context.get("formset")
    return bool(
        (form is not None and form.errors)
        or (formset is not None and formset.total_error_count())
        or context.get("blockers")
    )


@pytest.fixture(scope="module", autouse=True)
def _report():
    yield
    for view, statuses in sorted(SEEN.items()):
        print(f"{view:<28} {sum(statuses.values()):>5} requests  {dict(sorted(statuses.items()))}")


@pytest.mark.parametrize("target", TARGETS, ids=[target[0] for target in TARGETS])
@FUZZ
@given(data=st.data())
def test_generated_form_posts_never_500_and_refused_ones_write_nothing(client, world, target, data):
    view, url, kind, _ = target
    args = []
    if kind:
        # Half name this instance's row (the form gets to its service); the rest, any other id or garbage.
        own = world["own"].get(kind)
        others = st.sampled_from(world["pool"] + ["1", "999999"]) | text.filter(str.strip)
        if kind in ("api_key", "timer", "integration"):
            others = st.integers(0, 2**63).map(str)
        args = [data.draw(st.one_of(st.just(str(own.pk)), others) if own else others)]
    if url.endswith(":contact_action"):
        args.append(view.removeprefix("contact_"))
    if url.endswith(":rule_publish"):
        args.append(view.removeprefix("rule_"))
    names = world["fields"][view]
    keys = st.sampled_from(names) | text if names else text
    form = data.draw(st.dictionaries(keys, form_values(world["pool"]), max_size=len(names) + 3))
    try:
        path = reverse(url, args=args)
    except Exception:
        return  # a path id the route cannot carry (a slash, say) is not a request
    before = every_table_count()
    response = client.post(path, form)
    SEEN[view][response.status_code] += 1
    assert response.status_code < 500, (view, path, form)
    if refused(response):
        assert every_table_count() == before, (view, path, response.status_code, form)
