"""Metrics benchmark on PostgreSQL: 1,000,000 contacts over 35 days, then 10,000 queued tasks and 1,000 agents.

    .venv/bin/python bench/metrics.py [--contacts 1000000] [--runs 20] [--reuse] [--only historical|realtime]
                                      [--unfrozen]
    # BENCH_DATABASE_URL defaults to a scratch taskcenter_h15_bench database (dropped and re-created;
    # --reuse keeps the one a previous run seeded, after migrating it)

Contacts are written with COPY (20 queues, 200 agents, 2% with a missed offer), then the metric rollups are
rebuilt from them (`rollup_rebuild`, timed: a server adds each contact as it ends). Measured, p50 and p95
over `--runs` runs each, with a baseline from the same run:

- the historical report (admin_console.views.reports.report_run): 30 days, grouped by queue, daily, with
  the default metrics and two service levels;
- the same report from the contact rows alone (source="contacts": what the rollups replace);
- GetMetricDataV2's handler with the same request (no HTTP: the SigV4 edge is measured by api_ingest.py);
- baseline: a plain COUNT over the same contacts (instance, 30-day initiation range);
- the real-time page's computation (ccp.selectors.realtime_board) and GetCurrentMetricData's handler at
  10,000 queued tasks and 1,000 agents, against a COUNT of the queued tasks.
"""

import argparse
import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/taskcenter_h15_bench")
os.environ["DATABASE_URL"] = DB_URL
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ccp.settings")
os.environ.pop("REDIS_URL", None)

QUEUES, AGENTS, LIVE_AGENTS, LIVE_TASKS, DAYS = 20, 200, 1_000, 10_000, 35


def setup_database() -> None:
    dbname = DB_URL.rsplit("/", 1)[1]
    admin = DB_URL.rsplit("/", 1)[0] + "/postgres"
    for sql in (f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)", f"CREATE DATABASE {dbname}"):
        subprocess.run(["psql", admin, "-q", "-c", sql], check=True)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, check=True)


def _ts(value: dt.datetime | None) -> str:
    return value.isoformat() if value else "\\N"


