"""Security profiles become rows (step 3 of 3): the old one-of-three field goes."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("ccp", "0020_secprof_security_profiles_data"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="user",
            name="user_security_profile",
        ),
        migrations.RemoveField(
            model_name="user",
            name="security_profile",
        ),
    ]
