"""The one contact search: every filter, every sort order, keyset pages that survive ties, new contacts and
going back, and a count that stops at its cap."""

import datetime as dt

import pytest
from django.utils import timezone

from ccp.errors import InvalidParameter
from ccp.selectors.contacts import (
    SORT_FIELDS,
    ContactSearchFilters,
    contact_search,
    contact_search_count,
    contact_search_iter,
    contact_search_page,
)
from tests.factories import (
    AgentFactory,
    ContactFactory,
    InstanceFactory,
    QueueFactory,
    RoutingProfileFactory,
    TaskTemplateFactory,
)

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)
HOUR = dt.timedelta(hours=1)


def found(instance, **filters) -> list[str]:
    return [c.id for part in contact_search(instance=instance, filters=ContactSearchFilters(**filters)) for c in part]


def every_page(instance, filters, size):
    """Walk the pages with the next cursor: the ids seen, page by page."""
    pages, cursor = [], None
    while True:
        page = contact_search_page(instance=instance, filters=filters, size=size, after=cursor)
        pages.append([c.id for c in page.rows])
        cursor = page.next_cursor
        if cursor is None:
            return pages


@pytest.mark.parametrize(
    ("time_field", "column"),
    [
        ("INITIATION_TIMESTAMP", "initiation_timestamp"),
        ("SCHEDULED_TIMESTAMP", "scheduled_timestamp"),
        ("ENQUEUE_TIMESTAMP", "enqueue_timestamp"),
        ("CONNECTED_TO_AGENT_TIMESTAMP", "connected_to_agent_timestamp"),
        ("DISCONNECT_TIMESTAMP", "disconnect_timestamp"),
    ],
)
def test_each_time_range_type_reads_its_own_timestamp(instance, time_field, column):
    ContactFactory(instance=instance, initiation_timestamp=NOW - 50 * HOUR, enqueue_timestamp=None)
    inside = ContactFactory(instance=instance, **{"initiation_timestamp": NOW - 50 * HOUR, column: NOW - HOUR})
    outside = ContactFactory(instance=instance, **{"initiation_timestamp": NOW - 50 * HOUR, column: NOW - 30 * HOUR})
    ids = found(instance, time_field=time_field, start=NOW - 2 * HOUR, end=NOW)
    assert ids == [inside.id]
    assert outside.id not in ids


def test_a_contact_id_finds_exactly_that_contact(instance):
    wanted = ContactFactory(instance=instance)
    ContactFactory(instance=instance)
    assert found(instance, contact_id=wanted.id) == [wanted.id]
    assert found(InstanceFactory(), contact_id=wanted.id) == []


def test_channel_method_queue_agent_reason_and_template_filters(instance):
    queue = QueueFactory(instance=instance)
    agent = AgentFactory(instance=instance)
    template = TaskTemplateFactory(instance=instance)
    plain = ContactFactory(instance=instance)
    voice = ContactFactory(instance=instance, channel="VOICE")
    transferred = ContactFactory(instance=instance, initiation_method="TRANSFER")
    queued = ContactFactory(instance=instance, queue=queue)
    handled = ContactFactory(instance=instance, agent=agent, state="CONNECTED")
    expired = ContactFactory(instance=instance, state="ENDED", disconnect_reason="EXPIRED")
    templated = ContactFactory(instance=instance, task_template=template)
    assert found(instance, channels=["VOICE"]) == [voice.id]
    assert found(instance, initiation_methods=["TRANSFER"]) == [transferred.id]
    assert found(instance, queue_ids=[queue.id]) == [queued.id]
    assert found(instance, agent_ids=[agent.id]) == [handled.id]
    assert found(instance, disconnect_reasons=["EXPIRED"]) == [expired.id]
    assert found(instance, task_template_ids=[template.id]) == [templated.id]
    assert plain.id in found(instance)


def test_routing_profile_finds_the_contacts_of_its_agents(instance):
    profile = RoutingProfileFactory(instance=instance)
    member = AgentFactory(instance=instance, routing_profile=profile)
    other = AgentFactory(instance=instance)
    theirs = ContactFactory(instance=instance, agent=member, state="CONNECTED")
    ContactFactory(instance=instance, agent=other, state="CONNECTED")
    assert found(instance, routing_profile_ids=[profile.id]) == [theirs.id]


def test_state_groups_active_scheduled_and_ended(instance):
    queued = ContactFactory(instance=instance, state="QUEUED")
    connected = ContactFactory(instance=instance, state="CONNECTED", agent=AgentFactory(instance=instance))
    scheduled = ContactFactory(instance=instance, state="SCHEDULED")
    ended = ContactFactory(instance=instance, state="ENDED", disconnect_reason="API")
    assert set(found(instance, states=["active"])) == {queued.id, connected.id}
    assert found(instance, states=["scheduled"]) == [scheduled.id]
    assert found(instance, states=["ended"]) == [ended.id]
    assert set(found(instance, states=["scheduled", "ended"])) == {scheduled.id, ended.id}
    with pytest.raises(InvalidParameter):
        found(instance, states=["sleeping"])


