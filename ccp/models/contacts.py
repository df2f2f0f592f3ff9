from django.db import models

from ccp.models.held import HeldWritesError, held_guard, held_rows
from ccp.models.instance import new_id


class Channel(models.TextChoices):
    VOICE = "VOICE"
    CHAT = "CHAT"
    TASK = "TASK"


class InitiationMethod(models.TextChoices):
    INBOUND = "INBOUND"
    OUTBOUND = "OUTBOUND"
    TRANSFER = "TRANSFER"
    QUEUE_TRANSFER = "QUEUE_TRANSFER"
    CALLBACK = "CALLBACK"
    API = "API"
    FLOW = "FLOW"
    AGENT = "AGENT"
    RULE = "RULE"


class ContactState(models.TextChoices):
    SCHEDULED = "SCHEDULED"
    # Running its flow (Amazon Connect's INITIATED/IN_FLOW).
    IN_FLOW = "IN_FLOW"
    QUEUED = "QUEUED"
    CONNECTING = "CONNECTING"
    CONNECTED = "CONNECTED"
    AFTER_CONTACT_WORK = "AFTER_CONTACT_WORK"
    ENDED = "ENDED"


# States that count against the instance's active-task quota.
OPEN_STATES = [
    ContactState.IN_FLOW,
    ContactState.QUEUED,
    ContactState.CONNECTING,
    ContactState.CONNECTED,
    ContactState.AFTER_CONTACT_WORK,
]
# States that hold one of an agent's concurrency slots.
AGENT_SLOT_STATES = [ContactState.CONNECTING, ContactState.CONNECTED, ContactState.AFTER_CONTACT_WORK]


class DisconnectReason(models.TextChoices):
    AGENT_DISCONNECT = "AGENT_DISCONNECT"
    CUSTOMER_DISCONNECT = "CUSTOMER_DISCONNECT"
    CONTACT_FLOW_DISCONNECT = "CONTACT_FLOW_DISCONNECT"
    API = "API"
    EXPIRED = "EXPIRED"
    TRANSFERRED = "TRANSFERRED"
    CANCELLED = "CANCELLED"
    OTHER = "OTHER"


class ContactQuerySet(models.QuerySet):
    def update(self, **kwargs):
        """UPDATE these rows; refused when one of them is held by a flow run in this thread (ccp.models.held)."""
        if held_rows.pks:
            held = self._held_pk()
            if held is not None:
                raise HeldWritesError(
                    f"Contact {held} cannot be updated with QuerySet.update() while its writes are held by a "
                    "flow run; write it through ccp.held_writes (contact_save)."
                )
        return super().update(**kwargs)

    def _held_pk(self):
        """A held contact this UPDATE would reach: read from a pk filter when there is one (a held contact may
        not be inserted yet), otherwise asked of the database."""
        named = _pk_filter_values(self.query.where, self.model._meta.pk)
        if named is not None:
            return next((pk for pk in named if pk in held_rows.pks), None)
        return self.filter(pk__in=held_rows.pks).values_list("pk", flat=True).first()


def _pk_filter_values(where, pk) -> set | None:
    """The primary keys an AND-ed `pk=` / `pk__in=` filter allows, or None when there is no such filter."""
    if where.connector != "AND" or where.negated:
        return None
    for child in where.children:
        target = getattr(getattr(child, "lhs", None), "target", None)
        if target is pk and child.lookup_name == "exact":
            return {child.rhs}
        if target is pk and child.lookup_name == "in" and isinstance(child.rhs, (list, tuple, set, frozenset)):
            return set(child.rhs)
    return None


