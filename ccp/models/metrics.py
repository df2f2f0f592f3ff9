"""Historical metric rollups: the ended contacts' figures summed per 15 minutes of initiation.

Written in the transaction that ends a contact (`ccp.services.metric_rollups`), read by
`ccp.selectors.historical` for the whole 15-minute buckets of a report's range; contacts still open, and the
partial buckets at either end of a range, are read from the contact rows. Each row adds up the ingredients
of the historical metrics over the ended contacts initiated in its bucket, for one of two scopes:

- `by_agent=False`: one row per queue and channel (`agent_id` is "");
- `by_agent=True`: one row per agent and channel (`queue_id` is ""); routing profiles are the agents'.

`MetricRollupHour` holds the same rows per hour, for the reports whose intervals start on whole hours.

Durations are whole microseconds, so sums and averages equal the contact rows' exactly. Service levels are
cumulative counts of answered contacts that waited less than each of `SERVICE_LEVEL_EDGES` seconds; a
report's threshold at another value is counted from the contact rows.
"""

from django.db import models

# Service-level thresholds (seconds) the rollups count: 5 s … 45 min, every hour to 24 h, then days to 7.
SERVICE_LEVEL_EDGES = (
    5, 10, 15, 20, 25, 30, 40, 45, 60, 90, 120, 180, 240, 300, 600, 900, 1200, 1800, 2700,
    *(3600 * h for h in range(1, 25)),
    *(86_400 * d for d in range(2, 8)),
)  # fmt: skip

# The summed columns (each a count, or microseconds for *_us) besides the service levels and `longest_us`.
SUMMED = (
    "created",
    "queued",
    "handled",
    "transferred_out",
    "abandoned",
    "api_handled",
    "handled_incoming",
    "handled_outbound",
    "transferred_in",
    "expired",
    "flow_disconnected",
    "handle_n",
    "handle_us",
    "answer_n",
    "answer_us",
    "acw_n",
    "acw_us",
    "left_queue",
)


def sl_column(seconds: int) -> str:
    return f"sl_lt_{seconds}"


class RollupFigures(models.Model):
    """The columns of a rollup row: its key (instance, scope, bucket, queue or agent, channel) and the figures."""

    id = models.BigAutoField(primary_key=True)
    instance = models.ForeignKey("ccp.Instance", on_delete=models.CASCADE, related_name="+", db_index=False)
    bucket = models.DateTimeField()  # the UTC start of the 15 minutes the contacts were initiated in
    by_agent = models.BooleanField()
    queue_id = models.CharField(max_length=256, blank=True, default="")
    agent_id = models.CharField(max_length=256, blank=True, default="")
    channel = models.CharField(max_length=10)
    created = models.BigIntegerField(default=0)
    queued = models.BigIntegerField(default=0)
    handled = models.BigIntegerField(default=0)
    transferred_out = models.BigIntegerField(default=0)
    abandoned = models.BigIntegerField(default=0)
    api_handled = models.BigIntegerField(default=0)
    handled_incoming = models.BigIntegerField(default=0)
    handled_outbound = models.BigIntegerField(default=0)
    transferred_in = models.BigIntegerField(default=0)
    expired = models.BigIntegerField(default=0)
    flow_disconnected = models.BigIntegerField(default=0)
    handle_n = models.BigIntegerField(default=0)
    handle_us = models.BigIntegerField(default=0)
    answer_n = models.BigIntegerField(default=0)
    answer_us = models.BigIntegerField(default=0)
    acw_n = models.BigIntegerField(default=0)
    acw_us = models.BigIntegerField(default=0)
    left_queue = models.BigIntegerField(default=0)
    longest_us = models.BigIntegerField(null=True, blank=True)
    locals().update({sl_column(s): models.BigIntegerField(default=0) for s in SERVICE_LEVEL_EDGES})

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.bucket:%Y-%m-%d %H:%M} {self.queue_id or self.agent_id} {self.channel}"


class MetricRollup(RollupFigures):
    """Per 15 minutes (UTC) of initiation."""

    class Meta:
        constraints = [
            # The upsert's conflict target, and the reports' range scans (instance, scope, bucket).
            models.UniqueConstraint(
                fields=["instance", "by_agent", "bucket", "queue_id", "agent_id", "channel"],
                name="metric_rollup_key",
            )
        ]


class MetricRollupHour(RollupFigures):
    """The same figures per hour (UTC) of initiation: the sum of its four 15-minute rows, written beside them
    in the same statement. Reports read these for the whole hours of their range when each of their intervals
    starts on a whole UTC hour (hourly, daily and weekly intervals in every zone whose offset is whole hours);
    a 30-day report by queue reads 14,400 rows here instead of 57,600."""

    class Meta:
        constraints = [
            # As metric_rollup_key.
            models.UniqueConstraint(
                fields=["instance", "by_agent", "bucket", "queue_id", "agent_id", "channel"],
                name="metric_rollup_hour_key",
            )
        ]
