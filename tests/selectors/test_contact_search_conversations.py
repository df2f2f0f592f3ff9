"""Searching voice and chat contacts by what was said (transcript words, by participant, any/all/none/exact)
and by the categories rules assigned, through the one contact search."""

import datetime as dt

import pytest
from django.utils import timezone

from ccp.errors import InvalidParameter
from ccp.models import ContactCategory, TranscriptSegment
from ccp.selectors.contacts import ContactSearchFilters, contact_categories, contact_search
from tests.factories import ContactFactory, InstanceFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)


def conversation(instance, name, *lines, channel="VOICE", categories=(), **fields):
    """A voice or chat contact with its transcript: lines are (role, content)."""
    contact = ContactFactory(instance=instance, name=name, channel=channel, **fields)
    for n, (role, content) in enumerate(lines):
        TranscriptSegment.objects.create(
            instance=instance,
            contact=contact,
            segment_id=f"s{n}",
            participant_id=role.lower(),
            participant_role=role,
            content=content,
            begin_offset_millis=n * 4000,
            end_offset_millis=n * 4000 + 3000,
            received_at=NOW,
        )
    for category in categories:
        ContactCategory.objects.create(
            instance=instance,
            contact=contact,
            name=category,
            matched_at=NOW,
            contact_initiated_at=contact.initiation_timestamp,
        )
    return contact


def names(instance, **filters) -> set[str]:
    parts = contact_search(instance=instance, filters=ContactSearchFilters(**filters))
    return {c.name for part in parts for c in part}


def said(role, texts, match="MATCH_ANY"):
    return [{"ParticipantRole": role, "SearchText": texts, "MatchType": match}]


@pytest.fixture
def calls(instance):
    conversation(
        instance,
        "Refund call",
        ("CUSTOMER", "I want a REFUND for my order"),
        ("AGENT", "I can cancel the order and refund you"),
        categories=["Refund request", "Churn risk"],
    )
    conversation(
        instance,
        "Cancel chat",
        ("CUSTOMER", "Please cancel my account"),
        ("AGENT", "Sorry to see you go"),
        channel="CHAT",
        categories=["Churn risk"],
    )
    conversation(instance, "Address call", ("CUSTOMER", "I moved house"), ("AGENT", "Thanks, address updated"))
    ContactFactory(instance=instance, name="Plain task")


def test_words_said_by_a_participant_any_case(instance, calls):
    assert names(instance, transcript_criteria=said("CUSTOMER", ["refund"])) == {"Refund call"}
    assert names(instance, transcript_criteria=said("AGENT", ["refund"])) == {"Refund call"}
    assert names(instance, transcript_criteria=said("AGENT", ["account"])) == set()
    assert names(instance, transcript_criteria=said("", ["cancel"])) == {"Refund call", "Cancel chat"}


def test_any_all_none_and_exact_within_one_criterion(instance, calls):
    assert names(instance, transcript_criteria=said("CUSTOMER", ["refund", "account"])) == {
        "Refund call",
        "Cancel chat",
    }
    assert names(instance, transcript_criteria=said("CUSTOMER", ["cancel", "account"], "MATCH_ALL")) == {"Cancel chat"}
    assert names(instance, transcript_criteria=said("CUSTOMER", ["refund", "cancel"], "MATCH_NONE")) == {
        "Address call",
        "Plain task",
    }
    assert names(instance, transcript_criteria=said("CUSTOMER", ["i moved HOUSE"], "MATCH_EXACT")) == {"Address call"}
    assert names(instance, transcript_criteria=said("CUSTOMER", ["moved"], "MATCH_EXACT")) == set()


def test_several_criteria_combine_all_or_any(instance, calls):
    both = said("CUSTOMER", ["order"]) + said("AGENT", ["sorry"])
    assert names(instance, transcript_criteria=both, transcript_match="MATCH_ALL") == set()
    assert names(instance, transcript_criteria=both, transcript_match="MATCH_ANY") == {"Refund call", "Cancel chat"}


