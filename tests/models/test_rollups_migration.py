"""The migrations that add the metric rollups fill them from the contacts already ended (0013: per 15 minutes;
0026: per hour, from the 15-minute rows), from the historical models (no import of today's code), and give the
rows today's rebuild gives."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from ccp.models import MetricRollup, MetricRollupHour
from ccp.services.metric_rollups import rollup_rebuild

BEFORE = ("ccp", "0012_configapi_tags_status")
ADDED = ("ccp", "0013_metrics_rollups")
HOURS_ADDED = ("ccp", "0026_metrics14_rollup_hours")


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor.loader.project_state(target).apps


def _contacts(apps):
    """Five contacts of one instance in the historical models: four ended, one open; the instance."""
    Instance, Contact = apps.get_model("ccp", "Instance"), apps.get_model("ccp", "Contact")
    Queue, User = apps.get_model("ccp", "Queue"), apps.get_model("ccp", "User")
    instance = Instance.objects.create(alias="migrated", timezone="Europe/Paris")
    queue = Queue.objects.create(instance=instance, name="Returns")
    agent = User.objects.create(instance=instance, username="ana", password="!")
    begun = dt.datetime(2026, 10, 25, 0, 7, 30, 250, tzinfo=dt.UTC)
    for i, (wait, ended) in enumerate(((10, True), (50, True), (None, True), (30, False), (7200, True))):
        connected = begun + dt.timedelta(seconds=wait, microseconds=i) if wait is not None else None
        Contact.objects.create(
            instance=instance,
            channel="TASK",
            initiation_method="TRANSFER" if i == 1 else "API",
            state="ENDED" if ended else "CONNECTED",
            name=f"Task {i}",
            queue=queue,
            agent=agent if connected else None,
            initiation_timestamp=begun + dt.timedelta(minutes=10 * i),
            last_update_timestamp=begun,
            enqueue_timestamp=begun + dt.timedelta(minutes=10 * i),
            connected_to_agent_timestamp=connected and connected + dt.timedelta(minutes=10 * i),
            after_contact_work_start_timestamp=connected and connected + dt.timedelta(minutes=10 * i, seconds=60),
            after_contact_work_end_timestamp=connected and connected + dt.timedelta(minutes=10 * i, seconds=95),
            disconnect_timestamp=(connected or begun) + dt.timedelta(minutes=10 * i, seconds=60) if ended else None,
            disconnect_reason="EXPIRED" if wait is None else "AGENT_DISCONNECT",
        )
    return instance


def _rows_after_migrating(target, model):
    """Contacts written at BEFORE, then migrated to `target`: the instance, the rollup's columns and the rows the
    migration wrote (read through the historical model), the database back at its latest state after."""
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    apps = _migrate([BEFORE])
    try:
        instance = _contacts(apps)
        apps = _migrate([target])
        columns = [f.attname for f in model._meta.concrete_fields if f.attname != "id"]
        migrated = sorted(apps.get_model("ccp", model.__name__).objects.values_list(*columns))
    finally:
        _migrate(latest)
    return instance, columns, migrated


@pytest.mark.django_db(transaction=True)
def test_the_migration_sums_the_ended_contacts_as_the_rebuild_does():
    instance, columns, migrated = _rows_after_migrating(ADDED, MetricRollup)
    # The four ended contacts fall in the buckets 00:00, 00:15 (two), 00:45 UTC: three queue rows; the agent
    # rows split 00:15 between ana and the unanswered contact (no agent). The open contact is not summed.
    assert len(migrated) == 3 + 4
    assert sum(row[columns.index("created")] for row in migrated) == 2 * 4
    rollup_rebuild(instance_id=instance.pk)
    assert sorted(MetricRollup.objects.values_list(*columns)) == migrated


@pytest.mark.django_db(transaction=True)
def test_the_hours_migration_sums_the_quarters_as_the_rebuild_does():
    instance, columns, migrated = _rows_after_migrating(HOURS_ADDED, MetricRollupHour)
    # The ended contacts began at 00:07, 00:17, 00:27 and 00:47 UTC: one hour; one queue row, two agent rows.
    assert len(migrated) == 1 + 2
    assert sum(row[columns.index("created")] for row in migrated) == 2 * 4
    rollup_rebuild(instance_id=instance.pk)
    assert sorted(MetricRollupHour.objects.values_list(*columns)) == migrated
