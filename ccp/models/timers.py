from django.db import models


class TimerKind(models.TextChoices):
    SCHEDULED_START = "SCHEDULED_START"
    OFFER_TIMEOUT = "OFFER_TIMEOUT"
    QUEUE_DELAY = "QUEUE_DELAY"
    FLOW_WAIT = "FLOW_WAIT"
    EXPIRY = "EXPIRY"
    AGENT_AWAY = "AGENT_AWAY"
    # A flow's external call (Invoke AWS Lambda function) made after its run committed: the caller makes
    # the call and fires this row; a worker fires it only when the caller died (its lease lapsed).
    LAMBDA_INVOKE = "LAMBDA_INVOKE"
    # The agent's after-contact-work time limit (PhoneConfig.AfterContactWorkTimeLimit) ran out: the contact ends.
    ACW_TIMEOUT = "ACW_TIMEOUT"


class Timer(models.Model):
    """A durable due-time row: fired exactly once by whichever worker claims it (SKIP LOCKED + lease)."""

    instance = models.ForeignKey("ccp.Instance", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=TimerKind.choices)
    # Indexed by timer_contact_kind_idx, which leads with it.
    contact = models.ForeignKey(
        "ccp.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="timers", db_index=False
    )
    user = models.ForeignKey("ccp.User", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    due_at = models.DateTimeField()
    # A worker that claimed the timer holds it until then; a killed worker's claim simply lapses.
    lease_until = models.DateTimeField(null=True, blank=True)
    leased_by = models.CharField(max_length=100, blank=True, default="")
    fired_at = models.DateTimeField(null=True, blank=True)
    cancelled = models.BooleanField(default=False)
    payload = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # A timer whose work failed on every attempt waits here, unfired, for an admin (console: Parked timers) to
    # retry or dismiss it; the worker no longer claims it.
    parked_at = models.DateTimeField(null=True, blank=True)
    # db_default too: ccp_route_offer (PL/pgSQL, migration 0005) inserts offer timers naming its columns.
    last_error = models.TextField(blank=True, default="", db_default="")

    class Meta:
        indexes = [
            # The worker's claim: due, unfired, uncancelled timers, earliest first.
            models.Index(
                fields=["due_at"],
                name="timer_due_idx",
                condition=models.Q(fired_at__isnull=True, cancelled=False),
            ),
            # Cancelling a contact's pending timers of one kind (accept cancels the offer timeout).
            models.Index(fields=["contact", "kind"], name="timer_contact_kind_idx"),
            # The console's Parked timers page and the taskcenter_timers_parked gauge.
            models.Index(
                fields=["parked_at"],
                name="timer_parked_idx",
                condition=models.Q(parked_at__isnull=False, fired_at__isnull=True, cancelled=False),
            ),
        ]
