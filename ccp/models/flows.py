from django.db import models

from ccp.models.instance import new_id


class FlowType(models.TextChoices):
    CONTACT_FLOW = "CONTACT_FLOW"
    CUSTOMER_QUEUE = "CUSTOMER_QUEUE"
    AGENT_WHISPER = "AGENT_WHISPER"
    QUEUE_TRANSFER = "QUEUE_TRANSFER"
    AGENT_TRANSFER = "AGENT_TRANSFER"


class FlowStatus(models.TextChoices):
    SAVED = "SAVED"
    PUBLISHED = "PUBLISHED"


class ContactFlow(models.Model):
    """A flow in Amazon Connect's flow language, kept as the exact string the user gave."""

    id = models.CharField(primary_key=True, max_length=100, default=new_id)
    instance = models.ForeignKey("ccp.Instance", on_delete=models.CASCADE, related_name="flows")
    name = models.CharField(max_length=127)
    description = models.CharField(max_length=500, blank=True, default="")
    type = models.CharField(max_length=20, choices=FlowType.choices, default=FlowType.CONTACT_FLOW)
    content = models.TextField()
    status = models.CharField(max_length=10, choices=FlowStatus.choices, default=FlowStatus.SAVED)
    # The content that runs: the last published version (only published flows run).
    published_content = models.TextField(blank=True, default="")
    # Block types in the published content that this server does not run (they take their error branch).
    unsupported_blocks = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["instance", "name"], name="flow_name_unique"),
            models.CheckConstraint(
                condition=models.Q(
                    type__in=["CONTACT_FLOW", "CUSTOMER_QUEUE", "AGENT_WHISPER", "QUEUE_TRANSFER", "AGENT_TRANSFER"]
                ),
                name="flow_type_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status="SAVED") | ~models.Q(published_content=""), name="published_flow_has_content"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def arn(self) -> str:
        return f"{self.instance.arn}/contact-flow/{self.id}"

    @property
    def is_published(self) -> bool:
        return bool(self.published_content)


class TaskTemplate(models.Model):
    """A task template: fields in Amazon Connect's shape, their constraints and defaults, and its flow."""

    class Status(models.TextChoices):
        ACTIVE = "ACTIVE"
        INACTIVE = "INACTIVE"

    id = models.CharField(primary_key=True, max_length=100, default=new_id)
    instance = models.ForeignKey("ccp.Instance", on_delete=models.CASCADE, related_name="task_templates")
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=255, blank=True, default="")
    flow = models.ForeignKey(ContactFlow, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    # [{"Id": {"Name": "Customer"}, "Type": "NAME"|"DESCRIPTION"|"URL"|"STRING"|..., "Description": ""}]
    fields = models.JSONField(default=list, blank=True)
    # {"RequiredFields": [{"Id": {"Name": ...}}], "ReadOnlyFields": [...], "InvisibleFields": [...]}
    constraints = models.JSONField(default=dict, blank=True)
    # {"DefaultFieldValues": [{"Id": {"Name": ...}, "DefaultValue": "..."}]}
    defaults = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["instance", "name"], name="task_template_name_unique"),
            models.CheckConstraint(condition=models.Q(status__in=["ACTIVE", "INACTIVE"]), name="task_template_status"),
        ]

    def __str__(self) -> str:
        return self.name

    def _names(self, key: str) -> list[str]:
        return [f["Id"]["Name"] for f in (self.constraints or {}).get(key, [])]

    @property
    def required_fields(self) -> list[str]:
        return self._names("RequiredFields")

    @property
    def read_only_fields(self) -> list[str]:
        return self._names("ReadOnlyFields")

    @property
    def invisible_fields(self) -> list[str]:
        return self._names("InvisibleFields")

    @property
    def default_values(self) -> dict[str, str]:
        return {d["Id"]["Name"]: d["DefaultValue"] for d in (self.defaults or {}).get("DefaultFieldValues", [])}
