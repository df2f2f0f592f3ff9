"""Contact search benchmark on PostgreSQL: 1,000,000 contacts over 35 days.

Loads the contacts with COPY (channels, methods, 20 queues, 500 agents in 5 routing profiles, 3 task
templates, attributes, 20% active, a few scheduled), then prints server time (the selector and SearchContacts'
handler, in this process: no HTTP) p50/p95 for each filter alone and typical combinations, page 1 against page
1,000, and the export's rows/s and peak memory growth — next to a baseline from the same run: an indexed
primary-key lookup of one contact.

    .venv/bin/python bench/search.py            # BENCH_DATABASE_URL defaults to a scratch taskcenter_search DB
    .venv/bin/python bench/search.py --reuse    # keep the contacts loaded by an earlier run (migrates, then measures)
    .venv/bin/python bench/search.py --unfrozen # the start-up heap left in the collector's reach (servers freeze it)
"""

import datetime as dt
import json
import os
import random
import subprocess
import sys
import time
import tracemalloc
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/taskcenter_search")
os.environ["DATABASE_URL"] = DB_URL
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ccp.settings")
os.environ.pop("REDIS_URL", None)

CONTACTS = int(os.environ.get("BENCH_CONTACTS", "1000000"))
AGENTS, QUEUES, PROFILES, DAYS, RUNS = 500, 20, 5, 35, 30
WORDS = "refund order callback invoice address password delivery broken damaged warranty upgrade cancel".split()


def setup_database() -> None:
    """Drop and create the scratch database, then migrate it."""
    dbname = DB_URL.rsplit("/", 1)[1]
    admin = DB_URL.rsplit("/", 1)[0] + "/postgres"
    for sql in (f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)", f"CREATE DATABASE {dbname}"):
        subprocess.run(["psql", admin, "-q", "-c", sql], check=True)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, check=True)


def seed():
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from ccp.models import Queue, RoutingProfile, TaskTemplate, User
    from tests.factories import InstanceFactory

    instance = InstanceFactory(alias="bench", active_task_quota=1_000_000)
    queues = [Queue.objects.create(instance=instance, name=f"Queue {i}") for i in range(QUEUES)]
    profiles = [
        RoutingProfile.objects.create(instance=instance, name=f"Profile {i}", default_outbound_queue=queues[0])
        for i in range(PROFILES)
    ]
    agents = User.objects.bulk_create(
        User(instance=instance, username=f"agent-{i}", routing_profile=profiles[i % PROFILES]) for i in range(AGENTS)
    )
    templates = [TaskTemplate.objects.create(instance=instance, name=f"Template {i}") for i in range(3)]
    now = timezone.now()
    rng = random.Random(15)
    columns = (
        'id instance_id channel initiation_method state name description attributes "references" chain_id '
        "queue_id agent_id routing_priority routing_age_seconds flow_state flow_trace flow_logging client_token "
        "transfer_count task_template_id phone_number initiation_timestamp scheduled_timestamp enqueue_timestamp "
        "connected_to_agent_timestamp disconnect_timestamp last_update_timestamp disconnect_reason"
    ).split()
    reasons = ["AGENT_DISCONNECT"] * 70 + ["API"] * 15 + ["TRANSFERRED"] * 10 + ["EXPIRED"] * 2 + ["CANCELLED"] * 3

    # Rows go in in initiation order, as a live contact center writes them: a time range is then a run of
    # neighbouring heap pages, not a page per row (the first runs loaded them in random order).
    ages = sorted((rng.uniform(0, DAYS * 86400) for _ in range(CONTACTS)), reverse=True)

    def row(i: int) -> list:
        initiated = now - dt.timedelta(seconds=ages[i])
        roll = rng.random()
        queue = rng.choice(queues).id
        agent = rng.choice(agents).id
        enqueued = initiated + dt.timedelta(seconds=rng.uniform(1, 30))
        connected = disconnected = scheduled = None
        reason = ""
        if roll < 0.10:
            state, agent = "QUEUED", None
        elif roll < 0.20:
            state, connected = "CONNECTED", enqueued + dt.timedelta(seconds=rng.uniform(5, 600))
        elif roll < 0.23:
            state, agent, enqueued = "SCHEDULED", None, None
            scheduled = initiated + dt.timedelta(hours=rng.uniform(1, 140))
        else:
            state, reason = "ENDED", rng.choice(reasons)
            connected = enqueued + dt.timedelta(seconds=rng.uniform(5, 600))
            disconnected = connected + dt.timedelta(seconds=rng.uniform(30, 3600))
        words = rng.sample(WORDS, 3)
        attributes = {"tier": rng.choice(["gold", "silver", "bronze"]), "region": rng.choice(["eu", "us", "apac"])}
        return [
            str(uuid.uuid4()),
            instance.id,
            rng.choices(["TASK", "VOICE", "CHAT"], [80, 15, 5])[0],
            rng.choices(["API", "FLOW", "TRANSFER", "QUEUE_TRANSFER", "AGENT", "RULE"], [50, 20, 10, 5, 10, 5])[0],
            state,
            f"{words[0].title()} {words[1]} #{i}",
            f"Customer asks about {words[2]} and {words[0]}; ticket {i * 7}",
            json.dumps(attributes),
            "{}",
            "",
            queue,
            agent,
            rng.randint(1, 5),
            0,
            "{}",
            "[]",
            "t",
            "",
            0,
            rng.choice(templates).id if rng.random() < 0.3 else None,
            "",
            initiated,
            scheduled,
            enqueued,
            connected,
            disconnected,
            disconnected or initiated,
            reason,
        ]

    with connection.cursor() as cursor:
        # Load without the secondary indexes, then build them: what a restore does, minutes faster than COPY
        # into twenty indexes. Their definitions come from the migrated table, so they are the real ones.
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'ccp_contact' AND indexname NOT LIKE '%_pkey'"
        )
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        started = time.perf_counter()
        raw = cursor.cursor
        with raw.copy(f"COPY ccp_contact ({', '.join(columns)}) FROM STDIN") as copy:
            for i in range(CONTACTS):
                copy.write_row(row(i))
        loaded = time.perf_counter() - started
        for _, definition in indexes:
            cursor.execute(definition)
        # VACUUM as autovacuum would: index-only scans need the visibility map.
        cursor.execute("VACUUM ANALYZE ccp_contact")
        print(
            f"loaded {CONTACTS:,} contacts with COPY in {loaded:.0f} s; indexes built in "
            f"{time.perf_counter() - started - loaded:.0f} s",
            flush=True,
        )
    return instance, queues, agents, profiles, templates, now