def seed(contacts: int):
    from django.db import connection
    from django.utils import timezone

    from ccp.models import Queue, RoutingProfileQueue, User
    from ccp.services.agents import agent_statuses_ensure
    from tests.factories import InstanceFactory, RoutingProfileFactory

    instance = InstanceFactory(alias="bench", timezone="Europe/Paris")
    statuses = agent_statuses_ensure(instance=instance)
    queues = [Queue.objects.create(instance=instance, name=f"Queue {i:02d}") for i in range(QUEUES)]
    profile = RoutingProfileFactory(instance=instance, default_outbound_queue=queues[0], task_concurrency=10)
    RoutingProfileQueue.objects.bulk_create(RoutingProfileQueue(routing_profile=profile, queue=q) for q in queues)
    now = timezone.now().replace(microsecond=0)
    users = User.objects.bulk_create(
        User(
            instance=instance,
            username=f"bench-agent-{i}",
            routing_profile=profile,
            status=statuses["ROUTABLE"] if i % 3 else statuses["OFFLINE"],
            status_since=now,
            password="!",
        )
        for i in range(LIVE_AGENTS)
    )
    rng = random.Random(7)
    start = now - dt.timedelta(days=DAYS)
    span = DAYS * 86_400
    columns = (
        'id, instance_id, channel, initiation_method, state, name, description, attributes, "references", chain_id,'
        " queue_id, agent_id, routing_priority, routing_age_seconds, flow_state, flow_trace, flow_logging,"
        " client_token, transfer_count, phone_number, initiation_timestamp, enqueue_timestamp,"
        " connected_to_agent_timestamp, after_contact_work_start_timestamp, after_contact_work_end_timestamp,"
        " disconnect_timestamp, last_update_timestamp, disconnect_reason"
    )
    events = []
    with connection.cursor() as cursor, cursor.copy(f"COPY ccp_contact ({columns}) FROM STDIN") as copy:
        for i in range(contacts):
            begun = start + dt.timedelta(seconds=rng.randrange(span - 3600))
            queue = queues[i % QUEUES]
            contact_id = str(uuid.UUID(int=rng.getrandbits(128)))
            answered = rng.random() < 0.9
            wait = dt.timedelta(seconds=rng.randrange(1, 900))
            agent = users[rng.randrange(AGENTS)] if answered else None
            connected = begun + wait if answered else None
            acw_start = connected + dt.timedelta(seconds=rng.randrange(30, 1200)) if answered else None
            acw_end = acw_start + dt.timedelta(seconds=rng.randrange(0, 120)) if answered else None
            ended = acw_start if answered else begun + wait
            reason = "TRANSFERRED" if answered and i % 25 == 0 else ("AGENT_DISCONNECT" if answered else "API")
            copy.write_row(
                (
                    contact_id, instance.pk, "TASK", "API", "ENDED", f"Task {i}", "", "{}", "{}", "",
                    queue.pk, agent.pk if agent else None, 5, 0, "{}", "[]", False,
                    "", 0, "", begun, begun, connected, acw_start, acw_end, ended, acw_end or ended, reason,
                )
            )  # fmt: skip
            if i % 50 == 0:
                events.append((instance.pk, contact_id, begun + wait / 2, users[rng.randrange(AGENTS)].pk, queue.pk))
    with (
        connection.cursor() as cursor,
        cursor.copy(
            "COPY ccp_contactevent (instance_id, contact_id, at, actor_type, event, from_state, to_state, agent_id,"
            " queue_id, reason, detail) FROM STDIN"
        ) as copy,
    ):
        for inst, contact_id, at, agent_id, queue_id in events:
            copy.write_row(
                (inst, contact_id, at, "worker", "MISSED", "CONNECTING", "QUEUED", agent_id, queue_id, "", "{}")
            )
    # The live floor: 10,000 queued tasks; a third of the 1,000 agents hold a task.
    with connection.cursor() as cursor, cursor.copy(f"COPY ccp_contact ({columns}) FROM STDIN") as copy:
        for i in range(LIVE_TASKS):
            held = i < LIVE_AGENTS // 3
            begun = now - dt.timedelta(seconds=i + 1)
            copy.write_row(
                (
                    str(uuid.uuid4()), instance.pk, "TASK", "API", "CONNECTED" if held else "QUEUED", f"Live {i}",
                    "", "{}", "{}", "", queues[i % QUEUES].pk, users[i].pk if held else None, 5, 0, "{}", "[]",
                    False, "", 0, "", begun, begun, begun if held else None, None, None, None, begun, "",
                )
            )  # fmt: skip
    subprocess.run(["psql", DB_URL, "-q", "-c", "VACUUM ANALYZE"], check=True)
    return instance, now


def _server_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of this connection's PostgreSQL backend so far, when it runs on this machine."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(fn, runs: int) -> tuple[list[float], float]:
    """Wall milliseconds of each run, and the mean CPU milliseconds per run of this process plus its PostgreSQL
    backend: the work done, which other jobs on the machine inflate far less than the wall time."""
    from django.db import connection

    fn()  # warm
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    out = []
    cpu0, server0 = time.process_time(), _server_cpu_seconds(pid)
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    cpu = (time.process_time() - cpu0 + _server_cpu_seconds(pid) - server0) * 1000 / runs
    return out, cpu


