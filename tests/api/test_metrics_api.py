"""The metrics operations through boto3: GetMetricDataV2 and GetMetricData over tasks with known
timelines (the timestamps are set on the rows, so every figure is exact), GetCurrentMetricData and
GetCurrentUserData over a known floor of agents, the zeros tasks get for voice-only metrics, service
levels just inside and just outside their threshold, another instance's ids, and unsupported names.

The timeline, in seconds after T0 (all in the Support queue, handled by ava):
- first: queued at 0, connected at 30, after-contact work 330 → 390 (handle 360, wait 30, ACW 60);
- second: queued at 60, offer missed by ava at 100, connected at 180, transferred out at 480 (handle 300,
  wait 120, no ACW);
- third: queued at 120, ended at 600 without reaching an agent;
- fourth: queued at 180, still waiting.
"""

import datetime as dt

import pytest
from django.utils import timezone

from ccp.models import AgentEvent, AgentStatus, ContactState, Queue
from ccp.services.metric_rollups import rollup_rebuild
from tests.api.wire import client_for, expect_error
from tests.factories import (
    AgentFactory,
    AgentStatusFactory,
    ContactEventFactory,
    ContactFactory,
    QueueFactory,
    RoutingProfileFactory,
    RoutingProfileQueueFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

# Two hours ago on a 5-minute boundary (GetMetricData wants multiples of 5 minutes).
_now = timezone.now()
T0 = _now.replace(minute=_now.minute - _now.minute % 5, second=0, microsecond=0) - dt.timedelta(hours=2)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


@pytest.fixture
def floor(instance, queue):
    """ava (Available, two task slots) serves Support; the four tasks of the module's timeline."""
    profile = RoutingProfileFactory(instance=instance, name="Support agents", task_concurrency=2)
    RoutingProfileQueueFactory(routing_profile=profile, queue=queue)
    available = AgentStatusFactory(instance=instance, name="Available", type=AgentStatus.Type.ROUTABLE)
    ava = AgentFactory(instance=instance, username="ava", status=available, routing_profile=profile)
    common = {"instance": instance, "queue": queue, "routing_order_at": T0}
    first = ContactFactory(
        **common,
        agent=ava,
        state=ContactState.ENDED,
        disconnect_reason="AGENT_DISCONNECT",
        initiation_timestamp=at(0),
        enqueue_timestamp=at(0),
        connected_to_agent_timestamp=at(30),
        after_contact_work_start_timestamp=at(330),
        after_contact_work_end_timestamp=at(390),
        disconnect_timestamp=at(330),
        last_update_timestamp=at(390),
    )
    second = ContactFactory(
        **common,
        agent=ava,
        state=ContactState.ENDED,
        disconnect_reason="TRANSFERRED",
        initiation_timestamp=at(60),
        enqueue_timestamp=at(60),
        connected_to_agent_timestamp=at(180),
        disconnect_timestamp=at(480),
        last_update_timestamp=at(480),
    )
    ContactEventFactory(contact=second, event="MISSED", at=at(100), agent=ava, queue=queue, actor_type="worker")
    third = ContactFactory(
        **common,
        state=ContactState.ENDED,
        disconnect_reason="API",
        initiation_timestamp=at(120),
        enqueue_timestamp=at(120),
        disconnect_timestamp=at(600),
        last_update_timestamp=at(600),
    )
    fourth = ContactFactory(
        **common, initiation_timestamp=at(180), enqueue_timestamp=at(180), last_update_timestamp=at(180)
    )
    rollup_rebuild(instance_id=instance.pk)  # rows written directly, as a data load would: the rebuild sums them
    return {"ava": ava, "profile": profile, "contacts": [first, second, third, fourth]}


def v2(connect, instance, queue, metrics, **extra):
    params = {
        "ResourceArn": instance.arn,
        "StartTime": T0 - dt.timedelta(hours=1),
        "EndTime": T0 + dt.timedelta(hours=1),
        "Filters": [{"FilterKey": "QUEUE", "FilterValues": [queue.id]}],
        "Metrics": metrics,
        **extra,
    }
    return connect.get_metric_data_v2(**params)["MetricResults"]


def values(result) -> dict:
    return {c["Metric"]["Name"]: c["Value"] for c in result["Collections"]}


def test_each_historical_metric_has_its_exact_value_over_the_timeline(connect, instance, queue, floor):
    names = [
        "CONTACTS_CREATED",
        "CONTACTS_QUEUED",
        "CONTACTS_HANDLED",
        "CONTACTS_TRANSFERRED_OUT",
        "AGENT_NON_RESPONSE",
        "AVG_HANDLE_TIME",
        "SUM_CONTACT_TIME_AGENT",
        "AVG_QUEUE_ANSWER_TIME",
        "AVG_AFTER_CONTACT_WORK_TIME",
    ]
    [result] = v2(connect, instance, queue, [{"Name": n} for n in names], Groupings=["QUEUE"])
    assert result["Dimensions"] == {"QUEUE": queue.id}
    assert values(result) == {
        "CONTACTS_CREATED": 4,
        "CONTACTS_QUEUED": 4,
        "CONTACTS_HANDLED": 2,
        "CONTACTS_TRANSFERRED_OUT": 1,
        "AGENT_NON_RESPONSE": 1,
        "AVG_HANDLE_TIME": 330,
        "SUM_CONTACT_TIME_AGENT": 660,
        "AVG_QUEUE_ANSWER_TIME": 75,
        "AVG_AFTER_CONTACT_WORK_TIME": 60,
    }


def test_metrics_that_do_not_apply_to_tasks_are_zero_not_blank(connect, instance, queue, floor):
    names = ["SUM_INTERACTION_AND_HOLD_TIME", "SUM_INTERACTION_TIME", "AVG_INTERACTION_TIME", "AVG_HOLD_TIME"]
    [result] = v2(connect, instance, queue, [{"Name": n} for n in names])
    assert values(result) == dict.fromkeys(names, 0.0)


@pytest.mark.parametrize(
    ("threshold", "percent"),
    [
        (30, 0.0),  # the first task waited exactly 30 s: not less than 30, so outside
        (31, 33.33),  # just inside for the first
        (120, 33.33),  # the second waited exactly 120 s: outside
        (121, 66.67),  # just inside for the second; the third never reached an agent
    ],
)
def test_service_level_counts_answers_strictly_within_the_threshold(
    connect, instance, queue, floor, threshold, percent
):
    metric = {"Name": "SERVICE_LEVEL", "Threshold": [{"Comparison": "LT", "ThresholdValue": threshold}]}
    [result] = v2(connect, instance, queue, [metric])
    assert values(result) == {"SERVICE_LEVEL": percent}
    assert result["Collections"][0]["Metric"]["Threshold"] == [{"Comparison": "LT", "ThresholdValue": threshold}]


def test_a_service_level_threshold_beyond_seven_days_is_refused(connect, instance, queue, floor):
    metric = {"Name": "SERVICE_LEVEL", "Threshold": [{"Comparison": "LT", "ThresholdValue": 604_801}]}
    error = expect_error(lambda: v2(connect, instance, queue, [metric]), "InvalidParameterException", 400)
    assert "604,800" in error
    seven_days = {"Name": "SERVICE_LEVEL", "Threshold": [{"Comparison": "LT", "ThresholdValue": 604_800}]}
    [result] = v2(connect, instance, queue, [seven_days])
    assert values(result) == {"SERVICE_LEVEL": 66.67}


def test_hourly_intervals_split_the_timeline_where_the_contacts_began(connect, instance, queue, floor):
    ContactFactory(
        instance=instance,
        queue=queue,
        initiation_timestamp=at(3600 + 60),
        enqueue_timestamp=at(3600 + 60),
        last_update_timestamp=at(3600 + 60),
    )
    results = v2(
        connect,
        instance,
        queue,
        [{"Name": "CONTACTS_CREATED"}],
        Interval={"IntervalPeriod": "HOUR", "TimeZone": "UTC"},
        EndTime=T0 + dt.timedelta(hours=3),
    )
    hour = T0.replace(minute=0)
    # Every hour of the range comes back, as Amazon Connect's (IntervalDetails: "THIRTY_MIN ... differs by
    # 1 day ... returns 48 results"): the empty ones with zeros. The first starts at StartTime.
    spans = [(r["MetricInterval"]["StartTime"], r["MetricInterval"]["EndTime"]) for r in results]
    assert spans[0][0] == T0 - dt.timedelta(hours=1) and spans[-1][1] == T0 + dt.timedelta(hours=3)
    assert all(end == following for (_, end), (following, _) in zip(spans, spans[1:]))
    counts = {r["MetricInterval"]["StartTime"]: values(r)["CONTACTS_CREATED"] for r in results}
    assert counts == {**dict.fromkeys(counts, 0), hour: 4, hour + dt.timedelta(hours=1): 1}
    assert len(counts) == (4 if T0.minute == 0 else 5)
    assert all(r["MetricInterval"]["Interval"] == "HOUR" for r in results)


def test_a_range_without_contacts_still_gets_its_summary_of_zeros(connect, instance, queue, floor):
    # On 15-minute bounds (T0 is on a 5-minute one): a day is then exactly 96 intervals, whatever the hour.
    day_start = T0.replace(minute=T0.minute - T0.minute % 15) - dt.timedelta(days=3)
    params = {
        "ResourceArn": instance.arn,
        "StartTime": day_start,
        "EndTime": day_start + dt.timedelta(days=1),
        "Filters": [{"FilterKey": "QUEUE", "FilterValues": [queue.id]}],
        "Metrics": [{"Name": "CONTACTS_CREATED"}, {"Name": "AVG_HANDLE_TIME"}],
    }
    (summary,) = connect.get_metric_data_v2(**params)["MetricResults"]
    assert values(summary) == {"CONTACTS_CREATED": 0, "AVG_HANDLE_TIME": 0}
    daily = connect.get_metric_data_v2(**params, Interval={"IntervalPeriod": "FIFTEEN_MIN", "TimeZone": "UTC"})
    assert len(daily["MetricResults"]) == 96
    assert {values(r)["CONTACTS_CREATED"] for r in daily["MetricResults"]} == {0}
    # Grouped, a range without contacts has no groups, so no results.
    assert connect.get_metric_data_v2(**params, Groupings=["QUEUE"])["MetricResults"] == []


def test_occupancy_is_time_on_contacts_over_time_on_contacts_and_idle(connect, instance, queue, floor):
    ava = floor["ava"]
    # Available since before the range (which starts an hour before T0), Offline 15 minutes after T0: 4,500 s
    # Available; on contacts from 30 s to 480 s (the two handled tasks overlap): 450 s.
    AgentEvent.objects.create(
        instance=instance, user=ava, at=T0 - dt.timedelta(hours=2), status_name="Available", status_type="ROUTABLE"
    )
    AgentEvent.objects.create(instance=instance, user=ava, at=at(900), status_name="Offline", status_type="OFFLINE")
    results = connect.get_metric_data_v2(
        ResourceArn=instance.arn,
        StartTime=T0 - dt.timedelta(hours=1),
        EndTime=T0 + dt.timedelta(hours=1),
        Filters=[{"FilterKey": "AGENT", "FilterValues": [ava.id]}],
        Groupings=["AGENT"],
        Metrics=[{"Name": "AGENT_OCCUPANCY"}],
    )["MetricResults"]
    assert [(r["Dimensions"], values(r)) for r in results] == [({"AGENT": ava.id}, {"AGENT_OCCUPANCY": 10.0})]
    error = expect_error(
        lambda: v2(connect, instance, queue, [{"Name": "AGENT_OCCUPANCY"}]), "InvalidParameterException", 400
    )
    assert "QUEUE" in error


def test_grouping_by_agent_gives_each_agent_their_own_figures(connect, instance, queue, floor):
    results = v2(
        connect, instance, queue, [{"Name": "CONTACTS_HANDLED"}, {"Name": "AGENT_NON_RESPONSE"}], Groupings=["AGENT"]
    )
    by_agent = {r["Dimensions"].get("AGENT"): values(r) for r in results}
    assert by_agent[floor["ava"].id] == {"CONTACTS_HANDLED": 2, "AGENT_NON_RESPONSE": 1}


def test_results_come_in_pages(connect, instance, queue, floor):
    other = QueueFactory(instance=instance, name="Billing")
    ContactFactory(instance=instance, queue=other, initiation_timestamp=at(5), last_update_timestamp=at(5))
    params = {
        "ResourceArn": instance.arn,
        "StartTime": T0 - dt.timedelta(hours=1),
        "EndTime": T0 + dt.timedelta(hours=1),
        "Filters": [{"FilterKey": "QUEUE", "FilterValues": [queue.id, other.id]}],
        "Groupings": ["QUEUE"],
        "Metrics": [{"Name": "CONTACTS_CREATED"}],
        "MaxResults": 1,
    }
    first = connect.get_metric_data_v2(**params)
    second = connect.get_metric_data_v2(**params, NextToken=first["NextToken"])
    assert "NextToken" not in second
    counts = {
        r["Dimensions"]["QUEUE"]: values(r)["CONTACTS_CREATED"]
        for r in first["MetricResults"] + second["MetricResults"]
    }
    assert counts == {queue.id: 4, other.id: 1}


def test_unsupported_metric_names_are_named_in_the_error(connect, instance, queue, floor):
    error = expect_error(
        lambda: v2(connect, instance, queue, [{"Name": "CONTACTS_CREATED"}, {"Name": "AVG_GREETING_TIME_AGENT"}]),
        "InvalidParameterException",
        400,
    )
    assert "AVG_GREETING_TIME_AGENT" in error


def test_a_range_longer_than_the_interval_allows_is_refused(connect, instance, queue, floor):
    error = expect_error(
        lambda: v2(
            connect,
            instance,
            queue,
            [{"Name": "CONTACTS_CREATED"}],
            Interval={"IntervalPeriod": "HOUR"},
            StartTime=T0 - dt.timedelta(days=3),
        ),
        "InvalidParameterException",
        400,
    )
    assert "3 days" in error


def test_another_instances_queue_or_arn_is_not_found(connect, instance, queue, floor, outsider):
    expect_error(
        lambda: connect.get_metric_data_v2(
            ResourceArn=instance.arn,
            StartTime=T0,
            EndTime=T0 + dt.timedelta(hours=1),
            Filters=[{"FilterKey": "QUEUE", "FilterValues": [outsider["queue"].id]}],
            Metrics=[{"Name": "CONTACTS_CREATED"}],
        ),
        "ResourceNotFoundException",
        404,
    )
    expect_error(
        lambda: v2(connect, instance, queue, [{"Name": "CONTACTS_CREATED"}], ResourceArn=outsider["instance"].arn),
        "ResourceNotFoundException",
        404,
    )
    expect_error(
        lambda: connect.get_current_metric_data(
            InstanceId=instance.id,
            Filters={"Queues": [outsider["queue"].id]},
            CurrentMetrics=[{"Name": "CONTACTS_IN_QUEUE", "Unit": "COUNT"}],
        ),
        "ResourceNotFoundException",
        404,
    )


def test_their_key_sees_none_of_our_contacts(live_server, instance, queue, floor, outsider):
    theirs = client_for(live_server.url, outsider["key"].access_key_id, outsider["secret"])
    results = theirs.get_metric_data_v2(
        ResourceArn=outsider["instance"].arn,
        StartTime=T0 - dt.timedelta(hours=1),
        EndTime=T0 + dt.timedelta(hours=1),
        Filters=[{"FilterKey": "QUEUE", "FilterValues": [outsider["queue"].id]}],
        Metrics=[{"Name": "CONTACTS_CREATED"}],
    )["MetricResults"]
    assert [values(r) for r in results] == [{"CONTACTS_CREATED": 0}]  # their summary: none of our four


# --- GetMetricData (the first version) -------------------------------------------------------------


def test_get_metric_data_reports_the_historical_metrics_with_their_statistics(connect, instance, queue, floor):
    response = connect.get_metric_data(
        InstanceId=instance.id,
        StartTime=T0,
        EndTime=T0 + dt.timedelta(hours=1),
        Filters={"Queues": [queue.id], "Channels": ["TASK"]},
        Groupings=["QUEUE", "CHANNEL"],
        HistoricalMetrics=[
            {"Name": "CONTACTS_HANDLED", "Unit": "COUNT", "Statistic": "SUM"},
            {"Name": "HANDLE_TIME", "Unit": "SECONDS", "Statistic": "AVG"},
            {"Name": "QUEUE_ANSWER_TIME", "Unit": "SECONDS", "Statistic": "AVG"},
            {"Name": "CONTACTS_MISSED", "Unit": "COUNT", "Statistic": "SUM"},
            {"Name": "INTERACTION_AND_HOLD_TIME", "Unit": "SECONDS", "Statistic": "AVG"},
            {"Name": "HOLD_TIME", "Unit": "SECONDS", "Statistic": "AVG"},
            {"Name": "INTERACTION_TIME", "Unit": "SECONDS", "Statistic": "AVG"},
            {
                "Name": "SERVICE_LEVEL",
                "Unit": "PERCENT",
                "Statistic": "AVG",
                "Threshold": {"Comparison": "LT", "ThresholdValue": 121},
            },
        ],
    )
    [result] = response["MetricResults"]
    assert result["Dimensions"]["Queue"]["Id"] == queue.id
    assert result["Dimensions"]["Channel"] == "TASK"
    assert values(result) == {
        "CONTACTS_HANDLED": 2,
        "HANDLE_TIME": 330,
        "QUEUE_ANSWER_TIME": 75,
        "CONTACTS_MISSED": 1,
        "INTERACTION_AND_HOLD_TIME": 0,
        "HOLD_TIME": 0,
        "INTERACTION_TIME": 0,
        "SERVICE_LEVEL": 66.67,
    }


def test_get_metric_data_refuses_more_than_24_hours_and_unsupported_names(connect, instance, queue, floor):
    error = expect_error(
        lambda: connect.get_metric_data(
            InstanceId=instance.id,
            StartTime=T0 - dt.timedelta(hours=20),
            EndTime=T0 + dt.timedelta(hours=5),
            Filters={"Queues": [queue.id]},
            HistoricalMetrics=[{"Name": "CONTACTS_HANDLED", "Unit": "COUNT", "Statistic": "SUM"}],
        ),
        "InvalidParameterException",
        400,
    )
    assert "24 hours" in error
    error = expect_error(
        lambda: connect.get_metric_data(
            InstanceId=instance.id,
            StartTime=T0,
            EndTime=T0 + dt.timedelta(hours=1),
            Filters={"Queues": [queue.id]},
            HistoricalMetrics=[{"Name": "CONTACTS_CONSULTED", "Unit": "COUNT", "Statistic": "SUM"}],
        ),
        "InvalidParameterException",
        400,
    )
    assert "CONTACTS_CONSULTED" in error


# --- Real time -------------------------------------------------------------------------------------


@pytest.fixture
def live_floor(instance, queue):
    """Support: two tasks waiting (the older for 90 s), one scheduled; ava Available on one of her two
    slots, bea on Break, olga Offline."""
    profile = RoutingProfileFactory(instance=instance, name="Support agents", task_concurrency=2)
    RoutingProfileQueueFactory(routing_profile=profile, queue=queue)
    statuses = {
        kind: AgentStatusFactory(instance=instance, name=name, type=kind)
        for name, kind in (
            ("Available", AgentStatus.Type.ROUTABLE),
            ("Break", AgentStatus.Type.CUSTOM),
            ("Offline", AgentStatus.Type.OFFLINE),
        )
    }
    now = timezone.now()
    ava = AgentFactory(
        instance=instance, username="ava", status=statuses["ROUTABLE"], routing_profile=profile, status_since=now
    )
    AgentFactory(instance=instance, username="bea", status=statuses["CUSTOM"], routing_profile=profile)
    AgentFactory(instance=instance, username="olga", status=statuses["OFFLINE"], routing_profile=profile)
    held = ContactFactory(
        instance=instance,
        queue=queue,
        agent=ava,
        state=ContactState.CONNECTED,
        offered_at=now - dt.timedelta(seconds=20),
        connected_to_agent_timestamp=now - dt.timedelta(seconds=10),
    )
    ContactFactory(instance=instance, queue=queue, enqueue_timestamp=now - dt.timedelta(seconds=90))
    ContactFactory(instance=instance, queue=queue, enqueue_timestamp=now - dt.timedelta(seconds=5))
    ContactFactory(instance=instance, queue=queue, state=ContactState.SCHEDULED, enqueue_timestamp=None)
    return {"ava": ava, "profile": profile, "held": held}


def test_current_metric_data_gives_each_real_time_metric_of_the_queue(connect, instance, queue, live_floor):
    names = {
        "AGENTS_ONLINE": 2,
        "AGENTS_AVAILABLE": 1,
        "AGENTS_ON_CONTACT": 1,
        "AGENTS_STAFFED": 2,
        "AGENTS_AFTER_CONTACT_WORK": 0,
        "AGENTS_NON_PRODUCTIVE": 1,
        "AGENTS_ERROR": 0,
        "CONTACTS_IN_QUEUE": 2,
        "CONTACTS_SCHEDULED": 1,
        "SLOTS_ACTIVE": 1,
        "SLOTS_AVAILABLE": 1,
    }
    response = connect.get_current_metric_data(
        InstanceId=instance.id,
        Filters={"Queues": [queue.id], "Channels": ["TASK"]},
        Groupings=["QUEUE", "CHANNEL"],
        CurrentMetrics=[{"Name": n, "Unit": "COUNT"} for n in names]
        + [{"Name": "OLDEST_CONTACT_AGE", "Unit": "SECONDS"}],
    )
    [result] = response["MetricResults"]
    assert result["Dimensions"]["Queue"]["Id"] == queue.id
    assert result["Dimensions"]["Channel"] == "TASK"
    got = values(result)
    assert 90 <= got.pop("OLDEST_CONTACT_AGE") < 120
    assert got == names


def test_current_metric_data_names_an_unsupported_metric(connect, instance, queue, live_floor):
    error = expect_error(
        lambda: connect.get_current_metric_data(
            InstanceId=instance.id,
            Filters={"Queues": [queue.id]},
            CurrentMetrics=[{"Name": "ESTIMATED_WAIT_TIME", "Unit": "SECONDS"}],
        ),
        "InvalidParameterException",
        400,
    )
    assert "ESTIMATED_WAIT_TIME" in error


def test_current_metric_data_refuses_a_metric_without_a_name_with_a_400(connect, instance, queue, live_floor):
    error = expect_error(
        lambda: connect.get_current_metric_data(
            InstanceId=instance.id, Filters={"Queues": [queue.id]}, CurrentMetrics=[{"Unit": "COUNT"}]
        ),
        "InvalidParameterException",
        400,
    )
    assert "Name" in error


def test_current_user_data_shows_each_agents_status_slots_and_contacts(connect, instance, queue, live_floor):
    response = connect.get_current_user_data(InstanceId=instance.id, Filters={"Queues": [queue.id]})
    by_user = {item["User"]["Id"]: item for item in response["UserDataList"]}
    ava = by_user[live_floor["ava"].id]
    assert ava["Status"]["StatusName"] == "Available"
    assert ava["MaxSlotsByChannel"]["TASK"] == 2
    assert ava["ActiveSlotsByChannel"]["TASK"] == 1
    assert ava["AvailableSlotsByChannel"]["TASK"] == 1
    [contact] = ava["Contacts"]
    assert contact["ContactId"] == live_floor["held"].id
    assert contact["AgentContactState"] == "CONNECTED"
    assert contact["Queue"]["Id"] == queue.id
    assert {item["Status"]["StatusName"] for item in response["UserDataList"]} == {"Available", "Break", "Offline"}


def test_current_user_data_filters_by_agent(connect, instance, queue, live_floor):
    response = connect.get_current_user_data(InstanceId=instance.id, Filters={"Agents": [live_floor["ava"].id]})
    assert [item["User"]["Id"] for item in response["UserDataList"]] == [live_floor["ava"].id]


def test_current_metric_data_counts_a_personal_queues_agent_once(connect, instance, queue, live_floor):
    personal = Queue.objects.get(agent=live_floor["ava"])
    asked = [{"Name": n, "Unit": "COUNT"} for n in ("AGENTS_ONLINE", "AGENTS_AVAILABLE", "SLOTS_AVAILABLE")]
    alone = connect.get_current_metric_data(
        InstanceId=instance.id, Filters={"Queues": [personal.id]}, Groupings=["QUEUE"], CurrentMetrics=asked
    )
    [result] = alone["MetricResults"]
    assert values(result) == {"AGENTS_ONLINE": 1, "AGENTS_AVAILABLE": 1, "SLOTS_AVAILABLE": 1}
    # With Support, which her profile serves too: ava counts once, with bea (Break); olga is Offline.
    both = connect.get_current_metric_data(
        InstanceId=instance.id,
        Filters={"Queues": [queue.id, personal.id]},
        Groupings=["ROUTING_PROFILE"],
        CurrentMetrics=asked,
    )
    [result] = both["MetricResults"]
    assert result["Dimensions"]["RoutingProfile"]["Id"] == live_floor["profile"].id
    assert values(result) == {"AGENTS_ONLINE": 2, "AGENTS_AVAILABLE": 1, "SLOTS_AVAILABLE": 1}
