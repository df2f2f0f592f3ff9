"""Rules: conditions on a conversation or a third-party event, and the actions they take (Amazon Connect's
CreateRule). A rule's Function is compiled per instance by ccp/rules/compiler.py; RuleSetVersion tells every
process when its compiled copy is stale. RuleFiring is the once-only record of a rule acting on one contact or
one third-party event. Integration is a third-party application (Zendesk, Salesforce, generic JSON) whose signed
webhooks raise events; Notification is a SEND_NOTIFICATION message shown in a user's panel."""

from django.db import models

from ccp.models.instance import new_id


class Rule(models.Model):
    class PublishStatus(models.TextChoices):
        DRAFT = "DRAFT"
        PUBLISHED = "PUBLISHED"

    id = models.CharField(primary_key=True, max_length=256, default=new_id)
    instance = models.ForeignKey("ccp.Instance", on_delete=models.CASCADE, related_name="+", db_index=False)
    # Amazon Connect: RuleName 1–200 characters; it is also the category ASSIGN_CONTACT_CATEGORY records.
    name = models.CharField(max_length=200)
    event_source = models.CharField(max_length=64)
    # The Integration whose events a third-party rule listens to (TriggerEventSource.IntegrationAssociationId).
    integration = models.ForeignKey(
        "ccp.Integration", null=True, blank=True, on_delete=models.CASCADE, related_name="rules", db_index=False
    )
    # The Function document as the caller sent it (Rules Function language, Version 2022-11-25).
    function = models.TextField()
    actions = models.JSONField(default=list)
    publish_status = models.CharField(max_length=10, choices=PublishStatus.choices, default=PublishStatus.DRAFT)
    # Set when the rule becomes PUBLISHED: it applies only to contacts initiated at or after this moment.
    published_at = models.DateTimeField(null=True, blank=True)
    tags = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    # An API key's ARN or a console user's username.
    created_by = models.CharField(max_length=300, blank=True, default="")
    updated_by = models.CharField(max_length=300, blank=True, default="")
    # CreateRule's ClientToken (botocore: ≤ 500, idempotencyToken) and a hash of the request it came with: the
    # same token with the same request answers this rule again; with another request it is refused.
    client_token = models.CharField(max_length=500, blank=True, default="")
    request_hash = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["instance", "name"], name="rule_name_unique"),
            models.UniqueConstraint(
                fields=["instance", "client_token"],
                condition=~models.Q(client_token=""),
                name="rule_client_token_unique",
            ),
        ]
        # ListRules and the console list: an instance's rules by name (the unique constraint's index serves it).

    def __str__(self) -> str:
        return self.name


class RuleSetVersion(models.Model):
    """One counter per instance, bumped in the same transaction as every rule write: a process's compiled rule set
    is rebuilt when the counter it was built at is no longer the current one (checked once per evaluation)."""

    instance = models.OneToOneField("ccp.Instance", on_delete=models.CASCADE, primary_key=True, related_name="+")
    version = models.BigIntegerField(default=0)


class RuleFiring(models.Model):
    """A rule acting once: on one contact (its id is the event key) or on one third-party event (the event's own
    id). The unique (rule, event_key) makes a rule fire at most once per contact and a redelivered segment or
    webhook a no-op."""

    class Status(models.TextChoices):
        DONE = "DONE"
        FAILED = "FAILED"

    instance = models.ForeignKey("ccp.Instance", on_delete=models.CASCADE, related_name="+", db_index=False)
    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="firings", db_index=False)
    rule_name = models.CharField(max_length=200)
    event_key = models.CharField(max_length=512)
    contact = models.ForeignKey(
        "ccp.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    fired_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices)
    # The task CREATE_TASK made, when it made one.
    task = models.ForeignKey("ccp.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # What matched (segment ids, points of interest) or the event's payload; the error of a failed action.
    detail = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True, default="")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["rule", "event_key"], name="rule_firing_once")]
        indexes = [
            # The source contact's summary: which rules acted on it and what they made.
            models.Index(fields=["contact", "fired_at"], name="rule_firing_contact_idx"),
            # A rule's history of firings in the console, newest first.
            models.Index(fields=["rule", "-fired_at"], name="rule_firing_history_idx"),
        ]


class Integration(models.Model):
    """A third-party application whose webhooks raise rule events; its signing secret is shown once."""

    class Application(models.TextChoices):
        ZENDESK = "ZENDESK", "Zendesk"
        SALESFORCE = "SALESFORCE", "Salesforce"
        GENERIC = "GENERIC", "Generic JSON"

    id = models.CharField(primary_key=True, max_length=200, default=new_id)
    instance = models.ForeignKey("ccp.Instance", on_delete=models.CASCADE, related_name="+", db_index=False)
    name = models.CharField(max_length=100)
    application = models.CharField(max_length=20, choices=Application.choices)
    # Encrypted at rest like API secrets (ccp/services/api_keys.py's Fernet).
    secret_encrypted = models.TextField()
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["instance", "name"], name="integration_name_unique")]

    def __str__(self) -> str:
        return self.name


class Notification(models.Model):
    """A rule's SEND_NOTIFICATION message for one user, shown in their panel until dismissed."""

    instance = models.ForeignKey("ccp.Instance", on_delete=models.CASCADE, related_name="+", db_index=False)
    user = models.ForeignKey("ccp.User", on_delete=models.CASCADE, related_name="+", db_index=False)
    subject = models.CharField(max_length=200, blank=True, default="")
    content = models.CharField(max_length=1024)
    rule_name = models.CharField(max_length=200, blank=True, default="")
    contact_id = models.CharField(max_length=256, blank=True, default="")
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The panel: a user's unread notifications, newest first.
            models.Index(fields=["user", "read_at", "-created_at"], name="notification_unread_idx"),
        ]