class Contact(models.Model):
    """The unit of work: a task (or a simulated voice call made from the number pad)."""

    id = models.CharField(primary_key=True, max_length=256, default=new_id)
    # instance, queue and agent lead composite indexes (Meta.indexes); a single-column index would only slow
    # every write (a state change rewrites every index entry of the row).
    instance = models.ForeignKey("ccp.Instance", on_delete=models.CASCADE, related_name="contacts", db_index=False)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.TASK)
    initiation_method = models.CharField(max_length=20, choices=InitiationMethod.choices)
    state = models.CharField(max_length=20, choices=ContactState.choices)
    name = models.CharField(max_length=512, blank=True, default="")
    description = models.CharField(max_length=4096, blank=True, default="")
    attributes = models.JSONField(default=dict, blank=True)
    # {"name": {"Type": "URL", "Value": "https://…"}}
    references = models.JSONField(default=dict, blank=True)
    initial_contact = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    previous_contact = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    related_contact = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Contacts linked through PreviousContactId share one chain; attribute updates reach all of it.
    chain_id = models.CharField(max_length=256, blank=True, default="")
    queue = models.ForeignKey(
        "ccp.Queue", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    agent = models.ForeignKey(
        "ccp.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    # Lower runs first (Amazon Connect: 1 highest … 5 default).
    routing_priority = models.IntegerField(default=5)
    # Seconds added to the contact's age in queue by routing-age changes.
    routing_age_seconds = models.IntegerField(default=0)
    # enqueue time minus the age adjustment: the queue's order key, kept as a column so it is indexed.
    routing_order_at = models.DateTimeField(null=True, blank=True)
    flow = models.ForeignKey("ccp.ContactFlow", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Set customer queue flow / Set disconnect flow (UpdateContactEventHooks).
    customer_queue_flow = models.ForeignKey(
        "ccp.ContactFlow", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    disconnect_flow = models.ForeignKey(
        "ccp.ContactFlow", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Where a waiting flow resumes: {"flow_id", "action", "loops": {...}}.
    flow_state = models.JSONField(default=dict, blank=True)
    flow_trace = models.JSONField(default=list, blank=True)
    flow_logging = models.BooleanField(default=True)
    client_token = models.CharField(max_length=500, blank=True, default="")
    transfer_count = models.PositiveSmallIntegerField(default=0)
    # Indexed by contact_template_time_idx, which leads with it.
    task_template = models.ForeignKey(
        "ccp.TaskTemplate", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    phone_number = models.CharField(max_length=32, blank=True, default="")

    initiation_timestamp = models.DateTimeField()
    scheduled_timestamp = models.DateTimeField(null=True, blank=True)
    enqueue_timestamp = models.DateTimeField(null=True, blank=True)
    offered_at = models.DateTimeField(null=True, blank=True)
    connected_to_agent_timestamp = models.DateTimeField(null=True, blank=True)
    after_contact_work_start_timestamp = models.DateTimeField(null=True, blank=True)
    after_contact_work_end_timestamp = models.DateTimeField(null=True, blank=True)
    disconnect_timestamp = models.DateTimeField(null=True, blank=True)
    last_update_timestamp = models.DateTimeField()
    disconnect_reason = models.CharField(max_length=30, blank=True, default="", choices=DisconnectReason.choices)

    objects = ContactQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    state__in=[
                        "SCHEDULED",
                        "IN_FLOW",
                        "QUEUED",
                        "CONNECTING",
                        "CONNECTED",
                        "AFTER_CONTACT_WORK",
                        "ENDED",
                    ]
                ),
                name="contact_state_valid",
            ),
            models.CheckConstraint(condition=models.Q(channel__in=["VOICE", "CHAT", "TASK"]), name="contact_channel"),
            # The search's sort by initiation method reads one index range per known method
            # (ccp/selectors/contacts.py): a row with another method would be missing from that order.
            models.CheckConstraint(
                condition=models.Q(initiation_method__in=InitiationMethod.values), name="contact_initiation_method"
            ),
            # Amazon Connect: a contact has a previous or a related contact, not both.
            models.CheckConstraint(
                condition=models.Q(previous_contact__isnull=True) | models.Q(related_contact__isnull=True),
                name="contact_previous_xor_related",
            ),
            models.CheckConstraint(
                condition=~models.Q(state="ENDED") | ~models.Q(disconnect_reason=""), name="ended_contact_has_reason"
            ),
            models.CheckConstraint(
                condition=~models.Q(state__in=["CONNECTING", "CONNECTED", "AFTER_CONTACT_WORK"])
                | models.Q(agent__isnull=False),
                name="agent_states_have_agent",
            ),
            models.CheckConstraint(condition=models.Q(transfer_count__lte=11), name="contact_transfer_limit"),
        ]
        indexes = [
            # Routing: the head of one queue — QUEUED contacts by priority then age.
            models.Index(
                fields=["queue", "state", "routing_priority", "routing_order_at"], name="contact_queue_head_idx"
            ),
            # Routing/panel: an agent's open contacts (concurrency count, the panel's tiles).
            models.Index(fields=["agent", "state"], name="contact_agent_state_idx"),
            # Active-task quota: open tasks per instance, counted from the index alone (channel included).
            models.Index(fields=["instance", "state", "channel"], name="contact_instance_state_idx"),
            # Contact search (ccp/selectors/contacts.py), keyset pages: "initiated in this range, ordered by
            # initiation time then id, after this cursor" — also read backwards for descending order.
            # On PostgreSQL migration 0010 rebuilds it with INCLUDE (channel, initiation_method, state): the capped
            # count of a channel, method or state filter is then an index-only scan (SQLite has no INCLUDE).
            models.Index(fields=["instance", "initiation_timestamp", "id"], name="contact_initiated_idx"),
            # Contact search by scheduled / connected / disconnect / enqueue time range, and sorts by them:
            # partial, since most contacts have no value in some of them.
            models.Index(
                fields=["instance", "scheduled_timestamp", "id"],
                name="contact_scheduled_idx",
                condition=models.Q(scheduled_timestamp__isnull=False),
            ),
            models.Index(
                fields=["instance", "connected_to_agent_timestamp", "id"],
                name="contact_connected_idx",
                condition=models.Q(connected_to_agent_timestamp__isnull=False),
            ),
            models.Index(
                fields=["instance", "disconnect_timestamp", "id"],
                name="contact_disconnected_idx",
                condition=models.Q(disconnect_timestamp__isnull=False),
            ),
            models.Index(
                fields=["instance", "enqueue_timestamp", "id"],
                name="contact_enqueued_idx",
                condition=models.Q(enqueue_timestamp__isnull=False),
            ),
            # Contact search by queue: "this queue's contacts initiated in the range, newest first".
            models.Index(fields=["queue", "initiation_timestamp"], name="contact_queue_time_idx"),
            # Contact search by agent (and by routing profile: its agents' ids): "this agent's contacts in the
            # range, newest first" — 500 agents make scanning the time index for one of them too long.
            models.Index(fields=["agent", "initiation_timestamp"], name="contact_agent_time_idx"),
            # Contact search by task template: "this template's contacts in the range, newest first" (also the
            # foreign key's index: a template's deletion sets its contacts' template to NULL through it).
            models.Index(fields=["task_template", "initiation_timestamp"], name="contact_template_time_idx"),
            # Contact search sorted by channel or initiation method: one range per value, in initiation order
            # (a page reads a value's newest contacts first instead of sorting the whole time range).
            models.Index(fields=["instance", "channel", "initiation_timestamp", "id"], name="contact_channel_time_idx"),
            models.Index(
                fields=["instance", "initiation_method", "initiation_timestamp", "id"], name="contact_method_time_idx"
            ),
            # Contact search by disconnect reason: a rare reason (EXPIRED) would otherwise scan the whole range.
            models.Index(
                fields=["instance", "disconnect_reason", "initiation_timestamp"], name="contact_reason_time_idx"
            ),
            # PostgreSQL only, in migration 0010: trigram GIN indexes on UPPER(name) and UPPER(description)
            # (the name/description text search) and a jsonb_path_ops GIN index on attributes (attribute search).
            # PreviousContactId chains: the chain's contacts for attribute updates and the 12-task limit.
            models.Index(fields=["instance", "chain_id"], name="contact_chain_idx"),
            # Historical metrics: the contacts of a range not yet in the rollups (ccp/models/metrics.py) — open ones.
            models.Index(
                fields=["instance", "initiation_timestamp"],
                name="contact_open_initiated_idx",
                condition=~models.Q(state="ENDED"),
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.id

    def save(self, *args, **kwargs):
        held_guard(self, "be saved")
        super().save(*args, **kwargs)

    def refresh_from_db(self, *args, **kwargs):
        held_guard(self, "be read back from the database")
        super().refresh_from_db(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def arn(self) -> str:
        return f"{self.instance.arn}/contact/{self.id}"


class ContactEvent(models.Model):
    """The audit trail: every state change of a contact, who or what made it, when, and why."""

    instance = models.ForeignKey("ccp.Instance", on_delete=models.CASCADE, related_name="+")
    # Indexed by the timeline index, which leads with it.
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="events", db_index=False)
    at = models.DateTimeField()
    # "api", "agent", "flow", "worker", "system", "admin"
    actor_type = models.CharField(max_length=20)
    actor = models.ForeignKey("ccp.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    event = models.CharField(max_length=40)
    from_state = models.CharField(max_length=20, blank=True, default="")
    to_state = models.CharField(max_length=20, blank=True, default="")
    # The agent the contact is with after this change (for the concurrency proofs).
    agent = models.ForeignKey("ccp.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    queue = models.ForeignKey("ccp.Queue", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(max_length=500, blank=True, default="")
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            # Contact summary timeline: one contact's events in order.
            models.Index(fields=["contact", "at"], name="contact_event_timeline_idx"),
            # Historical metrics (ccp/selectors/historical.py): AGENT_NON_RESPONSE counts an instance's
            # MISSED events in a time range.
            models.Index(fields=["instance", "event", "at"], name="contact_event_metrics_idx"),
        ]


class OfferCooldown(models.Model):
    """After a rejected or missed offer, the agent is not offered the same contact again until `until`."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    agent = models.ForeignKey("ccp.User", on_delete=models.CASCADE, related_name="+")
    until = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["contact", "agent"], name="offer_cooldown_unique")]
