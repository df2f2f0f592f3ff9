"""The contact summary of a chat or call shows its transcript and the categories rules gave it, escaped."""

import pytest
from django.urls import reverse
from django.utils import timezone

from ccp.models import ContactCategory, TranscriptSegment
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def summary(client, contact) -> str:
    response = client.get(reverse("admin_console:contact_detail", args=[contact.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_chat_summary_shows_its_transcript_and_categories(supervisor_client, instance):
    contact = ContactFactory(instance=instance, channel="CHAT", name="Ana")
    for i, (role, text) in enumerate([("CUSTOMER", "<b>My parcel</b> is late"), ("AGENT", "Sorry to hear that")]):
        TranscriptSegment.objects.create(
            instance=instance, contact=contact, segment_id=str(i), participant_id="p", participant_role=role,
            content=text, begin_offset_millis=i * 1000, end_offset_millis=i * 1000 + 500,
            sentiment="NEGATIVE" if i == 0 else "", received_at=timezone.now(),
        )  # fmt: skip
    ContactCategory.objects.create(
        instance=instance, contact=contact, name="Late <delivery>", matched_at=timezone.now(),
        contact_initiated_at=contact.initiation_timestamp,
        details={"PointsOfInterest": [{"BeginOffsetMillis": 0, "EndOffsetMillis": 500}]},
    )  # fmt: skip

    html = summary(supervisor_client, contact)

    assert "&lt;b&gt;My parcel&lt;/b&gt; is late" in html and "<b>My parcel" not in html
    assert html.index("My parcel") < html.index("Sorry to hear that")
    assert "Negative" in html
    assert "Late &lt;delivery&gt;" in html and "0–500 ms" in html


def test_a_chat_without_lines_says_so_and_a_task_has_no_transcript_section(supervisor_client, instance):
    chat = ContactFactory(instance=instance, channel="CHAT")
    task = ContactFactory(instance=instance, channel="TASK")

    html = summary(supervisor_client, chat)
    assert "No transcript yet." in html and "no rule has matched this conversation" in html
    assert 'id="transcript"' not in summary(supervisor_client, task)