def reuse():
    """The instance loaded by an earlier run (after migrating, so new indexes are built), or None."""
    import django

    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, check=True)
    django.setup()
    from django.db import connection
    from django.db.models import Max

    from ccp.models import Contact, Instance, Queue, RoutingProfile, TaskTemplate, User

    instance = Instance.objects.filter(alias="bench").first()
    if instance is None or Contact.objects.filter(instance=instance).count() != CONTACTS:
        return None
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE ccp_contact")
    now = Contact.objects.filter(instance=instance).aggregate(Max("initiation_timestamp"))["initiation_timestamp__max"]
    return (
        instance,
        list(Queue.objects.filter(instance=instance, queue_type="STANDARD").order_by("name")),
        list(
            User.objects.filter(instance=instance, routing_profile__in=RoutingProfile.objects.filter(instance=instance))
        ),
        list(RoutingProfile.objects.filter(instance=instance)),
        list(TaskTemplate.objects.filter(instance=instance)),
        now,
    )


PHRASES = [
    "I would like a refund for my order",
    "my package arrived broken",
    "can you update my delivery address",
    "I forgot my password again",
    "please cancel my subscription",
    "thank you for calling, how can I help",
    "let me check that for you",
    "is there anything else I can help with",
    "the invoice shows the wrong amount",
    "I want to upgrade my plan",
]
CATEGORIES = ["Refund request", "Churn risk", "Delivery problem", "Billing dispute", "Upsell"]