def pct(values: list[float], p: float) -> float:
    return sorted(values)[min(len(values) - 1, int(len(values) * p))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--reuse", action="store_true", help="keep the database a previous run seeded")
    parser.add_argument("--unfrozen", action="store_true", help="leave the start-up heap in the collector's reach")
    parser.add_argument(
        "--only", choices=["historical", "realtime"], help="measure one part alone (with its own baseline)"
    )
    args = parser.parse_args()
    if args.reuse:
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, check=True)
    else:
        setup_database()
    import django

    django.setup()
    from admin_console.views.reports import DEFAULT_METRICS, report_run
    from ccp.api.metrics import get_current_metric_data, get_metric_data_v2
    from ccp.models import Contact, Instance
    from ccp.selectors.historical import MetricRequest, historical_metrics
    from ccp.selectors.realtime_board import realtime_board
    from ccp.services.metric_rollups import rollup_rebuild

    if args.reuse:
        instance = Instance.objects.get(alias="bench")
        now = Contact.objects.filter(instance=instance, state="QUEUED").order_by("-initiation_timestamp")[0]
        now = now.initiation_timestamp + dt.timedelta(seconds=1)
        print(f"reusing the seeded database (seeded at {now:%Y-%m-%d %H:%M} UTC)")
    else:
        t0 = time.perf_counter()
        instance, now = seed(args.contacts)
        print(f"seeded {args.contacts:,} contacts + {LIVE_TASKS:,} live tasks in {time.perf_counter() - t0:.0f} s")
        t0 = time.perf_counter()
        rows = rollup_rebuild(instance_id=instance.pk)
        subprocess.run(["psql", DB_URL, "-q", "-c", "VACUUM ANALYZE ccp_metricrollup"], check=True)
        print(f"rollups rebuilt from the ended contacts: {rows:,} rows in {time.perf_counter() - t0:.0f} s")
    end_day = now.date()
    start_day = end_day - dt.timedelta(days=29)
    form = {
        "start": start_day, "end": end_day, "interval": "DAY", "grouping": "QUEUE", "metrics": [],
        "service_levels": [60, 300], "queue": [], "channel": "",
    }  # fmt: skip
    start = now - dt.timedelta(days=30)
    report_requests = [MetricRequest(n) for n in DEFAULT_METRICS] + [
        MetricRequest("SERVICE_LEVEL", 60.0),
        MetricRequest("SERVICE_LEVEL", 300.0),
    ]
    queue_ids = list(instance_queue_ids(instance))
    v2 = {
        "ResourceArn": instance.arn, "StartTime": start, "EndTime": now,
        "Interval": {"IntervalPeriod": "DAY", "TimeZone": "Europe/Paris"},
        "Filters": [{"FilterKey": "QUEUE", "FilterValues": queue_ids}], "Groupings": ["QUEUE"],
        "Metrics": [{"Name": n} for n in ("CONTACTS_CREATED", "CONTACTS_HANDLED", "AVG_HANDLE_TIME",
                                          "AVG_QUEUE_ANSWER_TIME", "AGENT_NON_RESPONSE")]
        + [{"Name": "SERVICE_LEVEL", "Threshold": [{"Comparison": "LT", "ThresholdValue": 60}]}],
        "MaxResults": 100,
    }  # fmt: skip
    current = {
        "InstanceId": instance.pk, "Filters": {"Queues": queue_ids, "Channels": ["TASK"]}, "Groupings": ["QUEUE"],
        "CurrentMetrics": [{"Name": n, "Unit": "COUNT"} for n in ("AGENTS_ONLINE", "AGENTS_AVAILABLE",
                           "CONTACTS_IN_QUEUE", "SLOTS_AVAILABLE")],
    }  # fmt: skip
    cases = [
        ("baseline: COUNT of the 30 days' contacts", lambda: Contact.objects.filter(
            instance_id=instance.pk, initiation_timestamp__gte=start, initiation_timestamp__lt=now).count()),
        ("report: 30 days by queue, daily", lambda: report_run(instance, form)),
        ("the same from the contact rows alone", lambda: historical_metrics(
            instance=instance, start=start, end=now, metrics=report_requests, groupings=["QUEUE"], interval="DAY",
            source="contacts")),
        ("GetMetricDataV2: the same", lambda: get_metric_data_v2(instance=instance, params=v2)),
        ("baseline: COUNT of the queued tasks", lambda: Contact.objects.filter(
            instance_id=instance.pk, state="QUEUED").count()),
        ("real-time page (10,000 queued, 1,000 agents)", lambda: realtime_board(instance=instance)),
        ("GetCurrentMetricData, 20 queues", lambda: get_current_metric_data(instance=instance, params=current)),
    ]  # fmt: skip
    parts = {"historical": cases[:4], "realtime": cases[4:]}
    if args.only:
        cases = parts[args.only]
    if not args.unfrozen:
        from ccp.ops.heap import heap_freeze

        # As the server process does once it has started (ccp/asgi.py): its start-up heap out of full collections.
        print(f"heap: {heap_freeze():,} start-up objects frozen, as in the server (--unfrozen to measure without)")
    for label, fn in cases:
        times, cpu = timed(fn, args.runs)
        print(
            f"{label:48s} p50 {statistics.median(times):8.1f} ms   p95 {pct(times, 0.95):8.1f} ms"
            f"   CPU {cpu:7.1f} ms/run   (load {os.getloadavg()[0]:.1f})"
        )


def instance_queue_ids(instance):
    from ccp.models import Queue

    return Queue.objects.filter(instance=instance, queue_type="STANDARD").values_list("pk", flat=True)


if __name__ == "__main__":
    main()
