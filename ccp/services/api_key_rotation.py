"""Rotating the key that encrypts API secrets at rest: every stored secret re-encrypted under the current key.

The old key is a Fernet key (the previous API_KEY_ENCRYPTION_KEY), or the previous SECRET_KEY when secrets were
encrypted with a key derived from it (API_KEY_ENCRYPTION_KEY unset). cryptography's MultiFernet decrypts with
any of the keys and re-encrypts with the first, the current one.
"""

from collections.abc import Callable
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from ccp.errors import InvalidParameter
from ccp.models import ApiKey, AuditEntry, Integration, LambdaFunction
from ccp.services.api_keys import _fernet, api_key_fernet
from ccp.services.audit import audit_record
from ccp.services.transactions import entry_transaction


class ApiKeySecretsUnreadable(Exception):
    """Some stored secrets open with none of the keys given; nothing was changed."""


def old_fernets(*, old_keys: list[str] = (), old_secret_keys: list[str] = ()) -> list[Fernet]:
    """Fernets for previous keys: Fernet keys as given, or derived from previous SECRET_KEYs."""
    fernets = []
    for key in old_keys:
        try:
            fernets.append(Fernet(key.encode()))
        except ValueError:
            raise InvalidParameter("An old key is not a Fernet key (32 url-safe base64-encoded bytes).")
    fernets.extend(_fernet("", secret_key) for secret_key in old_secret_keys)
    return fernets


@dataclass(frozen=True)
class _Sealed:
    """One kind of stored secret: its model and encrypted field, how a refusal names a row, and the audit entry a
    rotated row gets (none for Lambda functions, as before)."""

    model: type
    field: str
    name: Callable  # how the refusal names a row it can't read
    audit_type: str = ""
    audit_detail: str = ""
    audit_name: Callable = str


_SEALED = (
    _Sealed(
        ApiKey,
        "secret_encrypted",
        lambda key: key.access_key_id,
        "api_key",
        "Secret re-encrypted under the current API_KEY_ENCRYPTION_KEY (rotation)",
        lambda key: key.access_key_id,
    ),
    _Sealed(LambdaFunction, "signing_secret_encrypted", lambda function: function.arn),
    # The rules' third-party integrations: their webhook signing secrets.
    _Sealed(
        Integration,
        "secret_encrypted",
        lambda integration: f"integration {integration.name!r}",
        "Integration",
        "Signing secret re-encrypted under the current API_KEY_ENCRYPTION_KEY (rotation)",
        lambda integration: integration.name,
    ),
)


def api_key_secrets_reencrypt(*, previous: list[Fernet]) -> int:
    """Re-encrypt every stored secret (API keys', Lambda functions' and the rules' integrations' signing secrets)
    under the current key, in one transaction; returns how many API keys.

    A secret that none of the keys opens stops the whole rotation before anything is written."""
    rotator = MultiFernet([api_key_fernet(), *previous])
    with entry_transaction():
        rotated, unreadable = [], []
        for kind in _SEALED:
            rows = kind.model.objects.select_for_update().exclude(**{kind.field: ""}).order_by("pk")
            for row in rows:
                try:
                    rotated.append((kind, row, rotator.rotate(getattr(row, kind.field).encode()).decode()))
                except InvalidToken:
                    unreadable.append(kind.name(row))
        if unreadable:
            raise ApiKeySecretsUnreadable(
                f"{len(unreadable)} key(s) open with none of the keys given ({', '.join(unreadable[:10])}); "
                "nothing was changed."
            )
        for kind, row, token in rotated:
            kind.model.objects.filter(pk=row.pk).update(**{kind.field: token})
            if kind.audit_type:
                audit_record(
                    row.instance_id,
                    action=AuditEntry.Action.UPDATE,
                    resource_type=kind.audit_type,
                    resource_id=row.pk,
                    resource_name=kind.audit_name(row),
                    detail=kind.audit_detail,
                )
    return sum(1 for kind, _, _ in rotated if kind.model is ApiKey)
