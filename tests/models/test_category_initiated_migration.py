"""The migration that copies each contact's initiation time onto its categories fills the rows written before
it, from the historical models."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = ("ccp", "0024_search15_search_indexes")
ADDED = ("ccp", "0025_search15b_contact_initiated_at")


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor.loader.project_state(target).apps


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_every_existing_category_its_contacts_initiation_time():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    apps = _migrate([BEFORE])
    try:
        Instance, Contact = apps.get_model("ccp", "Instance"), apps.get_model("ccp", "Contact")
        ContactCategory = apps.get_model("ccp", "ContactCategory")
        instance = Instance.objects.create(alias="migrated")
        begun = dt.datetime(2026, 10, 25, 8, 0, 0, 250, tzinfo=dt.UTC)
        initiated = {}
        for i in range(3):
            contact = Contact.objects.create(
                instance=instance,
                channel="VOICE",
                initiation_method="INBOUND",
                state="QUEUED",
                name=f"Call {i}",
                initiation_timestamp=begun + dt.timedelta(days=i, microseconds=i),
                last_update_timestamp=begun + dt.timedelta(days=i),
            )
            initiated[contact.id] = contact.initiation_timestamp
            for name in ("Churn risk", "Upsell")[: i + 1]:
                ContactCategory.objects.create(
                    instance=instance, contact=contact, name=name, matched_at=begun + dt.timedelta(days=9)
                )
        apps = _migrate([ADDED])
        rows = list(apps.get_model("ccp", "ContactCategory").objects.values_list("contact_id", "contact_initiated_at"))
    finally:
        _migrate(latest)
    assert len(rows) == 5
    assert all(copied == initiated[contact_id] for contact_id, copied in rows)
