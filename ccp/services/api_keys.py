"""Access keys for the AWS-compatible API. Each key belongs to one instance; its secret is shown once,
at creation, and stored encrypted with Fernet so a copy of the database alone does not sign requests.

The Fernet key is settings.API_KEY_ENCRYPTION_KEY when set, else derived from SECRET_KEY with
HKDF-SHA256 (so rotating SECRET_KEY without setting API_KEY_ENCRYPTION_KEY invalidates every key).
"""

import functools
import secrets
import string

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.utils import timezone

from ccp.models import ApiKey, AuditEntry, Instance
from ccp.services.audit import audit_record
from ccp.services.transactions import entry_transaction
from ccp.signing import fernet_for, secrets_fernet

ACCESS_KEY_ALPHABET = string.ascii_uppercase + string.digits
# AWS access key ids are 20 characters starting with AKIA; ours look the same so tools that check the shape accept them.
ACCESS_KEY_PREFIX = "AKIA"
ACCESS_KEY_LENGTH = 20


class ApiKeySecretUnreadable(Exception):
    """The stored secret can't be decrypted (the encryption key changed)."""


# The Fernet lives in ccp.signing (integration secrets share it); `_fernet` keeps its old name here.
_fernet = fernet_for


def api_key_fernet() -> Fernet:
    """The Fernet that encrypts stored secrets, from settings (cached per key material)."""
    return secrets_fernet()


def _new_access_key_id() -> str:
    body = "".join(secrets.choice(ACCESS_KEY_ALPHABET) for _ in range(ACCESS_KEY_LENGTH - len(ACCESS_KEY_PREFIX)))
    return ACCESS_KEY_PREFIX + body


def api_key_create(*, instance: Instance, name: str = "") -> tuple[ApiKey, str]:
    """Create an access key for `instance`; returns the key and its secret, which is never shown again."""
    secret = secrets.token_urlsafe(30)  # 40 characters, like an AWS secret access key
    with entry_transaction():
        for _attempt in range(5):
            access_key_id = _new_access_key_id()
            if not ApiKey.objects.filter(access_key_id=access_key_id).exists():
                break
        api_key = ApiKey.objects.create(
            instance=instance,
            name=(name or "")[:100],
            access_key_id=access_key_id,
            secret_encrypted=api_key_fernet().encrypt(secret.encode()).decode(),
        )
        audit_record(
            instance,
            action=AuditEntry.Action.CREATE,
            resource_type="api_key",
            resource_id=api_key.pk,
            resource_name=access_key_id,
            after={"name": api_key.name, "access_key_id": access_key_id},
        )
    return api_key, secret


def api_key_revoke(*, api_key: ApiKey) -> None:
    """Revoke a key: requests signed with it are refused from now on. Revoking twice changes nothing."""
    if api_key.revoked_at is not None:
        return
    now = timezone.now()
    with entry_transaction():
        if ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(revoked_at=now):
            audit_record(
                api_key.instance_id,
                action=AuditEntry.Action.UPDATE,
                resource_type="api_key",
                resource_id=api_key.pk,
                resource_name=api_key.access_key_id,
                before={"revoked_at": None},
                after={"revoked_at": now.isoformat()},
                detail="Revoked",
            )
    api_key.revoked_at = now


@functools.lru_cache(maxsize=1024)
def _decrypt(secret_encrypted: str, configured: str, secret_key: str) -> str:
    try:
        return _fernet(configured, secret_key).decrypt(secret_encrypted.encode()).decode()
    except InvalidToken:
        raise ApiKeySecretUnreadable("The API key's secret can't be decrypted with the configured key.")


def api_key_secret(api_key: ApiKey) -> str:
    """The key's secret access key, decrypted (cached per ciphertext: Fernet is the slow part of signing)."""
    return _decrypt(api_key.secret_encrypted, settings.API_KEY_ENCRYPTION_KEY or "", settings.SECRET_KEY)


def api_key_touch(*, api_key: ApiKey, now=None) -> None:
    """Record that the key was used; at most one write a minute per key, so signing adds no write load."""
    now = now or timezone.now()
    if api_key.last_used_at is None or (now - api_key.last_used_at).total_seconds() > 60:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