def seed_conversations(instance, now) -> None:
    """Transcripts (6 segments each) and categories (one in four) for the voice and chat contacts of the last 7
    days, loaded with COPY once; a later run reuses them."""
    from django.db import connection

    from ccp.models import Contact, TranscriptSegment

    if TranscriptSegment.objects.filter(instance=instance).exists():
        return
    rng = random.Random(21)
    started = time.perf_counter()
    contacts = list(
        Contact.objects.filter(
            instance=instance, channel__in=["VOICE", "CHAT"], initiation_timestamp__gte=now - dt.timedelta(days=7)
        )
        # In initiation order, as calls' segments and categories arrive (unordered, a parallel scan interleaved
        # the days: the segments table's correlation with time was 0.6 instead of 1).
        .order_by("initiation_timestamp")
        .values_list("id", "initiation_timestamp")
    )
    with connection.cursor() as cursor:
        raw = cursor.cursor
        columns = (
            "instance_id contact_id segment_id participant_id participant_role content begin_offset_millis "
            "end_offset_millis sentiment received_at"
        )
        with raw.copy(f"COPY ccp_transcriptsegment ({', '.join(columns.split())}) FROM STDIN") as copy:
            for contact_id, initiated in contacts:
                for n in range(6):
                    role = "CUSTOMER" if n % 2 else "AGENT"
                    text = f"{rng.choice(PHRASES)} {rng.choice(WORDS)}"
                    sentiment = rng.choice(["POSITIVE", "NEGATIVE", "NEUTRAL"])
                    copy.write_row(
                        [
                            instance.id,
                            contact_id,
                            f"s{n}",
                            role.lower(),
                            role,
                            text,
                            n * 5000,
                            n * 5000 + 4000,
                            sentiment,
                            now,
                        ]
                    )
        categories = "instance_id, contact_id, name, rule_id, matched_at, details, contact_initiated_at"
        with raw.copy(f"COPY ccp_contactcategory ({categories}) FROM STDIN") as copy:
            for contact_id, initiated in contacts:
                if rng.random() < 0.25:
                    copy.write_row([instance.id, contact_id, rng.choice(CATEGORIES), "", now, "{}", initiated])
        cursor.execute("VACUUM ANALYZE ccp_transcriptsegment")
        cursor.execute("VACUUM ANALYZE ccp_contactcategory")
    print(
        f"loaded transcripts for {len(contacts):,} voice and chat contacts ({6 * len(contacts):,} segments) in "
        f"{time.perf_counter() - started:.0f} s",
        flush=True,
    )


