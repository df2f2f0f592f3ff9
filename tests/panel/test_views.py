import datetime as dt

import pytest
from django.utils import timezone

from ccp.models import Channel, Contact, ContactState, Timer, TimerKind
from ccp.selectors.panel import agent_timezone, reference_rows
from ccp.services.offers import contact_accept
from tests.cast import Cast
from tests.factories import ContactEventFactory, ContactFactory, InstanceFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)
HX = {"HTTP_HX_REQUEST": "true"}


def offered_to_alice(cast, **kwargs) -> Contact:
    cast.available(cast.alice)
    contact = cast.task(**kwargs)
    contact.refresh_from_db()
    assert contact.state == ContactState.CONNECTING and contact.agent_id == cast.alice.id
    return contact


def test_an_offline_agent_is_told_how_to_receive_tasks(alice_client):
    html = alice_client.get("/ccp/").content.decode()
    assert "Set your status to Available to receive tasks" in html
    assert 'aria-live="assertive"' in html


def test_the_panel_page_only_answers_get(alice_client):
    assert alice_client.post("/ccp/").status_code == 405
    assert alice_client.get("/ccp/contacts/x/accept/").status_code == 405


def test_a_supervisor_is_sent_away_from_the_panel(client, cast):
    client.force_login(cast.supervisor)
    assert client.get("/ccp/").status_code == 403


def test_setting_available_shows_waiting_for_tasks(alice_client, cast):
    status = cast.statuses["ROUTABLE"]
    html = alice_client.post("/ccp/status/", {"status": status.id}, **HX).content.decode()
    assert "Waiting for tasks" in html
    cast.alice.refresh_from_db()
    assert cast.alice.status_id == status.id


def test_choosing_missed_yourself_is_refused_next_to_the_status(alice_client, cast):
    html = alice_client.post("/ccp/status/", {"status": cast.statuses["MISSED"].id}, **HX).content.decode()
    assert 'id="status-alert"' in html and "Missed is set by the system" in html
    cast.alice.refresh_from_db()
    assert cast.alice.status.name == "Offline"


def test_an_offer_is_accepted_ended_and_closed(alice_client, cast):
    contact = offered_to_alice(cast, name="Fix <b>it</b>")
    html = alice_client.get("/ccp/", **HX).content.decode()
    assert "Accept" in html and "Fix &lt;b&gt;it&lt;/b&gt;" in html
    assert "Accept" not in alice_client.post(f"/ccp/contacts/{contact.id}/accept/", **HX).content.decode()
    assert "End task" in alice_client.get("/ccp/", **HX).content.decode()
    assert "Close contact" in alice_client.post(f"/ccp/contacts/{contact.id}/end/", **HX).content.decode()
    alice_client.post(f"/ccp/contacts/{contact.id}/close/", **HX)
    contact.refresh_from_db()
    assert contact.state == ContactState.ENDED


def test_another_instances_contact_is_not_found(alice_client):
    elsewhere = InstanceFactory()
    stranger = ContactFactory(
        instance=elsewhere,
        state=ContactState.CONNECTING,
        agent=UserFactory(instance=elsewhere),
        offered_at=timezone.now(),
    )
    for action in ("accept", "reject", "end", "close", "transfer", "numpad", "hangup"):
        method = alice_client.get if action in ("transfer", "numpad") else alice_client.post
        assert method(f"/ccp/contacts/{stranger.id}/{action}/", **HX).status_code == 404, action


def test_acting_on_a_task_offered_to_someone_else_says_so_and_changes_nothing(client, cast):
    contact = offered_to_alice(cast)
    client.force_login(cast.bob)
    response = client.post(f"/ccp/contacts/{contact.id}/accept/", **HX)
    assert response.status_code == 200
    assert "no longer yours to act on" in response.content.decode()
    contact.refresh_from_db()
    assert contact.state == ContactState.CONNECTING and contact.agent_id == cast.alice.id


def test_rejecting_an_offer_returns_the_task_to_its_queue(alice_client, cast):
    contact = offered_to_alice(cast)
    alice_client.post(f"/ccp/contacts/{contact.id}/reject/", **HX)
    contact.refresh_from_db()
    assert contact.state == ContactState.QUEUED and contact.queue_id == cast.queue.id
    assert contact.agent_id is None and contact.disconnect_reason == ""
    cast.available(cast.bob)
    contact.refresh_from_db()
    assert contact.state == ContactState.CONNECTING and contact.agent_id == cast.bob.id


