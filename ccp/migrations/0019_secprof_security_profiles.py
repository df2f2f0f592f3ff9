"""Security profiles become rows (step 1 of 3): the table, the user's many-to-many, the phone settings."""

import ccp.models.instance
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("ccp", "0018_convo_route_offer_channels"),
    ]

    operations = [
        migrations.CreateModel(
            name="SecurityProfile",
            fields=[
                (
                    "id",
                    models.CharField(
                        default=ccp.models.instance.new_id, max_length=100, primary_key=True, serialize=False
                    ),
                ),
                ("name", models.CharField(max_length=127)),
                ("description", models.CharField(blank=True, default="", max_length=250)),
                ("permissions", models.JSONField(blank=True, default=list)),
                ("tags", models.JSONField(blank=True, default=dict)),
                ("last_modified", models.DateTimeField(auto_now=True)),
            ],
            options={
                "verbose_name": "security profile",
                "ordering": ["name"],
            },
        ),
        migrations.AddField(
            model_name="user",
            name="after_contact_work_time_limit",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="user",
            name="auto_accept",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="user",
            name="phone_type",
            field=models.CharField(default="SOFT_PHONE", max_length=10),
        ),
        migrations.AddField(
            model_name="user",
            name="tags",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name="securityprofile",
            name="instance",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="security_profiles", to="ccp.instance"
            ),
        ),
        migrations.AddField(
            model_name="user",
            name="security_profiles",
            field=models.ManyToManyField(blank=True, related_name="users", to="ccp.securityprofile"),
        ),
        migrations.AddConstraint(
            model_name="securityprofile",
            constraint=models.UniqueConstraint(fields=("instance", "name"), name="security_profile_name_unique"),
        ),
    ]
