"""The contact search page: every filter in the URL, a last-24-hours default, a contact id that opens the
summary, sortable columns, Next/Previous by keyset, a capped count, empty and error states, and exports
that parse back into the rows shown."""

import csv
import io
import json
import re
from datetime import datetime, timedelta
from html import unescape

import pytest
from asgiref.sync import async_to_sync
from django.urls import reverse
from django.utils import timezone

from ccp.models import ContactCategory, TranscriptSegment
from tests.factories import (
    AgentFactory,
    ContactFactory,
    InstanceFactory,
    RoutingProfileFactory,
    TaskTemplateFactory,
)

pytestmark = pytest.mark.django_db

URL = reverse("admin_console:contact_search")
EXPORT = reverse("admin_console:contact_export")
NOW = timezone.now().replace(microsecond=0)
HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)


def search(client, **params) -> str:
    response = client.get(URL, params)
    assert response.status_code == 200
    return response.content.decode()


def link(html: str, rel: str) -> str | None:
    """The query string of the page's Next or Previous link."""
    match = re.search(rf'<a class="button" href="\?([^"]*)" rel="{rel}">', html)
    return unescape(match.group(1)) if match else None


def names(html: str) -> list[str]:
    return re.findall(r'hx-boost="false">(Row [^<]+)</a>', html)


def test_the_default_window_is_the_last_24_hours(supervisor_client, instance):
    ContactFactory(instance=instance, name="Recent", initiation_timestamp=NOW - HOUR)
    ContactFactory(instance=instance, name="Yesterday morning", initiation_timestamp=NOW - 30 * HOUR)
    html = search(supervisor_client)
    assert "Recent" in html and "Yesterday morning" not in html
    assert "Yesterday morning" in search(supervisor_client, start="")


def test_a_contact_id_opens_its_summary(supervisor_client, instance):
    contact = ContactFactory(instance=instance, initiation_timestamp=NOW - 100 * HOUR)
    response = supervisor_client.get(URL, {"contact_id": contact.pk})
    assert response.status_code == 302
    assert response["Location"] == reverse("admin_console:contact_detail", args=[contact.pk])


def test_another_instances_contact_id_opens_nothing(supervisor_client, instance):
    theirs = ContactFactory(instance=InstanceFactory(), name="Their task")
    html = search(supervisor_client, contact_id=theirs.pk, start="")
    assert "Their task" not in html
    assert "No contact matches these filters." in html


def test_method_profile_reason_template_and_time_type_filters(supervisor_client, instance):
    profile = RoutingProfileFactory(instance=instance, name="Tier 2")
    agent = AgentFactory(instance=instance, routing_profile=profile)
    template = TaskTemplateFactory(instance=instance, name="Refunds")
    ContactFactory(instance=instance, name="Plain one")
    ContactFactory(instance=instance, name="Transferred one", initiation_method="TRANSFER")
    ContactFactory(instance=instance, name="Handled by tier 2", agent=agent, state="CONNECTED")
    ContactFactory(instance=instance, name="Expired one", state="ENDED", disconnect_reason="EXPIRED")
    ContactFactory(instance=instance, name="Templated one", task_template=template)
    ContactFactory(
        instance=instance,
        name="Scheduled one",
        state="SCHEDULED",
        initiation_timestamp=NOW - 100 * HOUR,
        scheduled_timestamp=NOW + HOUR,
    )
    cases = {
        "Transferred one": {"method": "TRANSFER"},
        "Handled by tier 2": {"profile": profile.pk},
        "Expired one": {"reason": "EXPIRED"},
        "Templated one": {"template": template.pk},
        "Scheduled one": {
            "time_type": "SCHEDULED_TIMESTAMP",
            "start": timezone.localtime(NOW).strftime("%Y-%m-%dT%H:%M"),
            "end": timezone.localtime(NOW + 2 * HOUR).strftime("%Y-%m-%dT%H:%M"),
        },
    }
    for wanted, params in cases.items():
        html = search(supervisor_client, **params)
        shown = [n for n in cases if n in html] + (["Plain one"] if "Plain one" in html else [])
        assert shown == [wanted], params


def test_attributes_all_or_any_and_an_exact_name(supervisor_client, instance):
    ContactFactory(instance=instance, name="Gold in EU", attributes={"tier": "gold", "region": "eu"})
    ContactFactory(instance=instance, name="Silver in EU", attributes={"tier": "silver", "region": "eu"})
    ContactFactory(instance=instance, name="Gold", attributes={"tier": "gold", "region": "us"})
    html = search(supervisor_client, attrs="tier = gold\nregion = eu", attrs_match="all")
    assert "Gold in EU" in html and "Silver in EU" not in html and ">Gold<" not in html
    html = search(supervisor_client, attrs="tier = gold\nregion = eu", attrs_match="any")
    assert "Gold in EU" in html and "Silver in EU" in html
    html = search(supervisor_client, q="Gold", match="exact")
    assert ">Gold<" in html and "Gold in EU" not in html
    assert "is not key = value" in search(supervisor_client, attrs="just a word")


