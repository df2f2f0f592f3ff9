"""SearchContacts' SearchCriteria.ContactAnalysis.Transcript through boto3: words a participant said, any or
all of them, several criteria combined; a role outside botocore's enum is a 400."""

import datetime as dt

import pytest
from django.utils import timezone

from ccp.models import TranscriptSegment
from tests.api.wire import expect_error
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db(transaction=True)

NOW = timezone.now()
DAY = dt.timedelta(days=1)


def conversation(instance, name, *lines):
    contact = ContactFactory(instance=instance, name=name, channel="CHAT")
    for n, (role, content) in enumerate(lines):
        TranscriptSegment.objects.create(
            instance=instance,
            contact=contact,
            segment_id=f"s{n}",
            participant_id=role.lower(),
            participant_role=role,
            content=content,
            begin_offset_millis=n * 1000,
            end_offset_millis=n * 1000 + 900,
            received_at=NOW,
        )
    return contact


@pytest.fixture
def search(connect, instance):
    def call(*criteria, match=None, client=None):
        transcript = {"Criteria": list(criteria), **({"MatchType": match} if match else {})}
        result = (client or connect).search_contacts(
            InstanceId=instance.id,
            TimeRange={"Type": "INITIATION_TIMESTAMP", "StartTime": NOW - DAY, "EndTime": NOW + DAY},
            SearchCriteria={"ContactAnalysis": {"Transcript": transcript}},
        )
        return {c["Name"] for c in result["Contacts"]}

    return call


def said(role, *texts, match="MATCH_ANY"):
    return {"ParticipantRole": role, "SearchText": list(texts), "MatchType": match}


def test_search_contacts_finds_words_a_participant_said(search, instance):
    conversation(instance, "Refund chat", ("CUSTOMER", "I need a refund"), ("AGENT", "Refund issued"))
    conversation(instance, "Password chat", ("CUSTOMER", "I forgot my password"), ("AGENT", "Reset link sent"))
    ContactFactory(instance=instance, name="Task")
    assert search(said("CUSTOMER", "REFUND")) == {"Refund chat"}
    assert search(said("CUSTOMER", "refund", "password")) == {"Refund chat", "Password chat"}
    assert search(said("CUSTOMER", "forgot", "password", match="MATCH_ALL")) == {"Password chat"}
    assert search(said("AGENT", "forgot")) == set()
    assert search(said("CUSTOMER", "refund"), said("AGENT", "reset"), match="MATCH_ANY") == {
        "Refund chat",
        "Password chat",
    }
    assert search(said("CUSTOMER", "refund"), said("AGENT", "reset"), match="MATCH_ALL") == set()


def test_an_unknown_participant_role_is_refused(search, raw_connect):
    expect_error(lambda: search(said("ROBOT", "hello"), client=raw_connect), "InvalidParameterException", 400)
