from django.db import models


class AuditEntry(models.Model):
    """One recorded change: a configuration change, an API key created or revoked, a login or failed login, or a
    supervisor's action on a contact. Written by the service that makes the change, in the same transaction."""

    class Action(models.TextChoices):
        CREATE = "CREATE"
        UPDATE = "UPDATE"
        DELETE = "DELETE"
        LOGIN = "LOGIN"
        LOGIN_FAILED = "LOGIN_FAILED"
        LOGOUT = "LOGOUT"
        CONTACT_ACTION = "CONTACT_ACTION"

    instance = models.ForeignKey("ccp.Instance", on_delete=models.CASCADE, related_name="+", db_index=False)
    at = models.DateTimeField()
    # The signed-in user who acted; None for an API key, the system, or a failed login of an unknown name.
    actor = models.ForeignKey("ccp.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Who acted, in words that survive the actor's deletion: a username, "API key AKIA…", "system".
    actor_label = models.CharField(max_length=200, blank=True, default="")
    action = models.CharField(max_length=20, choices=Action.choices)
    # "queue", "routing_profile", "user", "api_key", "contact", "security_profile", "rule", …
    resource_type = models.CharField(max_length=50)
    resource_id = models.CharField(max_length=256, blank=True, default="")
    resource_name = models.CharField(max_length=512, blank=True, default="")
    # What changed: the fields before and after (only the changed ones on UPDATE); secrets never appear here.
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    # Free text: the client address of a login, a contact action's reason.
    detail = models.CharField(max_length=1000, blank=True, default="")

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            # The console's audit page: newest first within an instance, keyset-paged.
            models.Index(fields=["instance", "-at", "-id"], name="audit_instance_at_idx"),
            models.Index(fields=["instance", "resource_type", "resource_id"], name="audit_resource_idx"),
        ]
