import datetime as dt

import pytest

from ccp.flows.blocks import branching
from ccp.models import ContactState, DisconnectReason
from tests.factories import HoursOfOperationFactory, QueueFactory
from tests.flows.conftest import action, branches

pytestmark = pytest.mark.django_db


def mark(name: str, value: str, nxt: str = "hang up") -> dict:
    return action(name, "UpdateContactAttributes", {"Attributes": {"route": value}}, next_action=nxt)


def compare_flow(publish, operator, operand):
    return publish([
        action("check", "Compare", {"ComparisonValue": "$.Attributes.value"}, next_action="no",
               conditions=[(operator, operand, "yes")], errors={"NoMatchingCondition": "no"}),
        mark("yes", "matched"),
        mark("no", "not matched"),
    ])


@pytest.mark.parametrize(
    "operator, operand, value, matched",
    [
        ("Equals", "gold", "gold", True),
        ("Equals", "gold", "silver", False),
        ("Equals", "5", "5.0", True),
        ("TextStartsWith", "INV-", "INV-2024", True),
        ("TextStartsWith", "INV-", "REF-2024", False),
        ("TextEndsWith", ".pdf", "scan.pdf", True),
        ("TextEndsWith", ".pdf", "scan.png", False),
        ("TextContains", "refund", "wants a refund now", True),
        ("TextContains", "refund", "wants a discount", False),
        ("NumberGreaterThan", "100", "250", True),
        ("NumberGreaterThan", "100", "100", False),
        ("NumberGreaterOrEqualTo", "100", "100", True),
        ("NumberGreaterOrEqualTo", "100", "99", False),
        ("NumberLessThan", "10", "9", True),
        ("NumberLessThan", "10", "ten", False),
        ("NumberLessOrEqualTo", "10", "10", True),
        ("NumberLessOrEqualTo", "10", "11", False),
    ],
)
def test_check_contact_attributes_operators(publish, start, operator, operand, value, matched):
    contact = start(compare_flow(publish, operator, operand), attributes={"value": value})
    assert contact.attributes["route"] == ("matched" if matched else "not matched")
    label = operand if operator == "Equals" else f"{operator} {operand}"
    assert branches(contact)[0][1] == (label if matched else "NoMatchingCondition")


def test_check_contact_attributes_on_a_missing_attribute_takes_no_matching_condition(publish, start):
    contact = start(compare_flow(publish, "Equals", "gold"))
    assert contact.attributes["route"] == "not matched"


def test_check_contact_attributes_reads_the_channel(publish, start):
    flow = publish([
        action("channel", "Compare", {"ComparisonValue": "$.Channel"}, next_action="no",
               conditions=[("Equals", "TASK", "yes")]),
        mark("yes", "task"),
        mark("no", "other"),
    ])
    assert start(flow).attributes["route"] == "task"


def test_check_contact_attributes_with_no_branch_for_a_mismatch_ends_the_task_naming_the_action(publish, start):
    flow = publish([
        action("strict", "Compare", {"ComparisonValue": "$.Attributes.value"},
               conditions=[("Equals", "gold", "hang up")]),
    ])
    contact = start(flow, attributes={"value": "silver"})
    assert contact.state == ContactState.ENDED
    assert contact.disconnect_reason == DisconnectReason.CONTACT_FLOW_DISCONNECT
    event = contact.events.get(event="FLOW_ERROR")
    assert "strict" in event.reason and "silver" in event.reason


def distribute_flow(publish):
    return publish([
        action("split", "DistributeByPercentage", next_action="c",
               conditions=[("NumberLessThan", "21", "a"), ("NumberLessThan", "51", "b")],
               errors={"NoMatchingCondition": "c"}),
        mark("a", "20%"),
        mark("b", "30%"),
        mark("c", "rest"),
    ])


@pytest.mark.parametrize(
    "draw, route", [(1, "20%"), (20, "20%"), (21, "30%"), (50, "30%"), (51, "rest"), (100, "rest")]
)
def test_distribute_by_percentage_follows_the_chain_of_less_than_conditions(publish, start, monkeypatch, draw, route):
    monkeypatch.setattr(branching, "percentage_draw", lambda: draw)
    assert start(distribute_flow(publish)).attributes["route"] == route


def test_distribute_by_percentage_draws_from_one_to_a_hundred():
    draws = {branching.percentage_draw() for _ in range(2000)}
    assert min(draws) >= 1 and max(draws) <= 100 and len(draws) > 90


