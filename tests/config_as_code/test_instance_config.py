"""Configuration as code: `instance_export` writes an instance as one file, `instance_apply` makes an instance
match one (`--plan` shows the changes and writes nothing), in one transaction through the services."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F, Value
from django.db.models.functions import Concat

from ccp import models as m
from ccp.demo.loader import DEMO_USERS, demo_document, demo_load
from ccp.services.applications import integration_create
from ccp.services.configuration.flows import flow_create
from ccp.services.configuration.tags import resource_tag
from ccp.services.instance_config import instance_apply
from ccp.services.instances import instance_create
from ccp.services.integrations import lambda_function_create
from ccp.services.rules import RuleInput, rule_create
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

LAMBDA_ARN = "arn:aws:lambda:us-east-1:123456789012:function:enrich"


def export(alias: str) -> str:
    out = io.StringIO()
    call_command("instance_export", "--instance", alias, stdout=out)
    return out.getvalue()


def apply(path, *args) -> str:
    out = io.StringIO()
    call_command("instance_apply", str(path), *args, stdout=out)
    return out.getvalue()


def write(tmp_path, document: dict, name="acme.json"):
    path = tmp_path / name
    path.write_text(json.dumps(document, indent=2))
    return path


@pytest.fixture
def demo():
    """The demo instance, plus what the demo lacks: a rule creating tasks in a flow (an id in its actions), a
    third-party integration with a rule on it, a Lambda endpoint, a draft flow and tags."""
    instance = demo_load().instance
    flow = m.ContactFlow.objects.get(instance=instance, name="Route tasks to Billing")
    rule_create(
        instance=instance,
        data=RuleInput(
            name="Refund follow-up",
            event_source="OnRealTimeCallAnalysisAvailable",
            function=json.dumps(
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
            ),
            actions=[
                {
                    "ActionType": "CREATE_TASK",
                    "TaskAction": {"Name": "Refund [ContactId]", "ContactFlowId": flow.id, "References": {}},
                }
            ],
            publish_status="PUBLISHED",
        ),
    )
    zendesk, _ = integration_create(instance=instance, name="Zendesk", application="ZENDESK")
    rule_create(
        instance=instance,
        data=RuleInput(
            name="Urgent tickets",
            event_source="OnZendeskTicketCreate",
            function=json.dumps(
                {
                    "Version": "2022-11-25",
                    "RuleFunction": {
                        "Operator": "AND",
                        "Operands": [
                            {
                                "Operator": "EQUALS",
                                "Operands": ["urgent"],
                                "ComparisonValue": "$.ThirdParty.Zendesk.TicketCreate.Priority",
                            }
                        ],
                    },
                }
            ),
            actions=[
                {
                    "ActionType": "CREATE_TASK",
                    "TaskAction": {"Name": "Urgent ticket", "ContactFlowId": flow.id, "References": {}},
                }
            ],
            publish_status="DRAFT",
            integration_id=zendesk.id,
        ),
    )
    lambda_function_create(instance=instance, arn=LAMBDA_ARN, url="https://crm.example.com/enrich", timeout_seconds=3)
    flow_create(
        instance=instance,
        name="Draft flow",
        type=m.FlowType.CONTACT_FLOW,
        content=json.dumps({"Version": "2019-10-30", "StartAction": "x", "Actions": []}),
        publish=False,
    )
    queue = m.Queue.objects.get(instance=instance, name="Billing")
    resource_tag(row=queue, tags={"team": "finance"}, resource_type="queue")
    return instance


def test_export_then_apply_into_an_empty_instance_exports_the_same_file(demo, tmp_path):
    first = export("demo")
    document = json.loads(first)
    assert document["format_version"] == 1
    assert document["routing_profiles"]["Tasks - 10 at a time"]["concurrency"] == {"TASK": 10, "CHAT": 2, "VOICE": 1}
    assert document["rules"]["Refund follow-up"]["actions"][0]["TaskAction"]["ContactFlowId"] == (
        "{{flow:Route tasks to Billing}}"
    )
    assert demo.id not in first  # no database ids: names and placeholders only
    for queue_id in m.Queue.objects.filter(instance=demo).values_list("id", flat=True):
        assert queue_id not in first
    path = write(tmp_path, document)
    # Usernames are unique across instances: the source's users step aside for the copy's.
    m.User.objects.filter(instance=demo).update(username=Concat(Value("old-"), F("username")))

    output = apply(path, "--instance", "copy")

    assert '+ instance "copy"' in output
    assert '+ queue "Billing"' in output
    assert '- queue "BasicQueue"' in output  # create_instance's defaults the file does not have
    copy = m.Instance.objects.get(alias="copy")
    assert export("copy") == first.replace('"alias": "demo"', '"alias": "copy"')
    # The copy is wired to its own rows, not the source's.
    rule = m.Rule.objects.get(instance=copy, name="Refund follow-up")
    assert rule.actions[0]["TaskAction"]["ContactFlowId"] == m.ContactFlow.objects.get(
        instance=copy, name="Route tasks to Billing"
    ).id
    agent1 = m.User.objects.get(username="agent1")
    assert agent1.instance == copy and agent1.routing_profile.name == "Tasks - 10 at a time"
    assert m.Queue.objects.get(agent=agent1).quick_connects.count() == 6
    # Applied through the audited services.
    assert m.AuditEntry.objects.filter(instance=copy, resource_type="queue", action="CREATE").count() == 3


def test_the_export_holds_no_secret_and_no_password(demo):
    text = export("demo")
    for user in m.User.objects.filter(instance=demo):
        assert user.password not in text
    for _username, password, *_ in DEMO_USERS:
        assert password not in text
    for integration in m.Integration.objects.filter(instance=demo):
        assert integration.secret_encrypted not in text
    function = m.LambdaFunction.objects.get(instance=demo)
    assert function.signing_secret_encrypted not in text
    for key in m.ApiKey.objects.filter(instance=demo):
        assert key.access_key_id not in text
    assert "secret" not in text.lower()
    assert "password" not in text.lower()


def test_plan_shows_additions_changes_and_deletions_and_writes_nothing(demo, tmp_path):
    before = export("demo")
    document = json.loads(before)
    document["queues"]["Returns"] = {"description": "Returned goods", "hours": "Business hours"}
    document["routing_profiles"]["Tasks - 10 at a time"]["concurrency"]["TASK"] = 5
    del document["quick_connects"]["Escalations queue"]
    for queue in document["queues"].values():
        if "Escalations queue" in queue.get("quick_connects", []):
            queue["quick_connects"].remove("Escalations queue")
    for user in document["users"].values():
        if "Escalations queue" in user["personal_queue_quick_connects"]:
            user["personal_queue_quick_connects"].remove("Escalations queue")
    path = write(tmp_path, document)
    entries = m.AuditEntry.objects.count()

    plan = apply(path, "--plan")

    lines = plan.splitlines()
    assert '+ queue "Returns"' in lines
    assert '~ routing_profile "Tasks - 10 at a time": concurrency.TASK 10 -> 5' in lines
    assert '- quick_connect "Escalations queue"' in lines
    assert lines[-1] == "Plan: 1 to add, 7 to change, 1 to delete."
    assert export("demo") == before
    assert m.AuditEntry.objects.count() == entries

    apply(path)
    assert m.RoutingProfile.objects.get(instance=demo, name="Tasks - 10 at a time").task_concurrency == 5
    assert not m.QuickConnect.objects.filter(instance=demo, name="Escalations queue").exists()
    assert m.Queue.objects.get(instance=demo, name="Returns").hours.name == "Business hours"
    assert m.AuditEntry.objects.filter(resource_type="routing_profile", action="UPDATE").exists()


def test_applying_twice_changes_nothing_the_second_time(demo, tmp_path):
    document = json.loads(export("demo"))
    document["agent_statuses"]["Lunch"] = {"type": "CUSTOM", "display_order": 4}
    document["users"]["agent3"]["routing_profile"] = "Tasks - 10 at a time"
    path = write(tmp_path, document)
    apply(path)
    after_first = export("demo")
    entries = m.AuditEntry.objects.count()

    assert apply(path, "--plan").strip() == "No changes."
    assert apply(path).strip() == "No changes."
    assert export("demo") == after_first
    assert m.AuditEntry.objects.count() == entries


def test_a_bad_reference_changes_nothing_and_names_the_object_and_field(demo, tmp_path):
    before = export("demo")
    document = json.loads(before)
    document["queues"]["Returns"] = {"description": "Made first, then rolled back"}
    document["routing_profiles"]["Billing specialists"]["queues"].append({"queue": "Nowhere", "channel": "TASK"})
    path = write(tmp_path, document)

    with pytest.raises(CommandError) as refused:
        apply(path)

    assert 'routing_profile "Billing specialists": queues: names queue "Nowhere"' in str(refused.value)
    assert "Nothing was changed." in str(refused.value)
    assert export("demo") == before
    assert not m.Queue.objects.filter(name="Returns").exists()


def test_an_invalid_value_is_refused_with_the_services_message(demo, tmp_path):
    document = json.loads(export("demo"))
    document["routing_profiles"]["Billing specialists"]["concurrency"]["VOICE"] = 3
    with pytest.raises(CommandError) as refused:
        apply(write(tmp_path, document))
    assert 'routing_profile "Billing specialists": voice_concurrency: Voice concurrency is 0 to 1.' in str(
        refused.value
    )
    document = json.loads(export("demo"))
    document["queues"]["Tasks"]["colour"] = "blue"
    with pytest.raises(CommandError, match='queue "Tasks": colour: is not a field of a queue'):
        apply(write(tmp_path, document))


def test_deleting_what_is_in_use_is_refused_as_the_services_refuse_it(demo, tmp_path):
    before = export("demo")
    document = json.loads(before)
    billing = m.Queue.objects.get(instance=demo, name="Billing")
    ContactFactory(instance=demo, queue=billing, name="Open refund")
    # Everything that refers to Billing goes too; only the open contact still uses it.
    del document["queues"]["Billing"]
    del document["quick_connects"]["Billing queue"]
    for queue in document["queues"].values():
        queue["quick_connects"] = [q for q in queue["quick_connects"] if q != "Billing queue"]
    for user in document["users"].values():
        personal = user["personal_queue_quick_connects"]
        user["personal_queue_quick_connects"] = [q for q in personal if q != "Billing queue"]
    for profile in document["routing_profiles"].values():
        profile["queues"] = [q for q in profile["queues"] if q["queue"] != "Billing"]
    for name in ("Route tasks to Billing", "After hours handling", "Overflow to backup queue"):
        del document["flows"][name]
    path = write(tmp_path, document)

    with pytest.raises(CommandError) as refused:
        apply(path)

    assert 'queue "Billing": can\'t be deleted:' in str(refused.value)
    assert "Open contact “Open refund”" in str(refused.value)
    assert export("demo") == before


def test_other_instances_are_untouched(demo, tmp_path):
    instance_create(
        alias="other", admin_username="other-admin", admin_email="a@example.com", admin_password="Other-pass-2026!"
    )
    other_before = export("other")
    document = json.loads(export("demo"))
    document["hours_of_operations"]["Weekend"] = {
        "timezone": "Europe/Paris",
        "config": [
            {"Day": "SATURDAY", "StartTime": {"Hours": 9, "Minutes": 0}, "EndTime": {"Hours": 12, "Minutes": 0}}
        ],
    }
    apply(write(tmp_path, document))
    assert m.HoursOfOperation.objects.filter(instance=demo, name="Weekend").exists()
    assert export("other") == other_before


def test_a_section_left_out_is_left_alone(demo):
    result = instance_apply({"format_version": 1, "queues": json.loads(export("demo"))["queues"]}, alias="demo")
    assert result.changes == []
    result = instance_apply({"format_version": 1, "rules": {}}, alias="demo", plan_only=True)
    assert [c.line() for c in result.changes] == ['- rule "Refund follow-up"', '- rule "Urgent tickets"']
    assert m.Rule.objects.filter(instance=demo).count() == 2


def test_the_demo_is_defined_by_its_file():
    demo_load()
    result = instance_apply(demo_document(), alias="demo", plan_only=True)
    assert result.plan_text() == "No changes."
    profile = m.RoutingProfile.objects.get(instance__alias="demo", name="Tasks - 10 at a time")
    assert (profile.task_concurrency, profile.chat_concurrency, profile.voice_concurrency) == (10, 2, 1)


def test_a_missing_instance_is_planned_with_create_instances_defaults_and_not_created(db, tmp_path):
    document = {
        "format_version": 1,
        "instance": {"alias": "fresh", "timezone": "Europe/Paris"},
        "queues": {"Support": {"description": "First line"}},
        "routing_profiles": {
            "Support agents": {
                "default_outbound_queue": "Support",
                "concurrency": {"TASK": 3, "CHAT": 2, "VOICE": 1},
                "queues": [{"queue": "Support", "channel": "CHAT", "priority": 1}],
            }
        },
    }
    path = write(tmp_path, document)

    plan = apply(path, "--plan")

    assert plan.splitlines()[0] == '+ instance "fresh" (with the defaults create_instance makes)'
    assert '+ queue "Support"' in plan and '- queue "BasicQueue"' in plan
    assert not m.Instance.objects.filter(alias="fresh").exists()

    apply(path)
    fresh = m.Instance.objects.get(alias="fresh")
    assert fresh.timezone == "Europe/Paris"
    profile = m.RoutingProfile.objects.get(instance=fresh)
    assert (profile.name, profile.task_concurrency, profile.chat_concurrency) == ("Support agents", 3, 2)
    assert list(profile.queue_configs.values_list("queue__name", "channel")) == [("Support", "CHAT")]
    assert set(m.ContactFlow.objects.filter(instance=fresh).values_list("name", flat=True)) >= {"Sample inbound flow"}
    assert apply(path, "--plan").strip() == "No changes."


def test_a_file_that_is_not_the_format_is_refused(db, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("{not json")
    with pytest.raises(CommandError, match="Can't read"):
        apply(path, "--instance", "x")
    with pytest.raises(CommandError, match="format_version must be 1"):
        apply(write(tmp_path, {"queues": {}}), "--instance", "x")
    with pytest.raises(CommandError, match="'queus' is not a section"):
        apply(write(tmp_path, {"format_version": 1, "queus": {}}), "--instance", "x")
    assert not m.Instance.objects.filter(alias="x").exists()
