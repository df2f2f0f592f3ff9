"""Prometheus metrics.

Two kinds. Counted in this process as things happen: API requests by operation and status, and open
agent websockets. Computed from the database at scrape time, the same from every process: tasks queued
and agents available per instance, timers overdue and the worker's lag.

One process, one registry: several daphne processes each serve their own counters, so Prometheus
scrapes every process directly (not through the proxy) and sums. prometheus-client's multiprocess mode
is not used: it only helps processes that share one host and directory, and its live gauges go stale
when a process dies without cleanup.
"""

from django.db.models import Count, Min, Q
from django.utils import timezone
from prometheus_client import REGISTRY, Counter, Gauge, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from ccp.models import Instance, Timer
from ccp.selectors.metrics import agents_available, contacts_in_queue

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


class DatabaseCollector(Collector):
    """Gauges read from the database when Prometheus scrapes."""

    def describe(self):
        # Without it, registering would call collect() — a database query at import time.
        return []

    def collect(self):
        instances = list(Instance.objects.order_by("alias"))
        tasks = GaugeMetricFamily(
            "taskcenter_tasks_queued", "Contacts waiting in a queue.", labels=["instance_id", "instance_alias"]
        )
        agents = GaugeMetricFamily(
            "taskcenter_agents_available",
            "Agents in the Available status with a free task slot (ccp.selectors.metrics.agents_available).",
            labels=["instance_id", "instance_alias"],
        )
        for instance in instances:
            labels = [instance.id, instance.alias]
            tasks.add_metric(labels, contacts_in_queue(instance=instance))
            agents.add_metric(labels, agents_available(instance=instance))
        yield tasks
        yield agents

        now = timezone.now()
        pending = Q(fired_at__isnull=True, cancelled=False)
        overdue = Timer.objects.filter(pending & Q(parked_at__isnull=True, due_at__lte=now)).aggregate(
            count=Count("id"), oldest=Min("due_at")
        )
        yield GaugeMetricFamily(
            "taskcenter_timers_overdue", "Durable timers due and not yet fired.", value=overdue["count"]
        )
        yield GaugeMetricFamily(
            "taskcenter_timers_parked",
            "Durable timers parked after failing every attempt, waiting for an admin (console: Parked timers).",
            value=Timer.objects.filter(pending & Q(parked_at__isnull=False)).count(),
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
