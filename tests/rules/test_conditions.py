"""Every operator and condition of the Rules Function language this server evaluates, and the clear refusal of
what it does not."""

import json

import pytest

from ccp import models as m
from ccp.errors import InvalidRequest
from ccp.rules.function import function_parse
from tests.rules.conftest import function, words

pytestmark = pytest.mark.django_db
SRC = "OnRealTimeCallAnalysisAvailable"


def fired(talk, *conditions, lines=(("CUSTOMER", "refund please"),), operator="AND", **contact) -> bool:
    m.Rule.objects.all().delete()
    talk.rule("R", *conditions, operator=operator)
    call = talk.contact("VOICE", **contact)
    talk.say(call, *lines)
    return m.ContactCategory.objects.filter(contact=call).exists()


def queue_is(*ids, negate=False):
    return {
        "Operator": "CONTAINS_ANY",
        "Operands": list(ids),
        "ComparisonValue": "$.ContactLens.RealTimeCall.Queue.QueueId",
        "Negate": negate,
    }


def agent_is(*ids):
    return {
        "Operator": "CONTAINS_ANY",
        "Operands": list(ids),
        "ComparisonValue": "$.ContactLens.RealTimeCall.Agent.AgentId",
    }


def attribute_is(key, value, negate=False):
    return {
        "Operator": "EQUALS",
        "Operands": [value],
        "ComparisonValue": f"$.ContactLens.RealTimeCall.ContactAttribute.{key}",
        "Negate": negate,
    }


def test_queue_condition(talk, cast):
    assert fired(talk, words("refund"), queue_is(cast.queue.id))
    assert not fired(talk, words("refund"), queue_is(cast.other_queue.id))
    assert fired(talk, words("refund"), queue_is(cast.other_queue.id, negate=True))


def test_agent_condition(talk, cast):
    assert fired(talk, words("refund"), agent_is(cast.alice.id))
    assert not fired(talk, words("refund"), agent_is(cast.bob.id))


def test_contact_attribute_condition(talk):
    assert fired(talk, words("refund"), attribute_is("Tier", "VIP"), attributes={"Tier": "VIP"})
    assert not fired(talk, words("refund"), attribute_is("Tier", "VIP"), attributes={"Tier": "Basic"})
    assert fired(talk, words("refund"), attribute_is("Tier", "VIP", negate=True), attributes={"Tier": "Basic"})


def test_negate_means_the_phrase_was_not_said(talk):
    assert fired(talk, words("lawyer", negate=True))
    assert not fired(talk, words("refund", negate=True))


def test_or_needs_one_and_needs_all(talk):
    assert fired(talk, words("refund"), words("lawyer"), operator="OR")
    assert not fired(talk, words("refund"), words("lawyer"), operator="AND")


def test_nested_groups(talk, cast):
    nested = {"Operator": "OR", "Operands": [words("lawyer"), queue_is(cast.queue.id)]}
    assert fired(talk, words("refund"), nested)


def test_contains_any_takes_any_of_the_phrases(talk):
    assert fired(talk, words("chargeback", "refund"))


def test_pattern_match_with_wildcard_list_and_number(talk):
    pattern = {
        "Operator": "CONTAINS_ANY",
        "Operands": [
            [
                {"Type": "PLAIN", "Value": "member for"},
                {"Type": "NUMERICAL", "Value": {"Decimal": False}},
                {"Type": "LIST", "Value": [{"Type": "PLAIN", "Value": "years"}, {"Type": "PLAIN", "Value": "months"}]},
            ],
            [{"Type": "PLAIN", "Value": "neighbo*"}],
        ],
        "ComparisonValue": "$.ContactLens.RealTimeCall.PatternMatch.Transcript",
    }
    assert fired(talk, pattern, lines=(("CUSTOMER", "I have been a member for 12 years"),))
    assert fired(talk, pattern, lines=(("CUSTOMER", "my neighbours are loud"),))
    assert not fired(talk, pattern, lines=(("CUSTOMER", "a member for many years"),))


