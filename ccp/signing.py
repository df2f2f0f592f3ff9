"""Secrets this server keeps and must read back (API secret access keys, integration signing secrets), and the
signature our outbound calls carry.

Stored secrets are encrypted with Fernet: the key is settings.API_KEY_ENCRYPTION_KEY when set, else derived
from SECRET_KEY with HKDF-SHA256, so a copy of the database alone reveals none of them
(`manage.py rotate_api_key_encryption` re-encrypts them all).

The signature: every call to an integration endpoint that has a signing secret carries

    X-TaskCenter-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<request body>")>

(the scheme Stripe's webhooks use). The endpoint recomputes the HMAC over the timestamp, a dot and the raw body
with its secret, compares in constant time, and refuses a timestamp more than five minutes old (a replay)."""

import base64
import functools
import hashlib
import hmac
import time

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

SIGNATURE_HEADER = "X-TaskCenter-Signature"


@functools.lru_cache(maxsize=4)
def fernet_for(configured: str, secret_key: str) -> Fernet:
    """The Fernet for a configured key, or the one derived from `secret_key` when none is configured."""
    if configured:
        return Fernet(configured.encode())
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"taskcenter api key secrets").derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(derived))


def secrets_fernet() -> Fernet:
    """The Fernet that encrypts stored secrets, from settings (cached per key material)."""
    return fernet_for(settings.API_KEY_ENCRYPTION_KEY or "", settings.SECRET_KEY)


def secret_seal(secret: str) -> str:
    """`secret` encrypted for storage."""
    return secrets_fernet().encrypt(secret.encode()).decode()


def secret_open(sealed: str) -> str:
    """A stored secret in clear (raises cryptography's InvalidToken when the key changed)."""
    return secrets_fernet().decrypt(sealed.encode()).decode()


def signature(secret: str, body: bytes, *, timestamp: int) -> str:
    """The X-TaskCenter-Signature value for `body` sent at `timestamp`."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


class SecretUnreadable(Exception):
    """A stored secret the configured key can't open: API_KEY_ENCRYPTION_KEY (or SECRET_KEY) changed and the
    secrets were not re-encrypted."""

    message = (
        "its signing secret can't be read with the server's current key "
        "(the operator must run manage.py rotate_api_key_encryption with the previous key)"
    )


def signature_headers(sealed_secret: str, body: bytes, *, now=time.time) -> dict:
    """The signature header for a call with this stored secret; none when the endpoint has no secret.
    Raises SecretUnreadable when the configured key can't open it (the call must not go out unsigned)."""
    if not sealed_secret:
        return {}
    try:
        secret = secret_open(sealed_secret)
    except InvalidToken:
        raise SecretUnreadable(SecretUnreadable.message) from None
    return {SIGNATURE_HEADER: signature(secret, body, timestamp=int(now()))}


def signature_verify(secret: str, body: bytes, header: str, *, tolerance: int = 300, now=time.time) -> bool:
    """What an endpoint does with the header (used by our tests, and a model for README's example)."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now() - timestamp) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, body, timestamp=timestamp), header)
