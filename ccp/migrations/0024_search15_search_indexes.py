"""Contact search at a million contacts (issue 15): an exact-name index.

PostgreSQL only, like 0015's transcript index. The search's exact name match is UPPER(name) = UPPER(%s) AND
name = %s (Django's iexact plus an equality); the trigram index of 0010 answers it too, but a name's trigrams
are shared by hundreds of thousands of names ("#1", "ord", ...), so it read ~1,000 index pages per lookup
(106 ms on the benchmark). A btree on (instance, UPPER(name)) is one descent (0.2 ms).
"""

from django.db import migrations

NAME_INDEX = "contact_name_upper_idx"


def name_index_create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {NAME_INDEX} ON ccp_contact (instance_id, (UPPER(name::text)))"
    )


def name_index_drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {NAME_INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("ccp", "0023_conv13_rule_client_token"),
    ]

    operations = [
        migrations.RunPython(name_index_create, name_index_drop),
    ]
