"""Rotating the key that encrypts API secrets at rest: every stored secret re-encrypted under the current key.

The old key is a Fernet key (the previous API_KEY_ENCRYPTION_KEY), or the previous SECRET_KEY when secrets were
encrypted with a key derived from it (API_KEY_ENCRYPTION_KEY unset). cryptography's MultiFernet decrypts with
any of the keys and re-encrypts with the first, the current one.
"""

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


def api_key_secrets_reencrypt(*, previous: list[Fernet]) -> int:
    """Re-encrypt every stored secret (API keys', Lambda functions' and the rules' integrations' signing secrets)
    under the current key, in one transaction; returns how many API keys.

    A secret that none of the keys opens stops the whole rotation before anything is written."""
    rotator = MultiFernet([api_key_fernet(), *previous])
    with entry_transaction():
        keys = list(ApiKey.objects.select_for_update().order_by("pk"))
        rotated, unreadable = [], []
        for api_key in keys:
            try:
                rotated.append((api_key, rotator.rotate(api_key.secret_encrypted.encode()).decode()))
            except InvalidToken:
                unreadable.append(api_key.access_key_id)
        functions = list(
            LambdaFunction.objects.select_for_update().exclude(signing_secret_encrypted="").order_by("pk")
        )
        signing = []
        for function in functions:
            try:
                signing.append((function, rotator.rotate(function.signing_secret_encrypted.encode()).decode()))
            except InvalidToken:
                unreadable.append(function.arn)
        # The rules' third-party integrations: their webhook signing secrets.
        integrations = []
        for integration in Integration.objects.select_for_update().order_by("pk"):
            try:
                integrations.append((integration, rotator.rotate(integration.secret_encrypted.encode()).decode()))
            except InvalidToken:
                unreadable.append(f"integration {integration.name!r}")
        if unreadable:
            raise ApiKeySecretsUnreadable(
                f"{len(unreadable)} key(s) open with none of the keys given ({', '.join(unreadable[:10])}); "
                "nothing was changed."
            )
        for api_key, token in rotated:
            ApiKey.objects.filter(pk=api_key.pk).update(secret_encrypted=token)
            audit_record(
                api_key.instance_id,
                action=AuditEntry.Action.UPDATE,
                resource_type="api_key",
                resource_id=api_key.pk,
                resource_name=api_key.access_key_id,
                detail="Secret re-encrypted under the current API_KEY_ENCRYPTION_KEY (rotation)",
            )
        for function, token in signing:
            LambdaFunction.objects.filter(pk=function.pk).update(signing_secret_encrypted=token)
        for integration, token in integrations:
            Integration.objects.filter(pk=integration.pk).update(secret_encrypted=token)
            audit_record(
                integration.instance_id,
                action=AuditEntry.Action.UPDATE,
                resource_type="Integration",
                resource_id=integration.pk,
                resource_name=integration.name,
                detail="Signing secret re-encrypted under the current API_KEY_ENCRYPTION_KEY (rotation)",
            )
    return len(rotated)