def test_the_transfer_dialog_lists_the_queues_quick_connects_but_not_yourself(alice_client, cast):
    contact = offered_to_alice(cast)
    alice_client.post(f"/ccp/contacts/{contact.id}/accept/", **HX)
    html = alice_client.get(f"/ccp/contacts/{contact.id}/transfer/", **HX).content.decode()
    assert "Bob Builder" in html and "Billing queue" in html and "Alice Agent" not in html


def test_a_transfer_to_a_queue_reaches_an_agent_serving_it(alice_client, cast):
    cast.available(cast.carol)
    contact = offered_to_alice(cast)
    alice_client.post(f"/ccp/contacts/{contact.id}/accept/", **HX)
    response = alice_client.post(
        f"/ccp/contacts/{contact.id}/transfer/send/", {"quick_connect": cast.qc_other_queue.id}, **HX
    )
    assert "ccp:dialog-close" in response.headers["HX-Trigger-After-Settle"]
    contact.refresh_from_db()
    assert contact.state == ContactState.ENDED and contact.disconnect_reason == "TRANSFERRED"
    new = Contact.objects.get(previous_contact=contact)
    assert new.agent_id == cast.carol.id and new.state == ContactState.CONNECTING


def test_a_transfer_without_a_choice_says_what_is_missing(alice_client, cast):
    contact = offered_to_alice(cast)
    alice_client.post(f"/ccp/contacts/{contact.id}/accept/", **HX)
    html = alice_client.post(f"/ccp/contacts/{contact.id}/transfer/send/", {}, **HX).content.decode()
    assert "Choose who gets the task." in html


def test_a_task_created_for_myself_is_offered_to_me_even_when_created_offline(alice_client, cast):
    response = alice_client.post(
        "/ccp/tasks/",
        {
            "name": "Follow up",
            "quick_connect": cast.qc_alice.id,
            "ref_name_0": "Ticket",
            "ref_type_0": "URL",
            "ref_value_0": "https://t.example.com/1",
        },
        **HX,
    )
    assert "ccp:dialog-close" in response.headers["HX-Trigger-After-Settle"]
    task = Contact.objects.get(name="Follow up")
    assert task.initiation_method == "AGENT" and task.references["Ticket"]["Value"] == "https://t.example.com/1"
    assert task.state == ContactState.QUEUED  # Offline: it waits in Alice's queue
    cast.available(cast.alice)
    task.refresh_from_db()
    assert task.agent_id == cast.alice.id


def test_a_task_needs_a_name_and_someone_to_get_it(alice_client):
    html = alice_client.post("/ccp/tasks/", {"name": ""}, **HX).content.decode()
    assert "This field is required." in html
    html = alice_client.post("/ccp/tasks/", {"name": "Nobody's"}, **HX).content.decode()
    assert "Choose who gets the task." in html


def test_a_bad_reference_is_explained_in_the_dialog(alice_client, cast):
    html = alice_client.post(
        "/ccp/tasks/",
        {
            "name": "x",
            "quick_connect": cast.qc_alice.id,
            "ref_name_0": "Bad",
            "ref_type_0": "URL",
            "ref_value_0": "javascript:alert(1)",
        },
        **HX,
    ).content.decode()
    assert "must be an http or https URL" in html
    assert not Contact.objects.filter(name="x").exists()


def test_a_scheduled_task_waits_until_its_time(alice_client, cast):
    when = (timezone.now() + dt.timedelta(hours=2)).astimezone(dt.timezone(dt.timedelta(hours=1)))
    alice_client.post(
        "/ccp/tasks/",
        {"name": "Later", "quick_connect": cast.qc_alice.id, "scheduled": when.strftime("%Y-%m-%dT%H:%M")},
        **HX,
    )
    task = Contact.objects.get(name="Later")
    assert task.state == ContactState.SCHEDULED
    assert Timer.objects.filter(contact=task, kind=TimerKind.SCHEDULED_START).exists()
    html = alice_client.get("/ccp/", **HX).content.decode()
    assert f'id="tile-{task.id}"' in html and "ccp-st-scheduled" in html
    assert f"/ccp/scheduled/{task.id}/cancel/" in html and f"/ccp/scheduled/{task.id}/move/" in html


def schedule(client, cast, name="Later", hours=2):
    when = timezone.now() + dt.timedelta(hours=hours)
    client.post(
        "/ccp/tasks/",
        {"name": name, "quick_connect": cast.qc_alice.id, "scheduled": wall_clock(when, cast.alice)},
        **HX,
    )
    return Contact.objects.get(name=name)