def test_the_filters_come_back_from_the_url_and_ride_on_every_link(supervisor_client, instance):
    for n in range(60):
        ContactFactory(instance=instance, name=f"Row {n:02d}", channel="VOICE", initiation_timestamp=NOW - n * MINUTE)
    html = search(supervisor_client, channel="VOICE", q="Row", state="active", sort="-initiated")
    assert '<option value="VOICE" selected>' in html
    assert 'name="q" value="Row"' in html
    assert '<option value="active" selected>' in html
    next_query = link(html, "next")
    assert "channel=VOICE" in next_query and "q=Row" in next_query and "state=active" in next_query
    assert "sort=-initiated" in next_query and "after=" in next_query


def test_next_and_previous_walk_the_pages_across_ties(supervisor_client, instance):
    # 120 contacts, four to a timestamp: every page boundary falls inside a tie.
    for n in range(120):
        ContactFactory(instance=instance, name=f"Row {n:03d}", initiation_timestamp=NOW - (n // 4) * MINUTE)
    pages, html = [], search(supervisor_client)
    while True:
        pages.append(names(html))
        query = link(html, "next")
        if query is None:
            break
        html = supervisor_client.get(f"{URL}?{query}").content.decode()
    assert [len(p) for p in pages] == [50, 50, 20]
    seen = [n for p in pages for n in p]
    assert len(set(seen)) == 120
    back = supervisor_client.get(f"{URL}?{link(html, 'prev')}").content.decode()
    assert names(back) == pages[1]
    assert link(search(supervisor_client), "prev") is None


def test_columns_sort_and_a_second_click_reverses(supervisor_client, instance):
    ContactFactory(instance=instance, name="Row voice", channel="VOICE")
    ContactFactory(instance=instance, name="Row task", channel="TASK")
    ContactFactory(instance=instance, name="Row chat", channel="CHAT")
    html = search(supervisor_client)
    header = re.search(r'aria-sort="none"><a href="\?([^"]*sort=-channel[^"]*)">Channel', html)
    assert header
    descending = supervisor_client.get(f"{URL}?{unescape(header.group(1))}").content.decode()
    assert names(descending) == ["Row voice", "Row task", "Row chat"]
    assert 'aria-sort="descending"><a href="?' in descending
    ascending = search(supervisor_client, sort="channel")
    assert names(ascending) == ["Row chat", "Row task", "Row voice"]


def test_the_count_says_more_than_its_cap(supervisor_client, instance, monkeypatch):
    from admin_console.views import contacts

    monkeypatch.setattr(contacts, "COUNT_CAP", 3)
    ContactFactory.create_batch(5, instance=instance)
    assert "More than 3 contacts." in search(supervisor_client)
    monkeypatch.setattr(contacts, "COUNT_CAP", 5)
    assert "5 contacts." in search(supervisor_client)


def test_a_stale_page_link_is_explained(supervisor_client, instance):
    ContactFactory(instance=instance)
    html = search(supervisor_client, after="not-a-cursor")
    assert "This page link is out of date" in html


def test_nothing_found_says_what_to_do(supervisor_client, instance):
    assert "No contact matches these filters. Widen the time range or clear a filter." in search(supervisor_client)


def test_the_results_show_id_method_duration_and_reason(supervisor_client, instance):
    ContactFactory(
        instance=instance,
        name="Row ended",
        state="ENDED",
        initiation_method="TRANSFER",
        disconnect_reason="AGENT_DISCONNECT",
        initiation_timestamp=NOW - 2 * HOUR,
        disconnect_timestamp=NOW - 2 * HOUR + timedelta(minutes=4, seconds=5),
    )
    html = search(supervisor_client)
    assert "4m 05s" in html
    assert "Agent Disconnect" in html
    assert "Transfer" in html


def test_agents_get_403_on_search_and_export(agent_client):
    assert agent_client.get(URL).status_code == 403
    assert agent_client.get(EXPORT, {"format": "csv"}).status_code == 403


def export(client, fmt, **params):
    response = client.get(EXPORT, {"format": fmt, **params})
    assert response.status_code == 200
    return response, async_to_sync(_read)(response).decode()


async def _read(response) -> bytes:
    return b"".join([chunk async for chunk in response.streaming_content])


def test_the_csv_export_parses_back_into_the_searched_rows(supervisor_client, instance):
    queue_contact = ContactFactory(
        instance=instance,
        name='Row "quoted", with comma',
        description="two\nlines",
        attributes={"tier": "gold"},
        references={"Case": {"Type": "URL", "Value": "https://crm/1"}},
        initiation_timestamp=NOW - HOUR,
    )
    ContactFactory(instance=instance, name="Row older", initiation_timestamp=NOW - 2 * HOUR)
    ContactFactory(instance=instance, name="Row voice", channel="VOICE", initiation_timestamp=NOW - HOUR)
    response, body = export(supervisor_client, "csv", channel="TASK")
    assert response["Content-Type"].startswith("text/csv")
    assert f"contacts-{instance.alias}-" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [r["Name"] for r in rows] == ['Row "quoted", with comma', "Row older"]
    first = rows[0]
    assert first["Id"] == queue_contact.pk
    assert first["Description"] == "two\nlines"
    assert json.loads(first["Attributes"]) == {"tier": "gold"}
    assert json.loads(first["References"]) == {"Case": {"Type": "URL", "Value": "https://crm/1"}}
    assert datetime.fromisoformat(first["InitiationTimestamp"]) == queue_contact.initiation_timestamp


def test_the_jsonl_export_is_one_object_per_contact(supervisor_client, instance):
    made = [ContactFactory(instance=instance, name=f"Row {n}", initiation_timestamp=NOW - n * HOUR) for n in range(5)]
    response, body = export(supervisor_client, "jsonl")
    assert response["Content-Type"].startswith("application/x-ndjson")
    records = [json.loads(line) for line in body.splitlines()]
    assert [r["Id"] for r in records] == [c.pk for c in made]
    assert records[0]["Name"] == "Row 0" and "FlowId" in records[0]


def test_an_export_never_includes_another_instance(supervisor_client, instance):
    ContactFactory(instance=InstanceFactory(), name="Theirs")
    _, body = export(supervisor_client, "jsonl", start="")
    assert body == ""


def _conversation(instance, name, role, content, categories=()):
    contact = ContactFactory(instance=instance, name=name, channel="VOICE")
    TranscriptSegment.objects.create(
        instance=instance,
        contact=contact,
        segment_id="s1",
        participant_id="p1",
        participant_role=role,
        content=content,
        begin_offset_millis=65_000,
        end_offset_millis=70_000,
        sentiment="NEGATIVE",
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


def test_categories_and_transcript_words_filter_and_show(supervisor_client, instance):
    _conversation(instance, "Row refund", "CUSTOMER", "I want my money back, a refund", ["Refund request", "Angry"])
    _conversation(instance, "Row thanks", "AGENT", "Thanks for calling about the refund", ["Angry"])
    ContactFactory(instance=instance, name="Row task")
    html = search(supervisor_client, categories="Angry, Refund request", categories_match="all")
    assert names(html) == ["Row refund"]
    assert '<span class="badge">Angry</span>' in html and '<span class="badge">Refund request</span>' in html
    html = search(supervisor_client, categories="Angry, Refund request", categories_match="any")
    assert sorted(names(html)) == ["Row refund", "Row thanks"]
    html = search(supervisor_client, transcript="refund", transcript_role="CUSTOMER")
    assert names(html) == ["Row refund"]
    assert 'name="transcript" value="refund"' in html and '<option value="CUSTOMER" selected>' in html
    html = search(supervisor_client, transcript="money, calling", transcript_match="any")
    assert sorted(names(html)) == ["Row refund", "Row thanks"]
    assert names(search(supervisor_client, transcript="money, calling", transcript_match="all")) == []
    assert "at most 128 characters" in search(supervisor_client, transcript="x" * 129)


def test_the_summary_shows_categories_and_the_transcript(supervisor_client, instance):
    contact = _conversation(instance, "Call", "CUSTOMER", "<b>I want</b> a refund", ["Refund request"])
    html = supervisor_client.get(reverse("admin_console:contact_detail", args=[contact.pk])).content.decode()
    assert ">Refund request</th>" in html
    assert "&lt;b&gt;I want&lt;/b&gt; a refund" in html
    assert '<td class="num nowrap">1:05</td>' in html and "<td>Customer</td>" in html and "Negative" in html
    task = ContactFactory(instance=instance, name="Task")
    html = supervisor_client.get(reverse("admin_console:contact_detail", args=[task.pk])).content.decode()
    assert "<h2>Transcript</h2>" not in html