@pytest.mark.parametrize(
    "condition, named",
    [
        (
            {
                "Operator": "CONTAINS_ANY",
                "Operands": ["x"],
                "ComparisonValue": "$.ContactLens.RealTimeCall.SemanticMatch.Transcript",
            },
            "semantic match",
        ),
        (
            {
                "Operator": "EQUALS",
                "Operands": ["NEGATIVE"],
                "ComparisonValue": "$.ContactLens.RealTimeCall.Sentiment.Customer",
            },
            "$.ContactLens.RealTimeCall.Sentiment.Customer",
        ),
        (
            {
                "Operator": "CONTAINS_ALL",
                "Operands": ["x"],
                "ComparisonValue": "$.ContactLens.RealTimeCall.ExactMatch.Transcript",
            },
            "CONTAINS_ALL",
        ),
        (
            {
                "Operator": "CONTAINS_ANY",
                "Operands": ["x"],
                "ComparisonValue": "$.ContactLens.PostCall.ExactMatch.Transcript",
            },
            "does not belong",
        ),
        (
            {
                "Operator": "CONTAINS_ANY",
                "Operands": [],
                "ComparisonValue": "$.ContactLens.RealTimeCall.ExactMatch.Transcript",
            },
            "non-empty list",
        ),
        (
            {
                "Operator": "CONTAINS_ANY",
                "Operands": ["x"],
                "ComparisonValue": "$.ContactLens.RealTimeCall.ExactMatch.Transcript",
                "FilterClause": {
                    "LogicOperator": "AND",
                    "Filters": [{"Type": "ParticipantRole", "Data": "SUPERVISOR"}],
                },
            },
            "ParticipantRole",
        ),
        (
            {
                "Operator": "CONTAINS_ANY",
                "Operands": [[{"Type": "PROXIMITY", "Value": {"Distance": 1, "IsWithin": True}}]],
                "ComparisonValue": "$.ContactLens.RealTimeCall.PatternMatch.Transcript",
            },
            "PROXIMITY",
        ),
        (
            {
                "Operator": "EQUALS",
                "Operands": ["a", "b"],
                "ComparisonValue": "$.ContactLens.RealTimeCall.ContactAttribute.Tier",
            },
            "exactly one",
        ),
        (
            {
                "Operator": "CONTAINS_ANY",
                "Operands": ["x"],
                "ComparisonValue": "$.ContactLens.RealTimeCall.ExactMatch.Transcript",
                "Negate": "yes",
            },
            "Negate",
        ),
    ],
)
def test_unsupported_conditions_are_refused_by_name(condition, named):
    with pytest.raises(InvalidRequest) as refused:
        function_parse(function(condition), event_source=SRC)
    assert named in refused.value.message


@pytest.mark.parametrize(
    "document, named",
    [
        ("not json", "not valid JSON"),
        (json.dumps({"Version": "2019-01-01", "RuleFunction": {"Operator": "AND", "Operands": []}}), "2022-11-25"),
        (json.dumps({"Version": "2022-11-25", "RuleFunction": words("x")}), "AND or OR"),
        (json.dumps({"Version": "2022-11-25", "RuleFunction": {"Operator": "AND", "Operands": []}}), "non-empty"),
    ],
)
def test_malformed_functions_are_refused(document, named):
    with pytest.raises(InvalidRequest) as refused:
        function_parse(document, event_source=SRC)
    assert named in refused.value.message


def test_unsupported_event_sources_are_refused_by_name():
    with pytest.raises(InvalidRequest) as refused:
        function_parse(function(words("x")), event_source="OnSlaBreach")
    assert "OnSlaBreach" in refused.value.message


def test_third_party_fields_equal_or_contain():
    from ccp.rules.ruleset import CompiledRule, RuleSet

    def matches(condition, payload):
        root = function_parse(function(condition), event_source="OnZendeskTicketCreate")
        ruleset = RuleSet(
            [
                CompiledRule(
                    id="r", name="r", event_source="OnZendeskTicketCreate", root=root, actions=[], integration_id="i"
                )
            ]
        )
        return bool(ruleset.match_event(event_source="OnZendeskTicketCreate", integration_id="i", payload=payload))

    equals = {
        "Operator": "EQUALS",
        "Operands": ["urgent"],
        "ComparisonValue": "$.ThirdParty.Zendesk.TicketCreate.Priority",
    }
    contains = {
        "Operator": "CONTAINS",
        "Operands": ["refund"],
        "ComparisonValue": "$.ThirdParty.Zendesk.TicketCreate.Subject",
    }
    assert matches(equals, {"Priority": "urgent"}) and not matches(equals, {"Priority": "low"})
    assert matches(contains, {"subject": "Refund for order 7"}) and not matches(contains, {"Subject": "Hello"})
    assert not matches(equals, {})
