"""The rollups answer exactly what the contact rows answer.

Tasks with known timelines are ended through the service that ends contacts (which adds them to the rollups
in its transaction); others stay open. Every historical metric is then read from the rollups (plus the open
and partial-bucket contacts) and from the contact rows alone, for every grouping and interval, over ranges on
and off the 15-minute bounds, across the day the clocks go back in Paris, in a zone half an hour off UTC (whose
days cannot use the hourly rows) — and must be equal. Service levels
are checked at their boundaries: a wait of exactly the threshold is outside, a microsecond less is inside.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db.models import F

from ccp.models import Contact, ContactState, MetricRollup, MetricRollupHour
from ccp.selectors.historical import METRICS, MetricRequest, historical_metrics
from ccp.services.contacts import contact_end
from ccp.services.metric_rollups import rollup_rebuild
from ccp.services.offers import contact_accept, contact_close, contact_complete
from ccp.services.transactions import entry_transaction
from tests.factories import AgentFactory, ContactFactory, QueueFactory, RoutingProfileFactory

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
US = dt.timedelta(microseconds=1)


def local(*args, fold=0) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS, fold=fold)


def end(contact: Contact, reason: str = "AGENT_DISCONNECT") -> None:
    with entry_transaction():
        contact_end(contact=Contact.objects.select_for_update().get(pk=contact.pk), reason=reason, actor_type="api")


@pytest.fixture
def floor(instance):
    instance.timezone = "Europe/Paris"
    instance.save()
    returns, billing = QueueFactory(instance=instance, name="Returns"), QueueFactory(instance=instance, name="Billing")
    day, night = RoutingProfileFactory(instance=instance), RoutingProfileFactory(instance=instance)
    ana = AgentFactory(instance=instance, username="ana", routing_profile=day)
    ben = AgentFactory(instance=instance, username="ben", routing_profile=night)

    def task(begun, queue, *, agent=None, wait=None, state=ContactState.CONNECTED, **extra):
        begun = begun.astimezone(dt.UTC)  # waits in real time, not on the local clock (a day may be 25 hours)
        connected = begun + wait if wait is not None else None
        return ContactFactory(
            instance=instance,
            queue=queue,
            agent=agent if connected else None,
            state=state if connected or state != ContactState.CONNECTED else ContactState.QUEUED,
            initiation_timestamp=begun,
            enqueue_timestamp=begun,
            connected_to_agent_timestamp=connected,
            last_update_timestamp=begun,
            **extra,
        )

    ended = []
    # Service levels at 60 s and 1 h: just inside, exactly at, just outside.
    for i, wait in enumerate([60 - 1e-6, 60, 60 + 1e-6, 3600 - 1e-6, 3600, 3601]):
        ended.append(task(local(2026, 10, 25, 1, 7 + i), returns, agent=ana, wait=dt.timedelta(seconds=wait)))
    # 7 days: the longest threshold, a microsecond inside and exactly at it.
    for wait in (dt.timedelta(days=7) - US, dt.timedelta(days=7)):
        ended.append(task(local(2026, 10, 18, 9, 0), billing, agent=ben, wait=wait))
    # The clocks go back at 03:00 on 25 October: 02:30 comes twice; and late that 25-hour day.
    for begun in (local(2026, 10, 25, 2, 30, fold=0), local(2026, 10, 25, 2, 30, fold=1), local(2026, 10, 25, 23, 50)):
        ended.append(task(begun, billing, agent=ben, wait=dt.timedelta(seconds=42.5)))
    # In after-contact work when ended (its ACW time counts), a transfer out, one never answered.
    acw = task(
        local(2026, 10, 26, 8, 14, 59),
        returns,
        agent=ana,
        wait=dt.timedelta(seconds=5),
        state=ContactState.AFTER_CONTACT_WORK,
        after_contact_work_start_timestamp=local(2026, 10, 26, 8, 30),
        disconnect_timestamp=local(2026, 10, 26, 8, 30),
    )
    transferred = task(local(2026, 10, 26, 8, 15), returns, agent=ben, wait=dt.timedelta(seconds=90))
    unanswered = task(local(2026, 10, 26, 8, 16), billing)
    # A transfer's new contact that expired in the queue; an outbound one a flow disconnected.
    expired = task(local(2026, 10, 26, 8, 17), billing, initiation_method="QUEUE_TRANSFER")
    outbound = task(
        local(2026, 10, 26, 8, 18), billing, agent=ben, wait=dt.timedelta(seconds=1), initiation_method="OUTBOUND"
    )
    end(expired, "EXPIRED")
    end(outbound, "CONTACT_FLOW_DISCONNECT")
    for contact in ended:
        end(contact)
    end(acw)
    end(transferred, "TRANSFERRED")
    end(unanswered, "API")
    # Still open: one waiting, one with ana (the contact rows answer for them).
    task(local(2026, 10, 26, 8, 20), returns)
    task(local(2026, 10, 26, 8, 21), returns, agent=ana, wait=dt.timedelta(seconds=7))
    return {"instance": instance, "returns": returns, "billing": billing, "ana": ana, "ben": ben, "day": day}


def requests(*thresholds) -> list[MetricRequest]:
    names = [n for n in METRICS if n not in ("SERVICE_LEVEL", "AGENT_OCCUPANCY")]
    return [MetricRequest(n) for n in names] + [MetricRequest("SERVICE_LEVEL", float(t)) for t in thresholds]


def both(instance, **kwargs):
    return (
        historical_metrics(instance=instance, source="rollups", **kwargs),
        historical_metrics(instance=instance, source="contacts", **kwargs),
    )


RANGES = [
    (local(2026, 10, 17), local(2026, 10, 27)),  # whole days
    (local(2026, 10, 25, 1, 8, 30), local(2026, 10, 26, 8, 15, 30)),  # partial buckets at both ends
]


@pytest.mark.parametrize("grouping", [None, "QUEUE", "CHANNEL", "AGENT", "ROUTING_PROFILE"])
@pytest.mark.parametrize("interval", ["TOTAL", "WEEK", "DAY", "HOUR", "FIFTEEN_MIN"])
@pytest.mark.parametrize("span", range(len(RANGES)))
@pytest.mark.parametrize("zone", [None, "Asia/Kolkata"])
def test_the_rollups_equal_the_contact_rows(floor, grouping, interval, span, zone):
    start, finish = RANGES[span]
    rolled, direct = both(
        floor["instance"],
        start=start,
        end=finish,
        metrics=requests(60, 3600, 604_800, 61),
        groupings=[grouping] if grouping else [],
        interval=interval,
        timezone=zone,
    )
    assert rolled == direct
    assert sum(r.values[0] for r in rolled) > 0  # CONTACTS_CREATED: the range holds contacts


def test_each_hour_row_is_the_sum_of_its_quarters(floor):
    hours = {
        (r.by_agent, r.bucket, r.queue_id, r.agent_id, r.channel): (r.created, r.handle_us, r.sl_lt_60, r.longest_us)
        for r in MetricRollupHour.objects.filter(instance=floor["instance"])
    }
    summed: dict[tuple, list] = {}
    for r in MetricRollup.objects.filter(instance=floor["instance"]):
        key = (r.by_agent, r.bucket.replace(minute=0), r.queue_id, r.agent_id, r.channel)
        total = summed.setdefault(key, [0, 0, 0, None])
        total[0] += r.created
        total[1] += r.handle_us
        total[2] += r.sl_lt_60
        if r.longest_us is not None:
            total[3] = max(total[3] or 0, r.longest_us)
    assert hours == {key: tuple(total) for key, total in summed.items()}
    assert len(hours) < MetricRollup.objects.filter(instance=floor["instance"]).count()


@pytest.mark.parametrize(
    "interval, zone, reads_hours",
    [
        ("DAY", None, True),
        ("WEEK", None, True),
        ("HOUR", None, True),
        ("TOTAL", "Asia/Kolkata", True),
        ("FIFTEEN_MIN", None, False),
        ("DAY", "Asia/Kolkata", False),  # its days start at 18:30 UTC, inside an hour row
        ("HOUR", "Asia/Kathmandu", False),  # +05:45
    ],
)
def test_reports_read_the_hour_rows_only_when_their_intervals_start_on_whole_hours(floor, interval, zone, reads_hours):
    def created():
        rows = historical_metrics(
            instance=floor["instance"],
            start=RANGES[0][0],
            end=RANGES[0][1],
            metrics=[MetricRequest("CONTACTS_CREATED")],
            interval=interval,
            timezone=zone,
        )
        return sum(r.values[0] for r in rows)

    before = created()
    MetricRollupHour.objects.filter(instance=floor["instance"], by_agent=False).update(created=F("created") + 1000)
    assert (created() != before) is reads_hours


@pytest.mark.parametrize(
    "filters",
    [
        {"QUEUE": "returns"},
        {"CHANNEL": ["TASK"]},
        {"AGENT": "ana"},
        {"ROUTING_PROFILE": "day"},
        {"QUEUE": "returns", "AGENT": "ana"},  # a queue with an agent: the contact rows alone
    ],
)
def test_filters_give_the_same_figures(floor, filters):
    resolved = {k: v if isinstance(v, list) else [floor[v].pk] for k, v in filters.items()}
    rolled, direct = both(
        floor["instance"], start=RANGES[0][0], end=RANGES[0][1], metrics=requests(60), filters=resolved, interval="DAY"
    )
    assert rolled == direct and rolled


def test_service_levels_at_their_boundaries(floor):
    (row,) = historical_metrics(
        instance=floor["instance"],
        start=local(2026, 10, 25, 1),
        end=local(2026, 10, 25, 2),
        metrics=[MetricRequest("SERVICE_LEVEL", s) for s in (60.0, 3600.0)],
        filters={"QUEUE": [floor["returns"].pk]},
    )
    # Six answered: waits of 60 s − 1 µs (inside 60), 60, 60 + 1 µs, 1 h − 1 µs (inside 1 h), 1 h, 1 h + 1 s.
    assert row.values == [round(100 * 1 / 6, 2), round(100 * 4 / 6, 2)]
    (week,) = historical_metrics(
        instance=floor["instance"],
        start=local(2026, 10, 18),
        end=local(2026, 10, 19),
        metrics=[MetricRequest("SERVICE_LEVEL", 604_800.0)],
    )
    assert week.values == [50.0]


def test_the_counts_by_how_contacts_began_and_ended(floor):
    names = [
        "CONTACTS_HANDLED_INCOMING",
        "CONTACTS_HANDLED_OUTBOUND",
        "CONTACTS_TRANSFERRED_IN",
        "CONTACTS_TRANSFERRED_OUT",
        "CONTACTS_EXPIRED",
        "CONTACTS_DISCONNECTED_BY_FLOW",
        "CONTACTS_ABANDONED",
    ]
    (row,) = historical_metrics(
        instance=floor["instance"],
        start=local(2026, 10, 26, 8),
        end=local(2026, 10, 26, 9),
        metrics=[MetricRequest(n) for n in names],
    )
    # Handled, started by the API: the ACW one, the transferred one, ana's open one; ben's outbound one;
    # the transfer's contact expired unanswered, as did the one the API ended.
    assert dict(zip(names, row.values, strict=True)) == {
        "CONTACTS_HANDLED_INCOMING": 3.0,
        "CONTACTS_HANDLED_OUTBOUND": 1.0,
        "CONTACTS_TRANSFERRED_IN": 1.0,
        "CONTACTS_TRANSFERRED_OUT": 1.0,
        "CONTACTS_EXPIRED": 1.0,
        "CONTACTS_DISCONNECTED_BY_FLOW": 1.0,
        "CONTACTS_ABANDONED": 2.0,
    }


def test_the_day_the_clocks_go_back_counts_25_hours_of_contacts(floor):
    rows = historical_metrics(
        instance=floor["instance"],
        start=local(2026, 10, 25),
        end=local(2026, 10, 26),
        metrics=[MetricRequest("CONTACTS_CREATED")],
        filters={"QUEUE": [floor["billing"].pk]},
        interval="DAY",
    )
    assert [(r.end - r.start, r.values) for r in rows] == [(dt.timedelta(hours=25), [3.0])]


@pytest.mark.parametrize("model", [MetricRollup, MetricRollupHour])
def test_a_rebuild_gives_the_rows_the_ended_contacts_wrote(floor, model):
    columns = [f.attname for f in model._meta.concrete_fields if f.attname != "id"]
    written = sorted(model.objects.values_list(*columns))
    assert written
    rollup_rebuild(instance_id=floor["instance"].pk)
    assert sorted(model.objects.values_list(*columns)) == written


def test_a_rebuild_from_nothing_equals_the_incremental_rows_and_later_ends_add_to_them(floor):
    instance = floor["instance"]
    columns = [f.attname for f in MetricRollup._meta.concrete_fields if f.attname != "id"]
    written = sorted(MetricRollup.objects.values_list(*columns))
    hours = sorted(MetricRollupHour.objects.values_list(*columns))
    MetricRollup.objects.filter(instance=instance).delete()  # lost, or loaded without them: rebuilt from the contacts
    MetricRollupHour.objects.filter(instance=instance).delete()
    assert rollup_rebuild(instance_id=instance.pk) == len(written)
    assert sorted(MetricRollup.objects.values_list(*columns)) == written
    assert sorted(MetricRollupHour.objects.values_list(*columns)) == hours
    # The open contact with ana ends after the rebuild: it adds to the rebuilt rows of its bucket (its queue's
    # row exists; ana's is new), not to a second row of the same key written in another format.
    open_one = Contact.objects.get(instance=instance, agent=floor["ana"], state=ContactState.CONNECTED)
    end(open_one)
    assert MetricRollup.objects.filter(instance=instance).count() == len(written) + 1
    # Its hour already has a row of ana's (her 08:14:59 contact): it adds to that rebuilt row.
    assert MetricRollupHour.objects.filter(instance=instance).count() == len(hours)
    rebuilt_after = sorted(MetricRollup.objects.values_list(*columns))
    hours_after = sorted(MetricRollupHour.objects.values_list(*columns))
    rollup_rebuild(instance_id=instance.pk)
    assert sorted(MetricRollup.objects.values_list(*columns)) == rebuilt_after
    assert sorted(MetricRollupHour.objects.values_list(*columns)) == hours_after
    rolled, direct = both(instance, start=RANGES[0][0], end=RANGES[0][1], metrics=requests(60), interval="DAY")
    assert rolled == direct


@pytest.mark.django_db(transaction=True)  # routing offers the task after its commit
def test_a_task_through_its_whole_life_lands_in_its_queues_rollup(cast):
    agent = cast.agent()
    task = cast.task()
    contact_accept(contact_id=task.id, agent=agent)
    contact_complete(contact_id=task.id, agent=agent)
    assert not MetricRollup.objects.filter(instance=cast.instance).exists()  # in after-contact work: still open
    contact_close(contact_id=task.id, agent=agent)
    for model in (MetricRollup, MetricRollupHour):
        queue_row = model.objects.get(instance=cast.instance, by_agent=False)
        agent_row = model.objects.get(instance=cast.instance, by_agent=True)
        assert (queue_row.queue_id, queue_row.created, queue_row.handled, queue_row.acw_n) == (cast.queue.pk, 1, 1, 1)
        assert (agent_row.agent_id, agent_row.handle_n) == (agent.pk, 1)
