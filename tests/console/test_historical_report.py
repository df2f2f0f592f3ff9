"""The historical report page: days in the instance's timezone (a daylight-saving day included), intervals,
grouping, custom service levels, the SVG charts and table, the CSV download, saved definitions per user,
and who may see it."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from ccp.models import SavedReport
from ccp.services.metric_rollups import rollup_rebuild
from tests.factories import (
    AgentFactory,
    ContactFactory,
    InstanceFactory,
    QueueFactory,
    RoutingProfileFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")


def local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS)


@pytest.fixture
def paris(instance):
    instance.timezone = "Europe/Paris"
    instance.save()
    returns = QueueFactory(instance=instance, name="Returns")
    billing = QueueFactory(instance=instance, name="Billing")
    day = RoutingProfileFactory(instance=instance, name="Day shift")
    night = RoutingProfileFactory(instance=instance, name="Night shift")
    ana = AgentFactory(instance=instance, username="ana", first_name="Ana", last_name="Lima", routing_profile=day)
    ben = AgentFactory(instance=instance, username="ben", first_name="Ben", last_name="Okafor", routing_profile=night)
    # The clocks go back at 03:00 on 25 October 2026: that day has 25 hours.
    for when, queue, wait, agent in (
        (local(2026, 10, 25, 0, 30), returns, 10, ana),
        (local(2026, 10, 25, 23, 30), returns, 50, ben),
        (local(2026, 10, 26, 0, 30), billing, 200, ben),
    ):
        ContactFactory(
            instance=instance,
            queue=queue,
            agent=agent,
            state="ENDED",
            disconnect_reason="AGENT_DISCONNECT",
            initiation_timestamp=when,
            enqueue_timestamp=when,
            connected_to_agent_timestamp=when + dt.timedelta(seconds=wait),
            disconnect_timestamp=when + dt.timedelta(seconds=wait + 60),
            last_update_timestamp=when,
        )
    rollup_rebuild(instance_id=instance.pk)  # rows written directly, as a data load would: the rebuild sums them
    return {"returns": returns, "billing": billing, "day": day, "night": night, "ana": ana, "ben": ben}


def report(client, **query):
    params = {"start": "2026-10-24", "end": "2026-10-26", "interval": "DAY", "metrics": ["CONTACTS_CREATED"]}
    params.update(query)
    return client.get(reverse("admin_console:historical_report"), params)


def table_rows(html: str) -> list[list[str]]:
    body = html.split('<table class="data" id="report">')[1].split("<tbody>")[1].split("</tbody>")[0]
    rows = []
    for tr in body.split("<tr>")[1:]:
        rows.append([cell.split(">", 1)[1].split("</td>")[0] for cell in tr.split("<td")[1:]])
    return rows


def test_daily_intervals_follow_the_instances_days_across_the_clock_change(supervisor_client, paris):
    html = report(supervisor_client).content.decode()
    # The last column: the instance's default service level for tasks (1 day), which every wait here meets.
    assert table_rows(html) == [["2026-10-25", "2.0", "100.0"], ["2026-10-26", "1.0", "100.0"]]


def test_grouping_by_queue_names_each_queue(supervisor_client, paris):
    html = report(supervisor_client, grouping="QUEUE", interval="TOTAL").content.decode()
    assert sorted(table_rows(html)) == [
        ["Billing", "2026-10-24 – 2026-10-26", "1.0", "100.0"],
        ["Returns", "2026-10-24 – 2026-10-26", "2.0", "100.0"],
    ]


def test_custom_service_levels_each_get_a_column(supervisor_client, paris):
    html = report(supervisor_client, interval="TOTAL", service_levels="30, 60,600").content.decode()
    assert "Service level 30s (%)" in html and "Service level 10m (%)" in html
    # waits of 10, 50 and 200 s
    assert table_rows(html) == [["2026-10-24 – 2026-10-26", "3.0", "33.33", "66.67", "100.0"]]


def test_service_levels_in_hours_or_days_and_the_instances_default_per_channel(supervisor_client, paris, instance):
    html = report(supervisor_client, interval="TOTAL", service_levels="1h, 2d,45s").content.decode()
    assert "Service level 45s (%)" in html and "Service level 1h (%)" in html and "Service level 2d (%)" in html
    instance.service_level_task_seconds = 50  # waits of 10, 50 and 200 s: only the 10 s one is within 50 s
    instance.save()
    html = report(supervisor_client, interval="TOTAL").content.decode()
    assert "Service level 50s (%)" in html
    assert table_rows(html) == [["2026-10-24 – 2026-10-26", "3.0", "33.33"]]


def test_more_than_ten_service_levels_or_one_beyond_seven_days_is_refused(supervisor_client, paris):
    html = report(supervisor_client, service_levels=",".join(str(n) for n in range(1, 12))).content.decode()
    assert "At most 10 service levels" in html and 'id="report"' not in html
    html = report(supervisor_client, service_levels="604801").content.decode()
    assert "a service level is 1s to 7d" in html and 'id="report"' not in html


def test_the_page_draws_a_chart_per_metric(supervisor_client, paris):
    html = report(supervisor_client, metrics=["CONTACTS_CREATED", "AVG_QUEUE_ANSWER_TIME"]).content.decode()
    assert html.count("<svg") == 3 and html.count('class="bar"') == 6  # and the default service level


def test_the_csv_has_the_tables_rows(supervisor_client, paris):
    response = report(supervisor_client, grouping="QUEUE", format="csv")
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().strip().splitlines()
    assert lines[0] == "Queue,Interval,CONTACTS_CREATED,Service level 1d (%)"
    assert sorted(lines[1:]) == ["Billing,2026-10-26,1.0,100.0", "Returns,2026-10-25,2.0,100.0"]


def test_a_saved_report_opens_again_for_its_owner_only(supervisor_client, supervisor, paris, instance, client):
    query = "start=2026-10-24&end=2026-10-26&interval=DAY&metrics=CONTACTS_CREATED"
    supervisor_client.post(reverse("admin_console:historical_report_save"), {"name": "October", "query": query})
    saved = SavedReport.objects.get(user=supervisor, name="October")
    response = supervisor_client.get(reverse("admin_console:historical_report_open", args=[saved.pk]))
    assert response.status_code == 302 and response["Location"].endswith(query)
    other = UserFactory(instance=instance, security_profile="CallCenterManager")
    client.force_login(other)
    assert client.get(reverse("admin_console:historical_report_open", args=[saved.pk])).status_code == 404


@pytest.mark.parametrize(
    ("grouping", "expected"),
    [
        ("AGENT", [["Ana Lima", "1.0", "100.0"], ["Ben Okafor", "2.0", "100.0"]]),
        ("ROUTING_PROFILE", [["Day shift", "1.0", "100.0"], ["Night shift", "2.0", "100.0"]]),
        ("CHANNEL", [["TASK", "3.0", "100.0"]]),
    ],
)
def test_grouping_by_agent_routing_profile_or_channel_names_each_group(supervisor_client, paris, grouping, expected):
    html = report(supervisor_client, grouping=grouping, interval="TOTAL").content.decode()
    assert sorted(row[:1] + row[2:] for row in table_rows(html)) == expected


def test_the_agent_filter_keeps_that_agents_contacts_and_stays_in_the_form(supervisor_client, paris):
    response = report(supervisor_client, agent=[paris["ana"].pk])
    html = response.content.decode()
    assert response.status_code == 200
    assert table_rows(html) == [["2026-10-25", "1.0", "100.0"]]
    assert f'<option value="{paris["ana"].pk}" selected>Ana Lima</option>' in html  # the filter shows as chosen
    assert f"agent={paris['ana'].pk}" in html  # and the CSV link and the saved definition carry it


def test_the_routing_profile_filter_keeps_its_agents_contacts_also_with_a_queue(supervisor_client, paris):
    html = report(supervisor_client, routing_profile=[paris["night"].pk], grouping="QUEUE").content.decode()
    assert sorted(table_rows(html)) == [
        ["Billing", "2026-10-26", "1.0", "100.0"],
        ["Returns", "2026-10-25", "1.0", "100.0"],
    ]
    # With a queue filter too: ben's Returns contact only (the queue and the profile both narrow).
    html = report(supervisor_client, routing_profile=[paris["night"].pk], queue=[paris["returns"].pk]).content.decode()
    assert table_rows(html) == [["2026-10-25", "1.0", "100.0"]]
    # Two profiles: both agents.
    both = report(supervisor_client, routing_profile=[paris["night"].pk, paris["day"].pk]).content.decode()
    assert table_rows(both) == [["2026-10-25", "2.0", "100.0"], ["2026-10-26", "1.0", "100.0"]]


def test_the_csv_honours_the_filters(supervisor_client, paris):
    response = report(supervisor_client, grouping="AGENT", routing_profile=[paris["night"].pk], format="csv")
    lines = response.content.decode().strip().splitlines()
    assert lines[0] == "Agent,Interval,CONTACTS_CREATED,Service level 1d (%)"
    assert sorted(lines[1:]) == ["Ben Okafor,2026-10-25,1.0,100.0", "Ben Okafor,2026-10-26,1.0,100.0"]


def test_a_saved_report_keeps_its_filters(supervisor_client, supervisor, paris):
    query = (
        f"start=2026-10-24&end=2026-10-26&interval=TOTAL&grouping=QUEUE&metrics=CONTACTS_CREATED"
        f"&agent={paris['ben'].pk}&routing_profile={paris['night'].pk}"
    )
    supervisor_client.post(reverse("admin_console:historical_report_save"), {"name": "Ben's queues", "query": query})
    saved = SavedReport.objects.get(user=supervisor, name="Ben's queues")
    response = supervisor_client.get(reverse("admin_console:historical_report_open", args=[saved.pk]), follow=True)
    assert sorted(table_rows(response.content.decode())) == [
        ["Billing", "2026-10-24 – 2026-10-26", "1.0", "100.0"],
        ["Returns", "2026-10-24 – 2026-10-26", "1.0", "100.0"],
    ]


def test_an_agent_or_profile_of_another_instance_is_refused(supervisor_client, paris):
    elsewhere = AgentFactory(
        instance=InstanceFactory(), username="stranger", first_name="Stranger", last_name="Elsewhere"
    )
    for query in ({"agent": [elsewhere.pk]}, {"routing_profile": [elsewhere.routing_profile_id]}):
        response = report(supervisor_client, **query)
        html = response.content.decode()
        assert response.status_code == 400 and 'id="report"' not in html and "Select a valid choice" in html
        assert "Stranger" not in html


def test_an_agent_may_not_see_the_report(agent_client, paris):
    assert report(agent_client).status_code == 403
