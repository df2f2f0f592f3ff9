from django.db import models


class TranscriptSegment(models.Model):
    """One utterance of a voice or chat contact's transcript, in Contact Lens's Transcript segment shape.

    Arrives through PUT /contact-analysis/{InstanceId}/{ContactId}/segments; a segment id seen before for the
    contact is ignored (the unique constraint makes redelivery idempotent)."""

    class Role(models.TextChoices):
        AGENT = "AGENT"
        CUSTOMER = "CUSTOMER"
        SYSTEM = "SYSTEM"

    instance = models.ForeignKey("ccp.Instance", on_delete=models.CASCADE, related_name="+", db_index=False)
    contact = models.ForeignKey("ccp.Contact", on_delete=models.CASCADE, related_name="transcript_segments")
    segment_id = models.CharField(max_length=256)
    participant_id = models.CharField(max_length=256)
    participant_role = models.CharField(max_length=10, choices=Role.choices)
    content = models.TextField()
    begin_offset_millis = models.PositiveIntegerField()
    end_offset_millis = models.PositiveIntegerField()
    # POSITIVE | NEGATIVE | NEUTRAL | MIXED, or "" when the sender gave none.
    sentiment = models.CharField(max_length=10, blank=True, default="")
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["begin_offset_millis", "id"]
        constraints = [
            models.UniqueConstraint(fields=["contact", "segment_id"], name="transcript_segment_unique"),
        ]


class ContactCategory(models.Model):
    """A category a rule assigned to a contact (ASSIGN_CONTACT_CATEGORY): the rule's name, as Amazon Connect's
    API reports it. Shown in the contact's summary and search, and returned as a Categories segment."""

    instance = models.ForeignKey("ccp.Instance", on_delete=models.CASCADE, related_name="+", db_index=False)
    contact = models.ForeignKey("ccp.Contact", on_delete=models.CASCADE, related_name="categories")
    name = models.CharField(max_length=200)
    # The rule that matched (its id; the rule may since have been deleted).
    rule_id = models.CharField(max_length=256, blank=True, default="")
    matched_at = models.DateTimeField()
    # Contact Lens's MatchedDetails for this category: {"PointsOfInterest": [{"BeginOffsetMillis", "EndOffsetMillis"}]}
    details = models.JSONField(default=dict, blank=True)
    # The contact's initiation_timestamp, copied when the rule assigns the category (a contact's never changes):
    # the contact search's time range then bounds the categories it reads (contact_search_filter), where a name
    # alone matches contacts of every day. Every writer sets it; NOT NULL makes a forgotten one fail.
    contact_initiated_at = models.DateTimeField()

    class Meta:
        ordering = ["matched_at", "id"]
        constraints = [models.UniqueConstraint(fields=["contact", "name"], name="contact_category_unique")]
        indexes = [
            models.Index(fields=["instance", "name"], name="contact_category_name_idx"),
            # The contact search by category: a name's contacts initiated in the searched range, newest first.
            models.Index(fields=["instance", "name", "contact_initiated_at"], name="contact_category_initiated_idx"),
        ]