def timed(fn, runs: int = RUNS) -> list[float]:
    fn()  # warm
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def timed_pair(first, second, runs: int = RUNS) -> tuple[list[float], list[float]]:
    """Both timed in turns, so the load of a shared machine drifting during the run weighs on both alike."""
    first(), second()
    a, b = [], []
    for _ in range(runs):
        for fn, out in ((first, a), (second, b)):
            t0 = time.perf_counter()
            fn()
            out.append((time.perf_counter() - t0) * 1000)
    return a, b


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main() -> None:
    loaded = reuse() if "--reuse" in sys.argv else None
    if loaded is None:
        setup_database()
        loaded = seed()
    instance, queues, agents, profiles, templates, now = loaded
    seed_conversations(instance, now)
    from ccp.api.search import search_contacts
    from ccp.models import Contact
    from ccp.selectors.contact_export import contact_export_chunks
    from ccp.selectors.contacts import ContactSearchFilters, contact_search_count, contact_search_page

    rng = random.Random(7)
    ids = list(Contact.objects.values_list("id", flat=True)[:5000])
    base = timed(lambda: Contact.objects.filter(pk=rng.choice(ids)).first())
    b50, b95 = pct(base, 50), pct(base, 95)
    day = dt.timedelta(hours=24)

    def page(**filters):
        def run():
            values = {"start": now - day, "end": now, **filters}
            f = ContactSearchFilters(**{k: v() if callable(v) else v for k, v in values.items()})
            shown = contact_search_page(instance=instance, filters=f, size=50)
            contact_search_count(instance=instance, filters=f, page=shown)

        return run

    cases = {
        "last 24 h, no filter": page(),
        "contact id": page(contact_id=lambda: rng.choice(ids), start=None),
        "channel VOICE": page(channels=["VOICE"]),
        "initiation method TRANSFER": page(initiation_methods=["TRANSFER"]),
        "queue (1 of 20)": page(queue_ids=lambda: [rng.choice(queues).id]),
        "agent (1 of 500)": page(agent_ids=lambda: [rng.choice(agents).id]),
        "routing profile (100 agents)": page(routing_profile_ids=lambda: [rng.choice(profiles).id]),
        "state active": page(states=["active"]),
        "state scheduled": page(states=["scheduled"]),
        "state ended": page(states=["ended"]),
        "disconnect reason EXPIRED (2%)": page(disconnect_reasons=["EXPIRED"]),
        "task template": page(task_template_ids=lambda: [rng.choice(templates).id]),
        "attribute tier=gold": page(attribute_criteria=[{"Key": "tier", "Values": ["gold"]}]),
        "attributes all of 2": page(
            attribute_criteria=[{"Key": "tier", "Values": ["gold"]}, {"Key": "region", "Values": ["eu"]}]
        ),
        "name contains (word)": page(texts=lambda: [rng.choice(WORDS)]),
        "name contains (#number, rare)": page(texts=lambda: [f"#{rng.randrange(CONTACTS)}"]),
        "name exact": page(
            texts=lambda: [Contact.objects.filter(pk=rng.choice(ids)).values_list("name", flat=True)[0]],
            text_match="MATCH_EXACT",
        ),
        "time by disconnect": page(time_field="DISCONNECT_TIMESTAMP"),
        "time by connected": page(time_field="CONNECTED_TO_AGENT_TIMESTAMP"),
        "time by scheduled": page(time_field="SCHEDULED_TIMESTAMP"),
        "time by enqueue": page(time_field="ENQUEUE_TIMESTAMP"),
        "sort by channel": page(sort_field="CHANNEL"),
        "sort by channel, ascending": page(sort_field="CHANNEL", sort_descending=False),
        "sort by initiation method": page(sort_field="INITIATION_METHOD"),
        "sort by initiation method, ascending": page(sort_field="INITIATION_METHOD", sort_descending=False),
        "sort by initiated, ascending": page(sort_descending=False),
        "sort by disconnect": page(sort_field="DISCONNECT_TIMESTAMP"),
        "sort by disconnect, ascending": page(sort_field="DISCONNECT_TIMESTAMP", sort_descending=False),
        "sort by connected": page(sort_field="CONNECTED_TO_AGENT_TIMESTAMP"),
        "sort by connected, ascending": page(sort_field="CONNECTED_TO_AGENT_TIMESTAMP", sort_descending=False),
        "sort by scheduled": page(sort_field="SCHEDULED_TIMESTAMP"),
        "sort by scheduled, ascending": page(sort_field="SCHEDULED_TIMESTAMP", sort_descending=False),
        "channel CHAT, sort by method": page(channels=["CHAT"], sort_field="INITIATION_METHOD"),
        "transcript: customer said a word": page(
            transcript_criteria=lambda: [
                {"ParticipantRole": "CUSTOMER", "SearchText": [rng.choice(WORDS)], "MatchType": "MATCH_ANY"}
            ]
        ),
        "transcript: anyone said all of 2 words": page(
            transcript_criteria=[{"ParticipantRole": "", "SearchText": ["refund", "broken"], "MatchType": "MATCH_ALL"}]
        ),
        "transcript: a word no one said, 7 days": page(
            start=now - 7 * day,
            transcript_criteria=[{"ParticipantRole": "CUSTOMER", "SearchText": ["zebra"], "MatchType": "MATCH_ANY"}],
        ),
        "category (1 of 5)": page(categories=lambda: [rng.choice(CATEGORIES)]),
        "categories, any of 2": page(categories=["Churn risk", "Upsell"], category_match="MATCH_ANY"),
        "queue + active": page(queue_ids=lambda: [rng.choice(queues).id], states=["active"]),
        "agent + ended + 7 days": page(
            agent_ids=lambda: [rng.choice(agents).id], states=["ended"], start=now - 7 * day
        ),
        "channel + name contains": page(channels=["TASK"], texts=lambda: [rng.choice(WORDS)]),
        "35 days, queue": page(queue_ids=lambda: [rng.choice(queues).id], start=now - 36 * day),
    }
    if "--unfrozen" not in sys.argv:
        from ccp.ops.heap import heap_freeze

        # As the server process does once it has started (ccp/asgi.py): its start-up heap out of full collections.
        print(f"heap: {heap_freeze():,} start-up objects frozen, as in the server (--unfrozen to measure without)")
    print(f"\ncontact search benchmark: {CONTACTS:,} contacts, {DAYS} days, {AGENTS} agents, {QUEUES} queues")
    print(f"baseline: primary-key lookup p50 {b50:.2f} ms, p95 {b95:.2f} ms\n")
    print(f"{'page 1 (50 rows + capped count), server time':<48}{'p50 ms':>9}{'p95 ms':>9}{'p95/base':>10}")
    worst = 0.0
    for label, fn in cases.items():
        values = timed(fn)
        worst = max(worst, pct(values, 95))
        print(f"{label:<48}{pct(values, 50):>9.1f}{pct(values, 95):>9.1f}{pct(values, 95) / b95:>10.0f}", flush=True)
    print(f"worst p95: {worst:.1f} ms (target ≤ 100 ms)")

    # Page 1 against page 1,000 over all 35 days (1M rows, 50 a page): walk the cursors, then time both.
    filters = ContactSearchFilters(start=now - 36 * day, end=now)
    cursor = None
    for _ in range(999):
        cursor = contact_search_page(instance=instance, filters=filters, size=50, after=cursor).next_cursor
    p1, p1000 = timed_pair(
        lambda: contact_search_page(instance=instance, filters=filters, size=50),
        lambda: contact_search_page(instance=instance, filters=filters, size=50, after=cursor),
    )
    print(f"\npage 1    p50 {pct(p1, 50):.1f} / p95 {pct(p1, 95):.1f} ms")
    print(
        f"page 1000 p50 {pct(p1000, 50):.1f} / p95 {pct(p1000, 95):.1f} ms  "
        f"(ratio p50 {pct(p1000, 50) / pct(p1, 50):.2f}; target within 20%)"
    )

    def api(criteria=None, **extra):
        params = {
            "TimeRange": {"Type": "INITIATION_TIMESTAMP", "StartTime": now - day, "EndTime": now},
            "SearchCriteria": criteria or {},
            "MaxResults": 100,
            **extra,
        }
        return lambda: search_contacts(instance=instance, params=params)

    api_cases = {
        "SearchContacts, 24 h": api(),
        "SearchContacts, queue": api({"QueueIds": [queues[3].id]}),
        "SearchContacts, agent": api({"AgentIds": [agents[42].id]}),
        "SearchContacts, attributes": api(
            {"SearchableContactAttributes": {"Criteria": [{"Key": "tier", "Values": ["gold"]}]}}
        ),
        "SearchContacts, name": api({"Name": {"SearchText": ["refund"], "MatchType": "MATCH_ANY"}}),
    }
    print()
    for label, fn in api_cases.items():
        values = timed(fn)
        print(f"{label:<48}{pct(values, 50):>9.1f}{pct(values, 95):>9.1f}{pct(values, 95) / b95:>10.0f}", flush=True)
    token = None
    for _ in range(999):
        token = search_contacts(
            instance=instance,
            params={
                "TimeRange": {"Type": "INITIATION_TIMESTAMP", "StartTime": now - 36 * day, "EndTime": now},
                "MaxResults": 50,
                **({"NextToken": token} if token else {}),
            },
        )["NextToken"]
    a1, a1000 = timed_pair(
        api(MaxResults=50, TimeRange={"Type": "INITIATION_TIMESTAMP", "StartTime": now - 36 * day, "EndTime": now}),
        api(
            MaxResults=50,
            NextToken=token,
            TimeRange={"Type": "INITIATION_TIMESTAMP", "StartTime": now - 36 * day, "EndTime": now},
        ),
    )
    print(
        f"SearchContacts page 1 p50 {pct(a1, 50):.1f} ms, page 1000 p50 {pct(a1000, 50):.1f} ms "
        f"(ratio {pct(a1000, 50) / pct(a1, 50):.2f})"
    )

    # Export: 7 days (about 200,000 rows), CSV and JSON Lines; rows/s without tracing, then peak growth traced.
    export_filters = ContactSearchFilters(start=now - 7 * day, end=now)
    # The Python writer (what SQLite uses) in the same run is the export's baseline: the machine is shared.
    for fmt, fast in (("csv", True), ("csv", False), ("jsonl", True), ("jsonl", False)):
        rows = [0]
        t0 = time.perf_counter()
        size = 0
        for chunk in contact_export_chunks(
            instance=instance, filters=export_filters, fmt=fmt, fast=fast, counted=lambda n: rows.__setitem__(0, n)
        ):
            size += len(chunk)
        elapsed = time.perf_counter() - t0
        tracemalloc.start()
        for _chunk in contact_export_chunks(instance=instance, filters=export_filters, fmt=fmt, fast=fast):
            pass
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        path = "PostgreSQL writes" if fast else "Python writes"
        print(
            f"export {fmt:<5} ({path:<17}) {rows[0]:,} rows in {elapsed:.1f} s = {rows[0] / elapsed:,.0f} rows/s, "
            f"{size / 1e6:.0f} MB written, peak Python memory growth {peak / 1e6:.1f} MB "
            "(targets ≥ 20,000 rows/s, ≤ 50 MB)",
            flush=True,
        )


if __name__ == "__main__":
    main()
