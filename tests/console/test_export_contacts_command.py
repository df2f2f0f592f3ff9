"""`manage.py export_contacts` writes what the console's export streams: the same rows, parsed back."""

import csv
import datetime as dt
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from ccp.models import ContactCategory, TranscriptSegment
from tests.factories import ContactFactory, InstanceFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)


def test_the_command_writes_csv_named_after_the_instance_and_range(instance, tmp_path):
    instance.alias = "acme"
    instance.save()
    made = ContactFactory(
        instance=instance, name="Refund", description="line one\nline two", attributes={"tier": "gold"}
    )
    ContactFactory(instance=instance, name="Old", initiation_timestamp=NOW - dt.timedelta(days=3))
    ContactFactory(instance=InstanceFactory(), name="Theirs")
    call_command("export_contacts", "--instance", "acme", "--output", str(tmp_path))
    [written] = list(tmp_path.iterdir())
    assert written.name.startswith("contacts-acme-") and written.name.endswith("-to-any.csv")
    rows = list(csv.DictReader(written.open(encoding="utf-8")))
    assert [r["Id"] for r in rows] == [made.pk]
    assert rows[0]["Description"] == "line one\nline two"
    assert json.loads(rows[0]["Attributes"]) == {"tier": "gold"}


def test_the_command_writes_json_lines_for_all_time_in_ascending_order(instance, tmp_path):
    older = ContactFactory(instance=instance, initiation_timestamp=NOW - dt.timedelta(days=30))
    newer = ContactFactory(instance=instance, initiation_timestamp=NOW - dt.timedelta(hours=1))
    out = tmp_path / "all.jsonl"
    call_command(
        "export_contacts",
        "--instance",
        instance.pk,
        "--format",
        "jsonl",
        "--all-time",
        "--ascending",
        "--output",
        str(out),
    )
    ids = [json.loads(line)["Id"] for line in out.read_text().splitlines()]
    assert ids == [older.pk, newer.pk]


def test_an_unknown_instance_is_an_error(db):
    with pytest.raises(CommandError, match="No instance"):
        call_command("export_contacts", "--instance", "nobody")


def test_the_command_filters_by_category_and_transcript_words(instance, tmp_path):
    angry = ContactFactory(instance=instance, name="Angry call", channel="VOICE")
    calm = ContactFactory(instance=instance, name="Calm call", channel="VOICE")
    ContactCategory.objects.create(
        instance=instance,
        contact=angry,
        name="Churn risk",
        matched_at=NOW,
        contact_initiated_at=angry.initiation_timestamp,
    )
    for contact, words in ((angry, "cancel everything"), (calm, "thanks a lot")):
        TranscriptSegment.objects.create(
            instance=instance,
            contact=contact,
            segment_id="1",
            participant_id="c",
            participant_role="CUSTOMER",
            content=words,
            begin_offset_millis=0,
            end_offset_millis=900,
            received_at=NOW,
        )
    out = tmp_path / "out.jsonl"

    def names(*args) -> list[str]:
        call_command("export_contacts", "--instance", instance.pk, "--format", "jsonl", "--output", str(out), *args)
        return [json.loads(line)["Name"] for line in out.read_text().splitlines()]

    assert names("--category", "Churn risk") == ["Angry call"]
    assert names("--said", "THANKS", "--said-by", "CUSTOMER") == ["Calm call"]
    assert names("--said", "thanks", "--said-by", "AGENT") == []