def test_attributes_match_all_or_any_and_a_key_without_values(instance):
    gold_eu = ContactFactory(instance=instance, attributes={"tier": "gold", "region": "eu"})
    silver_eu = ContactFactory(instance=instance, attributes={"tier": "silver", "region": "eu"})
    gold_us = ContactFactory(instance=instance, attributes={"tier": "gold", "region": "us"})
    ContactFactory(instance=instance, attributes={})
    both = [{"Key": "tier", "Values": ["gold"]}, {"Key": "region", "Values": ["eu"]}]
    assert found(instance, attribute_criteria=both, attribute_match="MATCH_ALL") == [gold_eu.id]
    assert set(found(instance, attribute_criteria=both, attribute_match="MATCH_ANY")) == {
        gold_eu.id,
        silver_eu.id,
        gold_us.id,
    }
    several = [{"Key": "tier", "Values": ["gold", "silver"]}]
    assert set(found(instance, attribute_criteria=several)) == {gold_eu.id, silver_eu.id, gold_us.id}
    assert set(found(instance, attribute_criteria=[{"Key": "region", "Values": []}])) == {
        gold_eu.id,
        silver_eu.id,
        gold_us.id,
    }


def test_name_exact_or_contains_in_name_and_description(instance):
    refund = ContactFactory(instance=instance, name="Refund order 42")
    described = ContactFactory(instance=instance, name="Callback", description="wants a REFUND")
    other = ContactFactory(instance=instance, name="Refund")
    assert set(found(instance, texts=["refund"])) == {refund.id, described.id, other.id}
    assert found(instance, texts=["Refund"], text_match="MATCH_EXACT") == [other.id]
    assert found(instance, texts=["refund", "42"], text_match="MATCH_ALL") == [refund.id]
    assert set(found(instance, texts=["42"], text_match="MATCH_NONE")) == {described.id, other.id}