def loop_flow(publish, count):
    return publish([
        action("loop", "Loop", {"LoopCount": count},
               conditions=[("Equals", "ContinueLooping", "count"), ("Equals", "DoneLooping", "done")],
               errors={"NoMatchingError": "broken"}),
        action("count", "UpdateContactAttributes", {"Attributes": {"seen": "yes"}}, next_action="loop"),
        mark("done", "done"),
        mark("broken", "broken"),
    ])


def test_loop_continues_loop_count_times_then_is_done(publish, start):
    contact = start(loop_flow(publish, "3"))
    assert contact.attributes["route"] == "done"
    assert [b for a, b in branches(contact) if a == "loop"] == ["ContinueLooping"] * 3 + ["DoneLooping"]


def test_loop_of_zero_is_done_at_once(publish, start):
    contact = start(loop_flow(publish, "0"))
    assert [b for a, b in branches(contact) if a == "loop"] == ["DoneLooping"]


def test_loop_count_can_come_from_an_attribute(publish, start):
    contact = start(loop_flow(publish, "$.Attributes.tries"), attributes={"tries": "2"})
    assert [b for a, b in branches(contact) if a == "loop"].count("ContinueLooping") == 2


def test_loop_count_that_is_not_a_number_at_run_time_takes_the_error_branch(publish, start):
    contact = start(loop_flow(publish, "$.Attributes.tries"), attributes={"tries": "many"})
    assert contact.attributes["route"] == "broken"


def hours_flow(publish, hours_param, before=()):
    return publish([
        *before,
        action("open?", "CheckHoursOfOperation", hours_param, errors={"NoMatchingError": "broken"},
               conditions=[("Equals", "True", "open"), ("Equals", "False", "closed")]),
        mark("open", "open"),
        mark("closed", "closed"),
        mark("broken", "broken"),
    ])


@pytest.fixture
def office_hours(instance):
    """Monday to Friday, 9:00 to 17:00 in New York."""
    return HoursOfOperationFactory(
        instance=instance,
        timezone="America/New_York",
        config=[
            {"Day": d, "StartTime": {"Hours": 9, "Minutes": 0}, "EndTime": {"Hours": 17, "Minutes": 0}}
            for d in ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY")
        ],
    )


def at(monkeypatch, iso):
    monkeypatch.setattr(branching, "clock_now", lambda: dt.datetime.fromisoformat(iso))


def test_check_hours_is_true_inside_the_hours_in_their_timezone(publish, start, office_hours, monkeypatch):
    at(monkeypatch, "2026-11-23T15:00:00+00:00")  # Monday 10:00 in New York
    assert start(hours_flow(publish, {"HoursOfOperationId": office_hours.id})).attributes["route"] == "open"


def test_check_hours_is_false_outside_the_hours(publish, start, office_hours, monkeypatch):
    at(monkeypatch, "2026-11-23T23:30:00+00:00")  # Monday 18:30 in New York
    assert start(hours_flow(publish, {"HoursOfOperationId": office_hours.id})).attributes["route"] == "closed"


def test_check_hours_is_false_on_a_weekend(publish, start, office_hours, monkeypatch):
    at(monkeypatch, "2026-11-22T15:00:00+00:00")  # Sunday
    assert start(hours_flow(publish, {"HoursOfOperationId": office_hours.id})).attributes["route"] == "closed"


def test_check_hours_defaults_to_the_working_queues_hours(publish, start, instance, office_hours, monkeypatch):
    at(monkeypatch, "2026-11-23T15:00:00+00:00")
    billing = QueueFactory(instance=instance, hours=office_hours)
    set_queue = action("target", "UpdateContactTargetQueue", {"QueueId": billing.id}, next_action="open?")
    assert start(hours_flow(publish, {}, before=[set_queue])).attributes["route"] == "open"


def test_check_hours_accepts_an_operating_hours_arn(publish, start, instance, office_hours, monkeypatch):
    at(monkeypatch, "2026-11-23T15:00:00+00:00")
    arn = f"{instance.arn}/operating-hours/{office_hours.id}"
    assert start(hours_flow(publish, {"HoursOfOperationId": arn})).attributes["route"] == "open"


def test_check_hours_without_hours_or_working_queue_takes_the_error_branch(publish, start):
    assert start(hours_flow(publish, {})).attributes["route"] == "broken"


def test_check_hours_of_a_placeholder_takes_the_error_branch(publish, start):
    flow = hours_flow(publish, {"HoursOfOperationId": "**Select hours**"})
    assert start(flow).attributes["route"] == "broken"
