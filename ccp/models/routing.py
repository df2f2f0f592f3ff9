from django.db import models

from ccp.models.instance import new_id


class HoursOfOperation(models.Model):
    """Weekly open hours in a timezone: config is a list of {Day, StartTime {Hours, Minutes}, EndTime {...}}."""

    id = models.CharField(primary_key=True, max_length=100, default=new_id)
    instance = models.ForeignKey("ccp.Instance", on_delete=models.CASCADE, related_name="hours")
    name = models.CharField(max_length=127)
    description = models.CharField(max_length=250, blank=True, default="")
    timezone = models.CharField(max_length=64, default="UTC")
    config = models.JSONField(default=list)
    # Amazon Connect tags (TagResource, SearchFilter.TagFilter): at most 50 keys; keys up to 128, values up to 256.
    tags = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["instance", "name"], name="hours_name_unique")]

    def __str__(self) -> str:
        return self.name


class Queue(models.Model):
    """A queue of contacts. STANDARD queues are configured; AGENT queues hold one agent's direct transfers."""

    class Type(models.TextChoices):
        STANDARD = "STANDARD"
        AGENT = "AGENT"

    class Status(models.TextChoices):
        ENABLED = "ENABLED"
        DISABLED = "DISABLED"

    id = models.CharField(primary_key=True, max_length=100, default=new_id)
    instance = models.ForeignKey("ccp.Instance", on_delete=models.CASCADE, related_name="queues")
    name = models.CharField(max_length=127)
    description = models.CharField(max_length=250, blank=True, default="")
    queue_type = models.CharField(max_length=10, choices=Type.choices, default=Type.STANDARD)
    hours = models.ForeignKey(HoursOfOperation, null=True, blank=True, on_delete=models.PROTECT)
    # Contacts in queue beyond which Transfer to queue takes its QueueAtCapacity branch; null = no limit.
    max_contacts = models.PositiveIntegerField(null=True, blank=True)
    # The personal queue's agent (AGENT queues only).
    agent = models.OneToOneField(
        "ccp.User", null=True, blank=True, on_delete=models.CASCADE, related_name="personal_queue"
    )
    quick_connects = models.ManyToManyField("ccp.QuickConnect", blank=True, related_name="shown_in_queues")
    # UpdateQueueStatus: a DISABLED queue takes no new contacts from flows; those already in it are still routed.
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ENABLED)
    # UpdateQueueOutboundCallerConfig: stored and described (tasks place no calls), {OutboundCallerIdName, …}.
    outbound_caller_config = models.JSONField(default=dict, blank=True)
    # Amazon Connect tags (TagResource, SearchFilter.TagFilter): at most 50 keys; keys up to 128, values up to 256.
    tags = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["instance", "name"], name="queue_name_unique"),
            models.CheckConstraint(
                condition=models.Q(queue_type="STANDARD", agent__isnull=True)
                | models.Q(queue_type="AGENT", agent__isnull=False),
                name="queue_agent_only_for_agent_queues",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def arn(self) -> str:
        return f"{self.instance.arn}/queue/{self.id}"


class RoutingProfile(models.Model):
    """What an agent is offered: queues per channel with priority and delay, and concurrency per channel."""

    id = models.CharField(primary_key=True, max_length=100, default=new_id)
    instance = models.ForeignKey("ccp.Instance", on_delete=models.CASCADE, related_name="routing_profiles")
    name = models.CharField(max_length=127)
    description = models.CharField(max_length=250, blank=True, default="")
    default_outbound_queue = models.ForeignKey(Queue, on_delete=models.PROTECT, related_name="+")
    # Amazon Connect: voice exactly 1, chat 1–10, tasks 1–10 (0 = channel not handled).
    voice_concurrency = models.PositiveSmallIntegerField(default=1)
    chat_concurrency = models.PositiveSmallIntegerField(default=0)
    task_concurrency = models.PositiveSmallIntegerField(default=1)
    task_offer_timeout_seconds = models.PositiveIntegerField(default=30)
    task_auto_accept = models.BooleanField(default=False)
    # Amazon Connect tags (TagResource, SearchFilter.TagFilter): at most 50 keys; keys up to 128, values up to 256.
    tags = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["instance", "name"], name="routing_profile_name_unique"),
            models.CheckConstraint(condition=models.Q(voice_concurrency__lte=1), name="rp_voice_concurrency"),
            models.CheckConstraint(condition=models.Q(chat_concurrency__lte=10), name="rp_chat_concurrency"),
            models.CheckConstraint(condition=models.Q(task_concurrency__lte=10), name="rp_task_concurrency"),
            models.CheckConstraint(condition=models.Q(task_offer_timeout_seconds__gte=5), name="rp_offer_timeout_min"),
        ]

    def __str__(self) -> str:
        return self.name

    def concurrency(self, channel: str) -> int:
        return {"VOICE": self.voice_concurrency, "CHAT": self.chat_concurrency, "TASK": self.task_concurrency}[channel]


class RoutingProfileQueue(models.Model):
    """A queue in a routing profile for one channel: priority 1 is served first; delay holds contacts back."""

    routing_profile = models.ForeignKey(RoutingProfile, on_delete=models.CASCADE, related_name="queue_configs")
    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="routing_configs")
    channel = models.CharField(max_length=10, default="TASK")
    priority = models.PositiveSmallIntegerField(default=1)
    delay_seconds = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["routing_profile", "queue", "channel"], name="rpq_unique"),
            models.CheckConstraint(condition=models.Q(priority__gte=1, priority__lte=99), name="rpq_priority"),
            models.CheckConstraint(condition=models.Q(delay_seconds__lte=9999), name="rpq_delay"),
        ]


class QuickConnect(models.Model):
    """A destination agents can transfer to or create a task for: an agent, a queue or a phone number."""

    class Type(models.TextChoices):
        USER = "USER"
        QUEUE = "QUEUE"
        PHONE_NUMBER = "PHONE_NUMBER"

    id = models.CharField(primary_key=True, max_length=100, default=new_id)
    instance = models.ForeignKey("ccp.Instance", on_delete=models.CASCADE, related_name="quick_connects")
    name = models.CharField(max_length=127)
    description = models.CharField(max_length=250, blank=True, default="")
    type = models.CharField(max_length=12, choices=Type.choices)
    user = models.ForeignKey("ccp.User", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    queue = models.ForeignKey(Queue, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    phone_number = models.CharField(max_length=32, blank=True, default="")
    flow = models.ForeignKey("ccp.ContactFlow", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Amazon Connect tags (TagResource, SearchFilter.TagFilter): at most 50 keys; keys up to 128, values up to 256.
    tags = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["instance", "name"], name="quick_connect_name_unique"),
            models.CheckConstraint(
                condition=models.Q(type="USER", user__isnull=False, queue__isnull=True)
                | models.Q(type="QUEUE", queue__isnull=False, user__isnull=True)
                | models.Q(type="PHONE_NUMBER", user__isnull=True, queue__isnull=True) & ~models.Q(phone_number=""),
                name="quick_connect_target_matches_type",
            ),
        ]

    def __str__(self) -> str:
        return self.name