def test_categories_all_or_any(instance, calls):
    assert names(instance, categories=["Churn risk"]) == {"Refund call", "Cancel chat"}
    assert names(instance, categories=["Churn risk", "Refund request"]) == {"Refund call"}
    assert names(instance, categories=["Refund request", "Unknown"], category_match="MATCH_ANY") == {"Refund call"}
    assert names(instance, categories=["Unknown"]) == set()


def test_categories_are_read_for_the_result_rows(instance, calls):
    parts = contact_search(instance=instance, filters=ContactSearchFilters(categories=["Churn risk"]))
    rows = {c.name: c.pk for part in parts for c in part}
    found = contact_categories(rows.values())
    assert found[rows["Refund call"]] == ["Churn risk", "Refund request"]
    assert found[rows["Cancel chat"]] == ["Churn risk"]


def test_another_instances_transcripts_and_categories_never_match(instance, calls):
    other = InstanceFactory()
    conversation(other, "Their refund", ("CUSTOMER", "refund please"), categories=["Churn risk"])
    assert names(instance, transcript_criteria=said("CUSTOMER", ["refund please"])) == set()
    assert "Their refund" not in names(instance, categories=["Churn risk"])


def test_an_unknown_role_or_match_type_is_refused(instance):
    with pytest.raises(InvalidParameter):
        names(instance, transcript_criteria=said("ROBOT", ["hi"]))
    with pytest.raises(InvalidParameter):
        names(instance, transcript_criteria=said("AGENT", ["hi"], "MATCH_SOME"))
    with pytest.raises(InvalidParameter):
        names(instance, categories=["x"], category_match="SOMETIMES")


def test_transcript_search_runs_in_the_time_range(instance):
    old = conversation(instance, "Old refund", ("CUSTOMER", "refund"))
    old.initiation_timestamp = NOW - dt.timedelta(days=3)
    old.save()
    conversation(instance, "New refund", ("CUSTOMER", "refund"))
    found = names(instance, transcript_criteria=said("CUSTOMER", ["refund"]), start=NOW - dt.timedelta(days=1))
    assert found == {"New refund"}


def test_category_search_runs_in_the_time_range(instance):
    for name, hours in (("Last week", -24 * 7), ("This morning", -3), ("Tomorrow", 24)):
        conversation(instance, name, categories=["Churn risk"], initiation_timestamp=NOW + dt.timedelta(hours=hours))
    day = {"start": NOW - dt.timedelta(days=1), "end": NOW}
    assert names(instance, categories=["Churn risk"], **day) == {"This morning"}
    assert names(instance, categories=["Churn risk", "Upsell"], category_match="MATCH_ANY", **day) == {"This morning"}
    assert names(instance, categories=["Churn risk"], start=NOW - dt.timedelta(days=8)) == {
        "Last week",
        "This morning",
        "Tomorrow",
    }


def test_category_search_by_another_time_finds_contacts_initiated_before_the_range(instance):
    # Searched by disconnect time, a call initiated two days ago and ended this morning is in today's range:
    # the categories' copy of the initiation time bounds them only by the range's end.
    conversation(
        instance,
        "Long call",
        categories=["Churn risk"],
        initiation_timestamp=NOW - dt.timedelta(days=2),
        state="ENDED",
        disconnect_reason="API",
        disconnect_timestamp=NOW - dt.timedelta(hours=2),
    )
    day = {"time_field": "DISCONNECT_TIMESTAMP", "start": NOW - dt.timedelta(days=1), "end": NOW}
    assert names(instance, categories=["Churn risk"], **day) == {"Long call"}
    before = {**day, "start": NOW - dt.timedelta(days=4), "end": NOW - dt.timedelta(days=3)}
    assert names(instance, categories=["Churn risk"], **before) == set()
