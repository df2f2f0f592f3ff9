"""A ClientToken's fingerprint covers every field of the task request, and matches the fingerprints stored
before TaskRequest existed."""

import dataclasses
import datetime as dt

import pytest

from ccp.services.idempotency import request_hash
from ccp.services.tasks import TaskRequest
from tests.factories import ContactFactory, ContactFlowFactory, QuickConnectFactory, TaskTemplateFactory

pytestmark = pytest.mark.django_db

WHEN = dt.datetime(2026, 11, 27, 9, 30, tzinfo=dt.UTC)


@pytest.fixture
def request_with_every_field(instance):
    return TaskRequest(
        name="Call back Mrs Jones",
        description="About her order",
        attributes={"order": "42"},
        references={"Doc": {"Type": "URL", "Value": "https://example.com"}},
        contact_flow=ContactFlowFactory(instance=instance),
        quick_connect=QuickConnectFactory(instance=instance),
        task_template=TaskTemplateFactory(instance=instance),
        previous_contact=ContactFactory(instance=instance),
        related_contact=None,
        scheduled_time=WHEN,
    )


def test_changing_any_field_of_a_task_request_changes_its_fingerprint(request_with_every_field, instance):
    others = {
        "name": "Someone else",
        "description": "Another matter",
        "attributes": {"order": "43"},
        "references": {},
        "contact_flow": ContactFlowFactory(instance=instance),
        "quick_connect": None,
        "task_template": None,
        "previous_contact": None,
        "related_contact": ContactFactory(instance=instance),
        "scheduled_time": WHEN + dt.timedelta(minutes=1),
    }
    assert set(others) == {f.name for f in dataclasses.fields(TaskRequest)}  # a new field needs a case here
    for name, value in others.items():
        changed = dataclasses.replace(request_with_every_field, **{name: value})
        assert changed.fingerprint() != request_with_every_field.fingerprint(), name


def test_a_task_request_fingerprints_as_tokens_stored_before_it_did(request_with_every_field):
    r = request_with_every_field
    stored_before = request_hash({
        "name": r.name,
        "description": r.description,
        "attributes": r.attributes,
        "references": r.references,
        "flow": r.contact_flow.pk,
        "qc": r.quick_connect.pk,
        "template": r.task_template.pk,
        "previous": r.previous_contact.pk,
        "related": None,
        "scheduled": WHEN.timestamp(),
    })
    assert r.fingerprint() == stored_before