def wall_clock(when, agent):
    """A moment as the agent's wall-clock time, the way their datetime-local input sends it."""
    return when.astimezone(agent_timezone(agent)).strftime("%Y-%m-%dT%H:%M")


def test_the_agent_cancels_a_task_they_scheduled(alice_client, cast):
    task = schedule(alice_client, cast)
    html = alice_client.post(f"/ccp/scheduled/{task.id}/cancel/", **HX).content.decode()
    task.refresh_from_db()
    assert task.state == ContactState.ENDED and task.disconnect_reason == "AGENT_DISCONNECT"
    assert not Timer.objects.filter(contact=task, kind=TimerKind.SCHEDULED_START, cancelled=False).exists()
    assert f'id="tile-{task.id}"' not in html


def test_the_agent_moves_a_task_they_scheduled(alice_client, cast):
    task = schedule(alice_client, cast)
    later = (timezone.now() + dt.timedelta(days=3)).replace(second=0, microsecond=0)
    alice_client.post(f"/ccp/scheduled/{task.id}/move/", {"scheduled": wall_clock(later, cast.alice)}, **HX)
    task.refresh_from_db()
    assert task.state == ContactState.SCHEDULED and task.scheduled_timestamp == later
    timer = Timer.objects.get(contact=task, kind=TimerKind.SCHEDULED_START, cancelled=False)
    assert timer.due_at == later


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (lambda a: wall_clock(timezone.now() - dt.timedelta(hours=1), a), "past"),
        (lambda a: wall_clock(timezone.now() + dt.timedelta(days=7), a), "6 days"),
        (lambda a: "not a time", "Enter a date and time."),
        (lambda a: "", "Choose a date and time."),
    ],
)
def test_a_bad_new_time_is_refused_and_changes_nothing(alice_client, cast, value, message):
    task = schedule(alice_client, cast)
    before = task.scheduled_timestamp
    response = alice_client.post(f"/ccp/scheduled/{task.id}/move/", {"scheduled": value(cast.alice)}, **HX)
    html = response.content.decode()
    assert message in html
    task.refresh_from_db()
    assert task.scheduled_timestamp == before
    assert Timer.objects.filter(contact=task, kind=TimerKind.SCHEDULED_START, cancelled=False).count() == 1


def test_another_agent_cannot_cancel_or_move_my_scheduled_task(alice_client, client, cast):
    task = schedule(alice_client, cast)
    client.force_login(cast.bob)
    html = client.post(f"/ccp/scheduled/{task.id}/cancel/", **HX).content.decode()
    assert "no longer waiting for its scheduled time" in html
    tomorrow = wall_clock(timezone.now() + dt.timedelta(days=1), cast.bob)
    client.post(f"/ccp/scheduled/{task.id}/move/", {"scheduled": tomorrow}, **HX)
    task.refresh_from_db()
    assert task.state == ContactState.SCHEDULED
    assert f'id="tile-{task.id}"' not in client.get("/ccp/", **HX).content.decode()


def test_a_scheduled_tasks_name_is_escaped_in_its_tile_and_confirm(alice_client, cast):
    schedule(alice_client, cast, name='<img src=x onerror=alert(1)>"')
    html = alice_client.get("/ccp/", **HX).content.decode()
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;&quot;" in html


def test_the_template_form_applies_required_read_only_and_invisible_fields(alice_client, cast):
    html = alice_client.get(f"/ccp/tasks/new/?template={cast.template.id}", **HX).content.decode()
    assert 'value="Refund"' in html  # default
    assert "Amount" in html and "(required)" in html
    assert "readonly" in html and 'value="Payments"' in html
    assert "Secret" not in html


def test_a_task_from_a_template_keeps_its_read_only_value(alice_client, cast):
    alice_client.post(
        "/ccp/tasks/",
        {"template": cast.template.id, "name": "Refund 7", "tref_3": "12", "tref_4": "Hacked"},
        **HX,
    )
    task = Contact.objects.get(name="Refund 7")
    assert task.task_template_id == cast.template.id
    assert task.references["Team"]["Value"] == "Payments" and task.references["Amount"]["Value"] == "12"


def test_a_template_task_without_its_required_field_is_refused(alice_client, cast):
    html = alice_client.post("/ccp/tasks/", {"template": cast.template.id, "name": "R"}, **HX).content.decode()
    assert "This field is required." in html


