"""Security profiles become rows (step 2 of 3): every instance gets the four default profiles, and every user
holds the one their old field named. Backwards, the field is set from the profiles a user holds (Admin first).

The defaults are written out here, not imported, so this migration does the same thing whatever later code says.
"""

import uuid

from django.db import migrations

AGENT = ["BasicAgentAccess", "Tasks.Create", "Tasks.Transfer", "OutboundCallAccess"]
ANALYTICS = ["ContactSearch.View", "ContactActions.Edit", "RealTimeMetrics.View", "HistoricalMetrics.View"]
ALL = [
    *AGENT,
    *ANALYTICS,
    "Queues.View",
    "Queues.Edit",
    "RoutingPolicies.View",
    "RoutingPolicies.Edit",
    "TransferDestinations.View",
    "TransferDestinations.Edit",
    "HoursOfOperation.View",
    "HoursOfOperation.Edit",
    "Users.View",
    "Users.Edit",
    "SecurityProfiles.View",
    "SecurityProfiles.Edit",
    "AgentStates.View",
    "AgentStates.Edit",
    "ContactFlows.View",
    "ContactFlows.Edit",
    "TaskTemplates.View",
    "TaskTemplates.Edit",
    "Rules.View",
    "Rules.Edit",
    "LambdaFunctions.View",
    "LambdaFunctions.Edit",
    "InstanceSettings.View",
    "InstanceSettings.Edit",
    "ApiKeys.View",
    "ApiKeys.Edit",
    "AuditLog.View",
]
DEFAULTS = {
    "Admin": ("Every permission.", ALL),
    "CallCenterManager": (
        "Contact center managers: the agent panel, contact search and actions, real-time and historical metrics.",
        [p for p in ALL if p in AGENT + ANALYTICS],
    ),
    "Agent": ("Agents: the Contact Control Panel.", [p for p in ALL if p in AGENT]),
    "QualityAnalyst": (
        "Quality analysts: contact search and metrics, no changes.",
        ["ContactSearch.View", "RealTimeMetrics.View", "HistoricalMetrics.View"],
    ),
}


def forwards(apps, schema_editor):
    Instance = apps.get_model("ccp", "Instance")
    SecurityProfile = apps.get_model("ccp", "SecurityProfile")
    User = apps.get_model("ccp", "User")
    Through = User.security_profiles.through

    for instance in Instance.objects.all().iterator():
        profiles = {}
        for name, (description, permissions) in DEFAULTS.items():
            profiles[name], _ = SecurityProfile.objects.get_or_create(
                instance=instance,
                name=name,
                defaults={"id": str(uuid.uuid4()), "description": description, "permissions": permissions},
            )
        Through.objects.bulk_create(
            [
                Through(user_id=user_id, securityprofile_id=profiles.get(old, profiles["Agent"]).pk)
                for user_id, old in User.objects.filter(instance=instance).values_list("id", "security_profile")
            ],
            ignore_conflicts=True,
        )


def backwards(apps, schema_editor):
    User = apps.get_model("ccp", "User")
    for user in User.objects.prefetch_related("security_profiles").iterator(chunk_size=500):
        names = {p.name for p in user.security_profiles.all()}
        old = next((n for n in ("Admin", "CallCenterManager") if n in names), "Agent")
        if user.security_profile != old:
            User.objects.filter(pk=user.pk).update(security_profile=old)


class Migration(migrations.Migration):
    dependencies = [
        ("ccp", "0019_secprof_security_profiles"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
