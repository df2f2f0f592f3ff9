"""The audit log page: newest first, filtered by who, action, resource, text and time, 50 a page by keyset,
an empty state, admins only; and each user's page shows their status history, paged."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from ccp.models import AgentEvent, AuditEntry
from ccp.services.audit import audit_acting
from ccp.services.configuration import queues

pytestmark = pytest.mark.django_db

URL = reverse("admin_console:audit_log")


def entry(instance, n, **fields):
    defaults = {
        "at": timezone.now() - dt.timedelta(minutes=n),
        "actor_label": "ada",
        "action": "UPDATE",
        "resource_type": "queue",
        "resource_name": f"Queue {n}",
    }
    return AuditEntry.objects.create(instance=instance, **{**defaults, **fields})


def test_a_queue_changed_in_the_console_shows_on_the_page_with_before_and_after(client, cast):
    client.force_login(cast.admin)
    client.post(reverse("admin_console:queue_edit", args=[cast.queue.pk]), {"name": "Support EU"})
    html = client.get(URL).content.decode()
    assert "Support EU" in html and '<span class="was">Support</span>' in html
    assert cast.admin.username in html


def test_the_empty_log_says_what_will_appear(client, cast):
    client.force_login(cast.admin)
    assert "Nothing recorded yet" in client.get(URL).content.decode()


def test_filters_narrow_by_actor_action_resource_text_and_time(client, cast):
    entry(cast.instance, 1, actor_label="ada", resource_name="Billing")
    entry(cast.instance, 2, actor_label="API key AKIAXYZ", action="DELETE", resource_type="flow", resource_name="Old")
    entry(cast.instance, 600, actor_label="ada", detail="from 203.0.113.9", action="LOGIN", resource_type="user")
    client.force_login(cast.admin)

    def names(**query):
        response = client.get(URL, query)
        return [row.resource_name for row in response.context["rows"]]

    assert names() == ["Billing", "Old", "Queue 600"]
    assert names(actor="akiaxyz") == ["Old"]
    assert names(action="LOGIN") == ["Queue 600"]
    assert names(resource_type="flow") == ["Old"]
    assert names(q="203.0.113") == ["Queue 600"]
    since = (timezone.localtime(timezone.now(), timezone.get_fixed_timezone(0)) - dt.timedelta(hours=1)).strftime(
        "%Y-%m-%dT%H:%M"
    )
    assert names(start=since) == ["Billing", "Old"]
    assert "No entry matches these filters" in client.get(URL, {"actor": "nobody"}).content.decode()


def test_pages_of_fifty_go_older_and_back_newer_without_gaps(client, cast):
    for n in range(120):
        entry(cast.instance, n)
    client.force_login(cast.admin)
    first = client.get(URL).context
    second = client.get(URL + "?" + first["next_query"]).context
    third = client.get(URL + "?" + second["next_query"]).context
    seen = [r.resource_name for page in (first, second, third) for r in page["rows"]]
    assert seen == [f"Queue {n}" for n in range(120)]
    assert third["next_query"] == ""
    back = client.get(URL + "?" + second["previous_query"]).context
    assert [r.resource_name for r in back["rows"]] == [f"Queue {n}" for n in range(50)]


def test_a_cursor_this_server_did_not_write_is_a_clear_message(client, cast):
    client.force_login(cast.admin)
    response = client.get(URL, {"after": "not-a-cursor"})
    assert response.status_code == 200 and "out of date" in response.content.decode()


def test_only_admins_see_it_and_never_another_instances_entries(client, cast):
    outsider = cast.outsider
    entry(outsider.instance, 1, resource_name="Their queue")
    client.force_login(cast.supervisor)
    assert client.get(URL).status_code == 403
    client.force_login(cast.admin)
    assert "Their queue" not in client.get(URL).content.decode()


def test_an_entry_written_through_a_service_is_escaped_on_the_page(client, cast):
    with audit_acting(cast.admin):
        queues.queue_create(instance=cast.instance, name="<script>alert(1)</script>")
    client.force_login(cast.admin)
    html = client.get(URL).content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html


def test_a_users_page_shows_their_status_history_newest_first_and_paged(client, cast):
    AgentEvent.objects.filter(user=cast.alice).delete()  # the cast's own first status
    start = timezone.now() - dt.timedelta(hours=3)
    for n in range(25):
        AgentEvent.objects.create(
            instance=cast.instance,
            user=cast.alice,
            at=start + dt.timedelta(minutes=n),
            status_name="Available" if n % 2 else "Break",
            status_type="ROUTABLE" if n % 2 else "CUSTOM",
            actor=cast.alice,
        )
    client.force_login(cast.admin)
    url = reverse("admin_console:user_edit", args=[cast.alice.pk])
    first = client.get(url)
    rows = first.context["history_rows"]
    assert len(rows) == 20 and rows[0].at > rows[-1].at
    assert rows[1].lasted == 60  # until the next change, a minute later
    html = first.content.decode()
    assert "Status history" in html and "Themselves" in html
    older = client.get(url + "?" + first.context["history_next"], headers={"HX-Request": "true"})
    assert len(older.context["history_rows"]) == 5
    assert "<form" not in older.content.decode()  # the partial only


def test_a_user_without_status_changes_gets_an_empty_state(client, cast):
    AgentEvent.objects.filter(user=cast.carol).delete()
    client.force_login(cast.admin)
    html = client.get(reverse("admin_console:user_edit", args=[cast.carol.pk])).content.decode()
    assert "No status changes yet" in html
