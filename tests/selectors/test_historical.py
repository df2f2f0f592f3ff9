"""The historical definitions at the selector: daily intervals follow the instance's calendar, so the day
the clocks go back in Paris is 25 hours long and a task at 23:30 that night still counts on that day."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from ccp.models.metrics import SUMMED
from ccp.selectors.historical import METRICS, MetricRequest, _value, historical_metrics, ingredients_of, interval_bounds
from tests.factories import ContactFactory, InstanceFactory, QueueFactory

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")


def local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS)


def test_the_day_the_clocks_go_back_is_one_25_hour_interval():
    instance = InstanceFactory(timezone="Europe/Paris")
    queue = QueueFactory(instance=instance)
    for when in (local(2026, 10, 25, 0, 30), local(2026, 10, 25, 23, 30), local(2026, 10, 26, 0, 30)):
        ContactFactory(instance=instance, queue=queue, initiation_timestamp=when, last_update_timestamp=when)
    rows = historical_metrics(
        instance=instance,
        start=local(2026, 10, 24),
        end=local(2026, 10, 27),
        metrics=[MetricRequest("CONTACTS_CREATED")],
        interval="DAY",
    )
    assert [(r.start.astimezone(PARIS).date().isoformat(), r.end - r.start, r.values) for r in rows] == [
        ("2026-10-25", dt.timedelta(hours=25), [2.0]),
        ("2026-10-26", dt.timedelta(hours=24), [1.0]),
    ]


def test_daily_bounds_cover_the_range_in_local_days():
    bounds = interval_bounds("DAY", PARIS, local(2026, 3, 28), local(2026, 3, 31))
    assert [b.astimezone(PARIS) for b in bounds] == [local(2026, 3, 28), local(2026, 3, 29), local(2026, 3, 30)]
    assert bounds[2] - bounds[1] == dt.timedelta(hours=23)


def test_fifteen_minute_intervals_put_each_contact_in_its_quarter_hour():
    instance = InstanceFactory(timezone="UTC")
    start = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
    for minute in (1, 14, 15, 44):
        when = start + dt.timedelta(minutes=minute)
        ContactFactory(instance=instance, initiation_timestamp=when, last_update_timestamp=when)
    rows = historical_metrics(
        instance=instance,
        start=start,
        end=start + dt.timedelta(hours=1),
        metrics=[MetricRequest("CONTACTS_CREATED")],
        interval="FIFTEEN_MIN",
    )
    assert [(r.start.minute, r.values[0]) for r in rows] == [(0, 2.0), (15, 1.0), (30, 1.0)]


@pytest.mark.parametrize("name", sorted(METRICS))
def test_each_metric_reads_only_the_ingredients_a_report_sums_for_it(name):
    # Reports sum only the ingredients their metrics read (historical.INGREDIENTS): every metric's value from
    # those alone must equal its value from all of them.
    metric = MetricRequest(name, 60.0 if name == "SERVICE_LEVEL" else None)
    keys = [*SUMMED, "longest_us", "sl_0", "missed"]
    every = {key: (7 + i) * (10**9 if key.endswith("_us") else 1) for i, key in enumerate(keys)}  # µs: ~hours
    every["occupancy"] = (30.0, 10.0)
    read = ingredients_of([metric]) | {"missed", "occupancy"}  # from the events and status lines, not the sums
    assert _value(metric, {k: v for k, v in every.items() if k in read}, [60.0]) == _value(metric, every, [60.0])
