"""Prometheus metrics.

Two kinds. Counted in this process as things happen: API requests by operation and status, and open
agent websockets. Computed from the database at scrape time, the same from every process: tasks queued
and agents available per instance, timers overdue and the worker's lag.

One process, one registry: several daphne processes each serve their own counters, so Prometheus
scrapes every process directly (not through the proxy) and sums. prometheus-client's multiprocess mode
is not used: it only helps processes that share one host and directory, and its live gauges go stale
when a process dies without cleanup.
"""

from collections import Counter as Tally

from django.db.models import Count, F, Min, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from prometheus_client import REGISTRY, Counter, Gauge, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

API_REQUESTS = Counter(
    "taskcenter_api_requests",
    "AWS-compatible API requests answered, by operation and HTTP status.",
    ["operation", "status"],
)
WEBSOCKET_CONNECTIONS = Gauge(
    "taskcenter_websocket_connections",
    "Agent panel websockets open in this process.",
)


def api_request_count(*, request, response) -> None:
    """Count one answered API request; requests refused before routing count as operation "Unknown"."""
    API_REQUESTS.labels(getattr(request, "api_operation", "") or "Unknown", str(response.status_code)).inc()


def instance_agents_available() -> Tally:
    """Agents available per instance id, as queue_metrics defines it for a queue: in the Available
    (routable) status with a free task slot in their routing profile."""
    from ccp.models import AgentStatus, Contact, User
    from ccp.models.contacts import AGENT_SLOT_STATES

    in_use = (
        Contact.objects.filter(agent=OuterRef("pk"), state__in=AGENT_SLOT_STATES)
        .order_by()
        .values("agent")
        .annotate(n=Count("id"))
        .values("n")
    )
    available = (
        User.objects.filter(status__type=AgentStatus.Type.ROUTABLE, routing_profile__isnull=False)
        .annotate(in_use=Coalesce(Subquery(in_use), 0))
        .filter(in_use__lt=F("routing_profile__task_concurrency"))
    )
    return Tally(available.values_list("instance_id", flat=True))


class DatabaseCollector(Collector):
    """Gauges read from the database when Prometheus scrapes."""

    def describe(self):
        # Without it, registering would call collect() — a database query at import time.
        return []

    def collect(self):
        from ccp.models import Contact, ContactState, Instance, Timer

        instances = list(Instance.objects.order_by("alias").values_list("id", "alias"))
        queued = dict(
            Contact.objects.filter(state=ContactState.QUEUED)
            .order_by()
            .values_list("instance_id")
            .annotate(n=Count("id"))
        )
        available = instance_agents_available()
        tasks = GaugeMetricFamily(
            "taskcenter_tasks_queued", "Contacts waiting in a queue.", labels=["instance_id", "instance_alias"]
        )
        agents = GaugeMetricFamily(
            "taskcenter_agents_available",
            "Agents in the Available status with a free task slot.",
            labels=["instance_id", "instance_alias"],
        )
        for instance_id, alias in instances:
            tasks.add_metric([instance_id, alias], queued.get(instance_id, 0))
            agents.add_metric([instance_id, alias], available.get(instance_id, 0))
        yield tasks
        yield agents

        now = timezone.now()
        overdue = Timer.objects.filter(Q(fired_at__isnull=True, cancelled=False) & Q(due_at__lte=now)).aggregate(
            count=Count("id"), oldest=Min("due_at")
        )
        yield GaugeMetricFamily(
            "taskcenter_timers_overdue", "Durable timers due and not yet fired.", value=overdue["count"]
        )
        lag = (now - overdue["oldest"]).total_seconds() if overdue["oldest"] else 0.0
        yield GaugeMetricFamily(
            "taskcenter_worker_lag_seconds", "How long the oldest due, unfired timer has been waiting.", value=lag
        )


DATABASE_COLLECTOR = DatabaseCollector()
REGISTRY.register(DATABASE_COLLECTOR)


def metrics_exposition() -> bytes:
    """Every metric of this process, in Prometheus' text format."""
    return generate_latest(REGISTRY)
