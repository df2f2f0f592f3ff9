"""CreateRule, DescribeRule, ListRules, UpdateRule and DeleteRule through boto3: round trips in botocore's shapes,
filters and paging, and the refusals (named), each writing nothing."""

import json

import pytest
from botocore.exceptions import ClientError

from ccp import models as m

pytestmark = pytest.mark.django_db(transaction=True)

FUNCTION = json.dumps({"Version": "2022-11-25", "RuleFunction": {"Operator": "AND", "Operands": [{
    "Operator": "CONTAINS_ANY", "Operands": ["refund"],
    "ComparisonValue": "$.ContactLens.RealTimeCall.ExactMatch.Transcript",
    "FilterClause": {"LogicOperator": "AND", "Filters": [{"Type": "ParticipantRole", "Data": "CUSTOMER"}]},
    "Negate": False}]}})


def task(flow, **extra):
    return {"ActionType": "CREATE_TASK", "TaskAction": {
        "Name": "Review [ContactId]", "Description": "Rule [RuleName]", "ContactFlowId": flow.id,
        "References": {"Call": {"Type": "URL", "Value": "[ContactUrl]"}}, **extra}}


def create(connect, instance, flow, name="Refund", source="OnRealTimeCallAnalysisAvailable", status="PUBLISHED",
           function=FUNCTION, actions=None, **extra):
    return connect.create_rule(
        InstanceId=instance.id, Name=name, TriggerEventSource={"EventSourceName": source}, Function=function,
        Actions=actions or [task(flow), {"ActionType": "ASSIGN_CONTACT_CATEGORY", "AssignContactCategoryAction": {}}],
        PublishStatus=status, Tags={"team": "care"}, **extra,
    )


def error_of(call) -> tuple[str, str]:
    with pytest.raises(ClientError) as raised:
        call()
    return raised.value.response["Error"]["Code"], raised.value.response["Error"]["Message"]


def test_create_describe_update_list_delete_round_trip(connect, instance, task_flow):
    made = create(connect, instance, task_flow)
    assert made["RuleArn"].endswith(f"/rule/{made['RuleId']}") and instance.id in made["RuleArn"]
    rule = connect.describe_rule(InstanceId=instance.id, RuleId=made["RuleId"])["Rule"]
    assert rule["Name"] == "Refund" and rule["PublishStatus"] == "PUBLISHED"
    assert rule["TriggerEventSource"] == {"EventSourceName": "OnRealTimeCallAnalysisAvailable"}
    assert json.loads(rule["Function"]) == json.loads(FUNCTION)
    assert rule["Actions"][0]["TaskAction"]["References"] == {"Call": {"Type": "URL", "Value": "[ContactUrl]"}}
    assert rule["Actions"][1]["ActionType"] == "ASSIGN_CONTACT_CATEGORY"
    assert rule["Tags"] == {"team": "care"} and rule["CreatedTime"] and rule["LastUpdatedBy"]

    connect.update_rule(InstanceId=instance.id, RuleId=made["RuleId"], Name="RefundDraft", Function=FUNCTION,
                        Actions=[task(task_flow)], PublishStatus="DRAFT")
    rule = connect.describe_rule(InstanceId=instance.id, RuleId=made["RuleId"])["Rule"]
    assert rule["Name"] == "RefundDraft" and rule["PublishStatus"] == "DRAFT" and len(rule["Actions"]) == 1

    summaries = connect.list_rules(InstanceId=instance.id)["RuleSummaryList"]
    assert [(s["Name"], s["EventSourceName"], s["ActionSummaries"]) for s in summaries] == [
        ("RefundDraft", "OnRealTimeCallAnalysisAvailable", [{"ActionType": "CREATE_TASK"}])]

    connect.delete_rule(InstanceId=instance.id, RuleId=made["RuleId"])
    assert connect.list_rules(InstanceId=instance.id)["RuleSummaryList"] == []
    code, _ = error_of(lambda: connect.describe_rule(InstanceId=instance.id, RuleId=made["RuleId"]))
    assert code == "ResourceNotFoundException"


def test_list_rules_filters_and_pages(connect, instance, task_flow):
    for i in range(3):
        create(connect, instance, task_flow, name=f"Live{i}")
    create(connect, instance, task_flow, name="Draft", status="DRAFT")
    post = FUNCTION.replace("RealTimeCall", "PostCall")
    create(connect, instance, task_flow, name="Post", source="OnPostCallAnalysisAvailable", function=post)
    published = connect.list_rules(InstanceId=instance.id, PublishStatus="PUBLISHED")["RuleSummaryList"]
    assert [s["Name"] for s in published] == ["Live0", "Live1", "Live2", "Post"]
    post_only = connect.list_rules(InstanceId=instance.id, EventSourceName="OnPostCallAnalysisAvailable")
    assert [s["Name"] for s in post_only["RuleSummaryList"]] == ["Post"]
    pages = connect.get_paginator("list_rules").paginate(InstanceId=instance.id, PaginationConfig={"PageSize": 2})
    sizes = [len(p["RuleSummaryList"]) for p in pages]
    assert sizes == [2, 2, 1]


