"""A rule's notification appears in the agent's panel (pushed after commit) until the agent dismisses it."""

import pytest
from django.urls import reverse

from ccp import models as m
from tests.rules.conftest import Conversations, words

pytestmark = pytest.mark.django_db


def test_a_rules_notification_shows_in_the_panel_until_dismissed(
    client, cast, pushes, django_capture_on_commit_callbacks
):
    talk = Conversations(cast)
    talk.rule(
        "Refund",
        words("refund"),
        actions=[
            {
                "ActionType": "SEND_NOTIFICATION",
                "SendNotificationAction": {
                    "DeliveryMethod": "EMAIL",
                    "ContentType": "PLAIN_TEXT",
                    "Subject": "Refund asked",
                    "Content": "<b>Listen</b> to [ContactId]",
                    "Recipient": {"UserIds": [cast.bob.id]},
                },
            }
        ],
    )
    call = talk.contact("VOICE")
    with django_capture_on_commit_callbacks(execute=True):
        talk.say(call, ("CUSTOMER", "refund"))
    assert "notification" in pushes.reasons(cast.bob)
    client.force_login(cast.bob)
    page = client.get(reverse("panel:panel")).content.decode()
    assert "Refund asked" in page and f"&lt;b&gt;Listen&lt;/b&gt; to {call.id}" in page
    note = m.Notification.objects.get(user=cast.bob)
    client.force_login(cast.alice)
    client.post(reverse("panel:notification_dismiss", args=[note.pk]))  # not hers: nothing happens
    note.refresh_from_db()
    assert note.read_at is None
    client.force_login(cast.bob)
    answer = client.post(reverse("panel:notification_dismiss", args=[note.pk]))
    assert answer.status_code == 200 and "Refund asked" not in answer.content.decode()
    note.refresh_from_db()
    assert note.read_at is not None
