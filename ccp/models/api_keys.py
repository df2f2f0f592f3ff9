from django.db import models


class ApiKey(models.Model):
    """An access key for the AWS-compatible API; the secret is stored encrypted (Fernet)."""

    instance = models.ForeignKey("ccp.Instance", on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100, blank=True, default="")
    access_key_id = models.CharField(max_length=128, unique=True)
    secret_encrypted = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.access_key_id

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class IdempotencyToken(models.Model):
    """A ClientToken seen by an operation: the same token returns the same contact for 7 days."""

    instance = models.ForeignKey("ccp.Instance", on_delete=models.CASCADE, related_name="+")
    operation = models.CharField(max_length=50)
    token = models.CharField(max_length=500)
    request_hash = models.CharField(max_length=64)
    contact = models.ForeignKey("ccp.Contact", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["instance", "operation", "token"], name="idempotency_token_unique"),
        ]
        indexes = [
            # Purging tokens older than 7 days.
            models.Index(fields=["created_at"], name="idempotency_created_idx"),
        ]
