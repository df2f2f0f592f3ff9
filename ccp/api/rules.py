"""Handlers for the rule operations: CreateRule, DescribeRule, ListRules, UpdateRule, DeleteRule."""

from ccp.api.contacts import instance_get
from ccp.api.paging import page
from ccp.errors import InvalidRequest
from ccp.models import Rule
from ccp.services.rules import RuleInput, rule_create, rule_delete, rule_update


def rule_arn(rule: Rule) -> str:
    return f"{rule.instance.arn}/rule/{rule.id}"


def _trigger(rule: Rule) -> dict:
    trigger = {"EventSourceName": rule.event_source}
    if rule.integration_id:
        trigger["IntegrationAssociationId"] = rule.integration_id
    return trigger


def rule_render(rule: Rule) -> dict:
    """The `Rule` shape."""
    data = {
        "Name": rule.name,
        "RuleId": rule.id,
        "RuleArn": rule_arn(rule),
        "TriggerEventSource": _trigger(rule),
        "Function": rule.function,
        "Actions": rule.actions,
        "PublishStatus": rule.publish_status,
        "CreatedTime": rule.created_at,
        "LastUpdatedTime": rule.updated_at,
        "LastUpdatedBy": rule.updated_by or "API",
    }
    if rule.tags:
        data["Tags"] = rule.tags
    return data


def rule_summary(rule: Rule) -> dict:
    """The `RuleSummary` shape."""
    return {
        "Name": rule.name,
        "RuleId": rule.id,
        "RuleArn": rule_arn(rule),
        "EventSourceName": rule.event_source,
        "PublishStatus": rule.publish_status,
        "ActionSummaries": [{"ActionType": a["ActionType"]} for a in rule.actions],
        "CreatedTime": rule.created_at,
        "LastUpdatedTime": rule.updated_at,
    }


def _unsupported(params) -> None:
    if params.get("PreEvaluationFilters"):
        raise InvalidRequest("PreEvaluationFilters is not supported by this server.")


def create_rule(*, instance, params) -> dict:
    """CreateRule: POST /rules/{InstanceId}."""
    _unsupported(params)
    trigger = params["TriggerEventSource"]
    rule = rule_create(
        instance=instance,
        data=RuleInput(
            name=params["Name"],
            event_source=trigger["EventSourceName"],
            integration_id=trigger.get("IntegrationAssociationId", ""),
            function=params["Function"],
            actions=params["Actions"],
            publish_status=params["PublishStatus"],
            tags=params.get("Tags"),
        ),
        actor_label="API",
        client_token=params.get("ClientToken", ""),
    )
    return {"RuleArn": rule_arn(rule), "RuleId": rule.id}


def describe_rule(*, instance, params) -> dict:
    """DescribeRule."""
    rule = instance_get(Rule, instance=instance, pk=params["RuleId"], label="Rule")
    return {"Rule": rule_render(rule)}


def list_rules(*, instance, params) -> dict:
    """ListRules, optionally by PublishStatus and EventSourceName, by name."""
    queryset = Rule.objects.filter(instance=instance).select_related("instance").order_by("name", "id")
    if params.get("PublishStatus"):
        queryset = queryset.filter(publish_status=params["PublishStatus"])
    if params.get("EventSourceName"):
        queryset = queryset.filter(event_source=params["EventSourceName"])
    rows, next_token = page(queryset, next_token=params.get("NextToken"), max_results=params.get("MaxResults"))
    result = {"RuleSummaryList": [rule_summary(r) for r in rows]}
    if next_token:
        result["NextToken"] = next_token
    return result


def update_rule(*, instance, params) -> dict:
    """UpdateRule: Name, Function, Actions and PublishStatus are replaced (all four are required)."""
    _unsupported(params)
    rule = instance_get(Rule, instance=instance, pk=params["RuleId"], label="Rule")
    rule_update(
        rule=rule,
        data=RuleInput(
            name=params["Name"],
            event_source=rule.event_source,
            function=params["Function"],
            actions=params["Actions"],
            publish_status=params["PublishStatus"],
        ),
        actor_label="API",
    )
    return {}


def delete_rule(*, instance, params) -> dict:
    """DeleteRule."""
    rule = instance_get(Rule, instance=instance, pk=params["RuleId"], label="Rule")
    rule_delete(rule=rule, actor_label="API")
    return {}