@pytest.mark.parametrize(
    "change, code, named",
    [
        ({"function": FUNCTION.replace("ExactMatch", "SemanticMatch")}, "InvalidRequestException", "semantic match"),
        ({"function": "{"}, "InvalidRequestException", "not valid JSON"),
        ({"source": "OnSlaBreach"}, "InvalidRequestException", "OnSlaBreach"),
        ({"actions": [{"ActionType": "CREATE_CASE", "CreateCaseAction": {"Fields": [], "TemplateId": "t"}}]},
         "InvalidRequestException", "CREATE_CASE"),
    ],
)
def test_unsupported_rules_are_refused_by_name_and_write_nothing(connect, instance, task_flow, change, code, named):
    entries = m.AuditEntry.objects.count()
    got_code, message = error_of(lambda: create(connect, instance, task_flow, **change))
    assert (got_code, named in message) == (code, True)
    assert not m.Rule.objects.exists() and m.AuditEntry.objects.count() == entries


def test_a_task_flow_saved_but_not_published_is_refused(connect, instance, task_flow):
    m.ContactFlow.objects.filter(pk=task_flow.pk).update(published_content="", status="SAVED")
    code, message = error_of(lambda: create(connect, instance, task_flow))
    assert code == "InvalidRequestException" and "not published" in message
    assert not m.Rule.objects.exists()


def test_limits_of_the_task_action_answer_botocores_errors(raw_connect, instance, task_flow):
    long_name = task(task_flow, Name="n" * 513)
    code, _ = error_of(lambda: create(raw_connect, instance, task_flow, actions=[long_name]))
    assert code == "InvalidParameterException"
    long_description = task(task_flow, Description="d" * 4097)
    code, _ = error_of(lambda: create(raw_connect, instance, task_flow, actions=[long_description]))
    assert code == "InvalidParameterException"
    code, _ = error_of(lambda: create(raw_connect, instance, task_flow, name="n" * 201))
    assert code == "InvalidParameterException"
    assert not m.Rule.objects.exists()


def test_a_second_rule_with_the_same_name_conflicts(connect, instance, task_flow):
    create(connect, instance, task_flow)
    code, message = error_of(lambda: create(connect, instance, task_flow))
    assert code == "ResourceConflictException" and "Refund" in message
    assert m.Rule.objects.count() == 1


def test_another_instances_rule_is_not_found(connect, instance, task_flow, outsider):
    from ccp.services.rules import RuleInput, rule_create

    theirs = rule_create(instance=outsider["instance"], data=RuleInput(
        name="Theirs", event_source="OnRealTimeCallAnalysisAvailable", function=FUNCTION,
        actions=[{"ActionType": "ASSIGN_CONTACT_CATEGORY"}], publish_status="PUBLISHED"))
    for call in (
        lambda: connect.describe_rule(InstanceId=instance.id, RuleId=theirs.id),
        lambda: connect.delete_rule(InstanceId=instance.id, RuleId=theirs.id),
        lambda: connect.update_rule(InstanceId=instance.id, RuleId=theirs.id, Name="x", Function=FUNCTION,
                                    Actions=[{"ActionType": "ASSIGN_CONTACT_CATEGORY"}], PublishStatus="DRAFT"),
    ):
        assert error_of(call)[0] == "ResourceNotFoundException"
    assert connect.list_rules(InstanceId=instance.id)["RuleSummaryList"] == []
    assert m.Rule.objects.get(pk=theirs.id).name == "Theirs"
    code, _ = error_of(lambda: create(connect, instance, outsider["flow"]))
    assert code == "ResourceNotFoundException"


def test_create_rule_is_idempotent_on_its_client_token(connect, instance, task_flow):
    """Same ClientToken and request: the same rule, nothing written again. Same token, another request:
    InvalidRequestException (botocore lists no IdempotencyException for CreateRule), nothing written."""
    first = create(connect, instance, task_flow, ClientToken="retry-me")
    entries = m.AuditEntry.objects.filter(resource_type="Rule").count()
    again = create(connect, instance, task_flow, ClientToken="retry-me")
    assert again["RuleId"] == first["RuleId"] and again["RuleArn"] == first["RuleArn"]
    assert m.Rule.objects.filter(instance=instance).count() == 1
    assert m.AuditEntry.objects.filter(resource_type="Rule").count() == entries

    code, message = error_of(lambda: create(connect, instance, task_flow, name="Other", ClientToken="retry-me"))
    assert code == "InvalidRequestException" and "ClientToken" in message
    assert m.Rule.objects.filter(instance=instance).count() == 1

    # Another token is another request: a rule of the same name conflicts; boto3 fills a token of its own.
    code, _ = error_of(lambda: create(connect, instance, task_flow, ClientToken="another"))
    assert code == "ResourceConflictException"
    assert create(connect, instance, task_flow, name="Fresh")["RuleId"] != first["RuleId"]
