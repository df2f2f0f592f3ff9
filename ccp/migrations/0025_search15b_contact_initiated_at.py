"""Contact search by category at a million contacts (issue 15, second pass).

ContactCategory gets a copy of its contact's initiation_timestamp, so that the search's time range bounds the
categories it reads: an index on (instance, name, contact_initiated_at) gives a name's contacts of the range
(about 300 of a day on the benchmark) where (instance, name) gave that name's contacts of every day. Rows
written before this migration get their contact's value here: the column is added nullable, filled from
ccp_contact, then made NOT NULL.
"""

from django.db import migrations, models


def initiated_at_fill(apps, schema_editor):
    schema_editor.execute(
        "UPDATE ccp_contactcategory SET contact_initiated_at = "
        "(SELECT c.initiation_timestamp FROM ccp_contact c WHERE c.id = ccp_contactcategory.contact_id)"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("ccp", "0024_search15_search_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="contactcategory",
            name="contact_initiated_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunPython(initiated_at_fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="contactcategory",
            name="contact_initiated_at",
            field=models.DateTimeField(),
        ),
        migrations.AddIndex(
            model_name="contactcategory",
            index=models.Index(
                fields=["instance", "name", "contact_initiated_at"], name="contact_category_initiated_idx"
            ),
        ),
    ]
