from django.db import models


class WorkerHeartbeat(models.Model):
    """The last moment one timer worker (a `run_worker` process or the thread inside `serve`) was alive."""

    # host:pid, so each worker process writes its own row and never contends with another.
    worker = models.CharField(max_length=200, unique=True)
    seen_at = models.DateTimeField()
    started_at = models.DateTimeField()

    class Meta:
        indexes = [
            # Readiness: is any heartbeat newer than WORKER_HEARTBEAT_MAX_AGE?
            models.Index(fields=["seen_at"], name="heartbeat_seen_idx"),
        ]

    def __str__(self) -> str:
        return self.worker
