"""Which conversations and events fire a rule: real-time and post-contact, call and chat, only published rules,
only contacts that started after publication, at most once per contact, duplicates ignored."""

import datetime as dt

import pytest

from ccp import models as m
from tests.rules.conftest import CATEGORY, words

pytestmark = pytest.mark.django_db


def categories(contact) -> list[str]:
    return list(m.ContactCategory.objects.filter(contact=contact).values_list("name", flat=True))


def test_a_real_time_call_rule_categorizes_the_call_when_the_customer_says_the_phrase(talk):
    talk.rule("Refund", words("refund", role="CUSTOMER"))
    call = talk.contact("VOICE")
    talk.say(call, ("CUSTOMER", "Hello there"))
    assert categories(call) == []
    talk.say(call, ("CUSTOMER", "I want a REFUND, now."))
    assert categories(call) == ["Refund"]
    category = m.ContactCategory.objects.get(contact=call)
    assert category.details["PointsOfInterest"] == [{"BeginOffsetMillis": 5000, "EndOffsetMillis": 9000}]
    assert m.ContactEvent.objects.filter(contact=call, event="CATEGORIZED").count() == 1


def test_the_category_keeps_the_calls_initiation_time_for_the_contact_search(talk):
    rule = talk.rule("Refund", words("refund", role="CUSTOMER"))
    m.Rule.objects.filter(pk=rule.pk).update(published_at=rule.published_at - dt.timedelta(hours=4))
    call = talk.contact("VOICE")
    call.initiation_timestamp -= dt.timedelta(hours=3)
    call.save(update_fields=["initiation_timestamp"])
    talk.say(call, ("CUSTOMER", "I want a refund"))
    category = m.ContactCategory.objects.get(contact=call)
    assert category.contact_initiated_at == call.initiation_timestamp
    assert category.matched_at - category.contact_initiated_at >= dt.timedelta(hours=3)


def test_the_participant_role_filter_ignores_the_other_speaker(talk):
    talk.rule("Refund", words("refund", role="CUSTOMER"))
    call = talk.contact("VOICE")
    talk.say(call, ("AGENT", "Do you want a refund?"))
    assert categories(call) == []
    talk.rule("AgentSaid", words("refund", role="AGENT"))
    second = talk.contact("VOICE")
    talk.say(second, ("AGENT", "Do you want a refund?"))
    assert categories(second) == ["AgentSaid"]


def test_exact_match_is_whole_words_and_takes_plurals(talk):
    talk.rule("Refund", words("refund"))
    call = talk.contact("VOICE")
    talk.say(call, ("CUSTOMER", "refundable tickets only"))
    assert categories(call) == []
    talk.say(call, ("CUSTOMER", "two refunds please"))
    assert categories(call) == ["Refund"]


def test_a_phrase_matches_across_extra_spaces_and_case(talk):
    talk.rule("Cancel", words("cancel my account"))
    call = talk.contact("VOICE")
    talk.say(call, ("CUSTOMER", "Please  Cancel   my ACCOUNT today"))
    assert categories(call) == ["Cancel"]


def test_a_real_time_chat_rule_fires_on_chat_and_not_on_calls(talk):
    talk.rule("ChatRefund", words("refund", source="RealTimeChat"), source="OnRealTimeChatAnalysisAvailable")
    call, chat = talk.contact("VOICE"), talk.contact("CHAT")
    talk.say(call, ("CUSTOMER", "refund"))
    talk.say(chat, ("CUSTOMER", "refund"))
    assert categories(call) == [] and categories(chat) == ["ChatRefund"]


def test_a_post_call_rule_waits_for_the_end_and_reads_the_whole_transcript(talk):
    talk.rule("Both", words("refund", source="PostCall"), words("cancel", source="PostCall"),
              source="OnPostCallAnalysisAvailable")
    call = talk.contact("VOICE")
    talk.say(call, ("CUSTOMER", "I want a refund"), ("CUSTOMER", "or I cancel"))
    assert categories(call) == []
    talk.end(call)
    assert categories(call) == ["Both"]
    points = m.ContactCategory.objects.get(contact=call).details["PointsOfInterest"]
    assert len(points) == 2


def test_a_post_chat_rule_fires_when_the_chat_ends(talk):
    talk.rule("ChatDone", words("thanks", source="PostChat"), source="OnPostChatAnalysisAvailable")
    chat = talk.contact("CHAT")
    talk.say(chat, ("CUSTOMER", "thanks a lot"))
    assert categories(chat) == []
    talk.end(chat)
    assert categories(chat) == ["ChatDone"]


def test_a_real_time_rule_needs_an_active_contact(talk):
    talk.rule("Refund", words("refund"))
    call = talk.contact("VOICE", state="ENDED")
    talk.say(call, ("CUSTOMER", "refund"))
    assert categories(call) == []


def test_a_draft_rule_never_fires(talk):
    talk.rule("Refund", words("refund"), status="DRAFT")
    call = talk.contact("VOICE")
    talk.say(call, ("CUSTOMER", "refund"))
    assert categories(call) == []
    assert not m.RuleFiring.objects.exists()


def test_a_rule_applies_only_to_contacts_that_started_after_it_was_published(talk):
    old_call = talk.contact("VOICE")
    m.Contact.objects.filter(pk=old_call.pk).update(
        initiation_timestamp=old_call.initiation_timestamp - dt.timedelta(minutes=1)
    )
    talk.rule("Refund", words("refund"))
    new_call = talk.contact("VOICE")
    talk.say(old_call, ("CUSTOMER", "refund"))
    talk.say(new_call, ("CUSTOMER", "refund"))
    assert categories(old_call) == [] and categories(new_call) == ["Refund"]