@pytest.mark.parametrize("sort_field", sorted(SORT_FIELDS))
@pytest.mark.parametrize("descending", [True, False])
def test_every_sort_order_pages_through_every_contact_once_in_order(instance, sort_field, descending):
    """Ties on the sort value (two channels, two methods, equal timestamps) and contacts without the value
    (nullable timestamps come last) are paged without a gap or a repeat."""
    for n in range(23):
        ContactFactory(
            instance=instance,
            channel=["TASK", "VOICE"][n % 2],
            initiation_method=["API", "FLOW", "TRANSFER"][n % 3],
            initiation_timestamp=NOW - (n // 4) * HOUR,
            scheduled_timestamp=NOW + (n % 3) * HOUR if n % 2 else None,
            connected_to_agent_timestamp=NOW - (n % 4) * HOUR if n % 3 else None,
            disconnect_timestamp=NOW - (n % 5) * HOUR if n % 4 else None,
        )
    filters = ContactSearchFilters(sort_field=sort_field, sort_descending=descending)
    expected = found(instance, sort_field=sort_field, sort_descending=descending)
    pages = every_page(instance, filters, size=4)
    assert [len(p) for p in pages] == [4, 4, 4, 4, 4, 3]
    assert [pk for p in pages for pk in p] == expected
    column = SORT_FIELDS[sort_field]
    from ccp.models import Contact

    values = [getattr(Contact.objects.get(pk=pk), column) for pk in expected]
    present = [v for v in values if v is not None]
    assert present == sorted(present, reverse=descending)
    assert values[len(present) :] == [None] * (len(values) - len(present))


@pytest.mark.parametrize("sort_field", ["INITIATION_TIMESTAMP", "DISCONNECT_TIMESTAMP", "CHANNEL"])
def test_previous_pages_are_the_pages_seen_going_forward(instance, sort_field):
    for n in range(17):
        ContactFactory(
            instance=instance,
            channel=["TASK", "VOICE"][n % 2],
            initiation_timestamp=NOW - (n // 3) * HOUR,
            disconnect_timestamp=NOW - n * HOUR if n % 2 else None,
        )
    filters = ContactSearchFilters(sort_field=sort_field)
    forward, cursor = [], None
    while True:
        page = contact_search_page(instance=instance, filters=filters, size=5, after=cursor)
        forward.append(([c.id for c in page.rows], page))
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    # From the last page, walk back with the previous cursor: the same pages in reverse.
    back = [forward[-1][0]]
    page = forward[-1][1]
    while page.previous_cursor:
        page = contact_search_page(instance=instance, filters=filters, size=5, before=page.previous_cursor)
        back.append([c.id for c in page.rows])
    assert back == [ids for ids, _ in reversed(forward)]
    assert page.previous_cursor is None


def test_a_contact_created_while_paging_does_not_shift_the_next_page(instance):
    for n in range(10):
        ContactFactory(instance=instance, initiation_timestamp=NOW - n * HOUR)
    filters = ContactSearchFilters()
    first = contact_search_page(instance=instance, filters=filters, size=5)
    expected_second = contact_search_page(instance=instance, filters=filters, size=5, after=first.next_cursor)
    ContactFactory(instance=instance, initiation_timestamp=NOW + HOUR)  # newest: would top page 1
    second = contact_search_page(instance=instance, filters=filters, size=5, after=first.next_cursor)
    assert [c.id for c in second.rows] == [c.id for c in expected_second.rows]


def test_a_cursor_from_another_sort_or_made_up_is_refused(instance):
    ContactFactory.create_batch(3, instance=instance)
    page = contact_search_page(instance=instance, filters=ContactSearchFilters(), size=1)
    other_sort = ContactSearchFilters(sort_field="CHANNEL")
    with pytest.raises(InvalidParameter):
        contact_search_page(instance=instance, filters=other_sort, after=page.next_cursor)
    for garbage in ("garbage!", "e30", "eyJzIjoxfQ"):
        with pytest.raises(InvalidParameter):
            contact_search_page(instance=instance, filters=ContactSearchFilters(), after=garbage)


def test_the_count_stops_at_its_cap(instance):
    ContactFactory.create_batch(7, instance=instance)
    assert contact_search_count(instance=instance, filters=ContactSearchFilters(), cap=5) == (5, True)
    assert contact_search_count(instance=instance, filters=ContactSearchFilters(), cap=7) == (7, False)


def test_the_export_iterator_yields_every_row_in_order(instance):
    for n in range(12):
        ContactFactory(instance=instance, initiation_timestamp=NOW - n * HOUR)
    rows = list(contact_search_iter(instance=instance, filters=ContactSearchFilters(), chunk_size=5))
    assert [c.id for c in rows] == found(instance)


def test_another_instances_contacts_never_match(instance):
    ContactFactory(instance=InstanceFactory(), name="Theirs")
    assert found(instance) == []
    assert found(instance, texts=["Theirs"]) == []


@pytest.mark.parametrize("descending", [True, False])
def test_a_nullable_sort_within_a_time_range_keeps_every_contact_initiated_in_it(instance, descending):
    """The sort reads the disconnect index from the range's start on (a contact disconnects after it starts);
    contacts initiated in the range that disconnected much later, or not yet, are all there, in order."""
    start = NOW - 10 * HOUR
    inside = [
        ContactFactory(
            instance=instance,
            initiation_timestamp=start + n * HOUR,
            disconnect_timestamp=start + n * HOUR + (7 - n) * 24 * HOUR if n % 3 else None,
        )
        for n in range(7)
    ]
    # Initiated before the range, disconnected inside it: not in an initiation-time search.
    ContactFactory(instance=instance, initiation_timestamp=start - HOUR, disconnect_timestamp=start + HOUR)
    filters = ContactSearchFilters(start=start, sort_field="DISCONNECT_TIMESTAMP", sort_descending=descending)
    seen = [pk for page in every_page(instance, filters, size=2) for pk in page]
    with_value = sorted((c for c in inside if c.disconnect_timestamp), key=lambda c: c.disconnect_timestamp)
    without = sorted((c for c in inside if not c.disconnect_timestamp), key=lambda c: c.initiation_timestamp)
    if descending:
        with_value.reverse()
        without.reverse()
    assert seen == [c.id for c in with_value + without]


def test_a_channel_sort_orders_each_channels_contacts_by_initiation(instance):
    made = [
        ContactFactory(instance=instance, channel=["TASK", "VOICE", "CHAT"][n % 3], initiation_timestamp=NOW - n * HOUR)
        for n in range(9)
    ]
    filters = ContactSearchFilters(sort_field="CHANNEL", sort_descending=False)
    seen = [pk for page in every_page(instance, filters, size=4) for pk in page]
    expected = sorted(made, key=lambda c: (c.channel, c.initiation_timestamp))
    assert seen == [c.id for c in expected]
    only_voice = ContactFactory(instance=instance, channel="VOICE", initiation_timestamp=NOW - 100 * HOUR)
    filters = ContactSearchFilters(channels=["VOICE"], sort_field="CHANNEL")
    assert [pk for page in every_page(instance, filters, size=2) for pk in page][-1] == only_voice.id