def test_the_number_pad_creates_a_linked_outbound_call_and_hangs_up(alice_client, cast):
    contact = offered_to_alice(cast)
    alice_client.post(f"/ccp/contacts/{contact.id}/accept/", **HX)
    assert "Call" in alice_client.get(f"/ccp/contacts/{contact.id}/numpad/", **HX).content.decode()
    alice_client.post(f"/ccp/contacts/{contact.id}/call/", {"phone_number": "+1 555 0100"}, **HX)
    call = Contact.objects.get(related_contact=contact)
    assert call.channel == Channel.VOICE and call.state == ContactState.CONNECTED and call.phone_number == "+15550100"
    html = alice_client.get("/ccp/", **HX).content.decode()
    assert "Linked to" in html and f'data-linked="{call.id}"' in html
    alice_client.post(f"/ccp/contacts/{call.id}/hangup/", **HX)
    call.refresh_from_db()
    assert call.state == ContactState.ENDED


def test_the_number_pad_explains_a_bad_number(alice_client, cast):
    contact = offered_to_alice(cast)
    alice_client.post(f"/ccp/contacts/{contact.id}/accept/", **HX)
    html = alice_client.post(f"/ccp/contacts/{contact.id}/call/", {"phone_number": "1"}, **HX).content.decode()
    assert "3 to 20 digits" in html


def test_only_http_urls_and_real_emails_become_links():
    rows = reference_rows(
        {
            "a": {"Type": "URL", "Value": "javascript:alert(1)"},
            "b": {"Type": "URL", "Value": "https://ok.example.com"},
            "c": {"Type": "EMAIL", "Value": "x@example.com?bcc=evil@example.com"},
            "d": {"Type": "EMAIL", "Value": "x@example.com"},
            "e": {"Type": "DATE", "Value": "1700000000"},
        },
        dt.UTC,
    )
    assert [r.href for r in rows[:4]] == ["", "https://ok.example.com", "", "mailto:x@example.com"]
    assert rows[4].display == "14 Nov 2023, 22:13 UTC"


def test_a_contact_with_hostile_values_renders_inert(alice_client, cast):
    ContactFactory(
        instance=cast.instance,
        agent=cast.alice,
        state=ContactState.CONNECTED,
        name="<script>alert(1)</script>",
        references={"x": {"Type": "URL", "Value": "javascript:alert(2)"}},
        attributes={"k": "<img src=x onerror=alert(3)>"},
    )
    html = alice_client.get("/ccp/").content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="javascript:' not in html and "<img src=x" not in html


def test_two_instances_never_see_each_others_tasks(client, cast):
    other = Cast.build(alias="other")
    ours = offered_to_alice(cast)
    theirs = offered_to_alice(other)
    contact_accept(contact_id=theirs.id, agent=other.alice)
    # Rows of our instance that name the other instance's ids, as a bug elsewhere could write them: the
    # panel's tenant filter is what keeps them off the other agent's screen.
    naming_their_agent = ContactFactory(
        instance=cast.instance, agent=other.alice, state=ContactState.CONNECTED, name="Ours for their agent"
    )
    naming_their_task = ContactFactory(instance=cast.instance, related_contact=theirs, name="Ours linked to theirs")
    scheduled_by_them = ContactFactory(
        instance=cast.instance,
        state=ContactState.SCHEDULED,
        scheduled_timestamp=timezone.now() + dt.timedelta(hours=1),
        name="Ours scheduled by them",
    )
    ContactEventFactory(contact=scheduled_by_them, actor_type="agent", actor=other.alice, event="CREATED")
    other.queue.quick_connects.add(cast.qc_bob)
    other.alice.routing_profile.queue_configs.create(queue=cast.other_queue, channel="TASK", priority=2)
    cast.other_queue.quick_connects.add(cast.qc_other_queue)

    client.force_login(other.alice)
    pages = [
        client.get("/ccp/").content.decode(),
        client.get("/ccp/", **HX).content.decode(),
        client.get(f"/ccp/contacts/{theirs.id}/transfer/", **HX).content.decode(),
        client.get("/ccp/tasks/new/", **HX).content.decode(),
    ]
    assert theirs.id in pages[0] and other.statuses["ROUTABLE"].id in pages[0]  # the page shows their own
    assert other.qc_bob.id in pages[2] and other.template.id in pages[3]
    ours_ids = [ours.id, naming_their_agent.id, naming_their_task.id, scheduled_by_them.id, cast.template.id]
    ours_ids += [cast.qc_bob.id, cast.qc_alice.id, cast.qc_other_queue.id]
    ours_ids += [status.id for status in cast.statuses.values()]
    for html in pages:
        for our_id in ours_ids:
            assert our_id not in html
        for name in ("Ours for their agent", "Ours linked to theirs", "Ours scheduled by them"):
            assert name not in html