def test_a_rule_fires_at_most_once_per_contact(talk, cast):
    from tests.rules.conftest import task_action

    talk.rule("Refund", words("refund"), actions=[CATEGORY, task_action(cast.flow)])
    call = talk.contact("VOICE")
    talk.say(call, ("CUSTOMER", "refund"))
    talk.say(call, ("CUSTOMER", "refund again"), ("CUSTOMER", "refund!"))
    assert m.RuleFiring.objects.filter(contact=call).count() == 1
    assert m.Contact.objects.filter(previous_contact=call).count() == 1


def test_the_same_segment_delivered_twice_makes_one_task(talk, cast):
    from ccp.services import rule_triggers
    from tests.rules.conftest import task_action

    talk.rule("Refund", words("refund"), actions=[task_action(cast.flow)])
    call = talk.contact("VOICE")
    segments = talk.say(call, ("CUSTOMER", "refund"), segment_ids=["s-1"])
    talk.say(call, ("CUSTOMER", "refund"), segment_ids=["s-1"])  # redelivered: stored once, nothing new
    rule_triggers.on_segments_added(call, segments)  # and the trigger called again with the same segment
    assert m.TranscriptSegment.objects.filter(contact=call).count() == 1
    assert m.Contact.objects.filter(previous_contact=call).count() == 1


def test_publishing_later_starts_the_rule_then(talk, cast):
    from ccp.services.rules import rule_set_published

    rule = talk.rule("Refund", words("refund"), status="DRAFT")
    before = talk.contact("VOICE")
    m.Contact.objects.filter(pk=before.pk).update(
        initiation_timestamp=before.initiation_timestamp - dt.timedelta(seconds=1)
    )
    rule_set_published(rule=rule, published=True, actor=cast.admin)
    after = talk.contact("VOICE")
    talk.say(before, ("CUSTOMER", "refund"))
    talk.say(after, ("CUSTOMER", "refund"))
    assert categories(before) == [] and categories(after) == ["Refund"]


def test_an_update_reaches_the_compiled_rules_at_the_next_segment(talk, cast):
    from ccp.services.rules import RuleInput, rule_update
    from tests.rules.conftest import function

    rule = talk.rule("Refund", words("refund"))
    call = talk.contact("VOICE")
    talk.say(call, ("CUSTOMER", "cancel"))
    assert categories(call) == []
    rule_update(
        rule=rule,
        data=RuleInput(name="Refund", event_source=rule.event_source, function=function(words("cancel")),
                       actions=[CATEGORY], publish_status="PUBLISHED"),
        actor=cast.admin,
    )
    talk.say(call, ("CUSTOMER", "I said cancel"))
    assert categories(call) == ["Refund"]


def test_a_deleted_rule_stops_firing(talk, cast):
    from ccp.services.rules import rule_delete

    rule = talk.rule("Refund", words("refund"))
    call = talk.contact("VOICE")
    talk.say(call, ("CUSTOMER", "hello"))
    rule_delete(rule=rule, actor=cast.admin)
    talk.say(call, ("CUSTOMER", "refund"))
    assert categories(call) == []


def test_rules_of_another_instance_never_fire_here(talk, cast):
    from tests.cast import Cast
    from tests.rules.conftest import Conversations

    other = Conversations(Cast.build(alias="other-rules"))
    other.rule("Refund", words("refund"))
    call = talk.contact("VOICE")
    talk.say(call, ("CUSTOMER", "refund"))
    assert categories(call) == []


def deliver(capture, call, *lines):
    """Segments through the conversation service, as PutRealtimeContactAnalysisSegments delivers them: the rules
    evaluate what that transaction read under the contact's lock, with the segments it added."""
    from ccp.services.conversations import SegmentIn, transcript_segments_add

    segments = [
        SegmentIn(
            segment_id=segment_id,
            participant_id=role.lower(),
            participant_role=role,
            content=text,
            begin_offset_millis=begin,
            end_offset_millis=begin + 1000,
        )
        for segment_id, role, text, begin in lines
    ]
    with capture(execute=True):
        return transcript_segments_add(instance=call.instance, contact_id=call.pk, segments=segments)


def test_a_delivery_is_evaluated_with_the_whole_conversation_so_far(talk, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    talk.rule("RefundAndManager", words("refund"), words("manager"))
    call = talk.contact("VOICE")
    deliver(capture, call, ("s1", "CUSTOMER", "I want a refund", 20_000))
    assert categories(call) == []
    # The second phrase arrives later but was said earlier: both count, and the points follow the call's order.
    deliver(capture, call, ("s2", "CUSTOMER", "get me the manager", 5_000))
    assert categories(call) == ["RefundAndManager"]
    points = m.ContactCategory.objects.get(contact=call).details["PointsOfInterest"]
    assert [p["BeginOffsetMillis"] for p in points] == [5_000, 20_000]
    # Fired once: a later delivery with both phrases again finds the firing it read under the lock.
    deliver(capture, call, ("s3", "CUSTOMER", "refund, manager", 30_000))
    assert m.RuleFiring.objects.filter(contact=call).count() == 1
    assert m.ContactCategory.objects.filter(contact=call).count() == 1
