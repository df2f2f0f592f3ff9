"""Start-up guards and system checks for a production install.

The servers refuse to start on a throwaway SECRET_KEY (settings makes one when neither SECRET_KEY nor its file is
there, so that migrate and other one-off commands still run); `check --deploy` refuses a key that is not secret.
"""

from django.conf import settings
from django.core import checks

# Prefixes of keys that are known, or thrown away at exit: the old built-in default, Django's startproject
# default, and the one settings makes when no key is configured.
NOT_SECRET_PREFIXES = ("dev-insecure-", "django-insecure-", "throwaway-")
# Django's own bar for a secret key (django.core.checks.security.base): 50 characters, 5 distinct ones.
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_UNIQUE_CHARACTERS = 5


class SecretKeyMissing(Exception):
    """No SECRET_KEY was configured; the message says what to set."""


def secret_key_missing_message() -> str:
    return (
        "No SECRET_KEY is configured. Set the SECRET_KEY environment variable to a long random string — e.g. "
        "the output of: python -c 'import secrets; print(secrets.token_urlsafe(50))' — or write one to "
        f"{settings.SECRET_KEY_FILE} (the SECRET_KEY_FILE variable names another file). `make run` creates that "
        "file for the demo. Keep the key: sessions and the API secrets (unless API_KEY_ENCRYPTION_KEY is set) "
        "depend on it."
    )


def secret_key_require() -> None:
    """Refuse to run a server on a throwaway key: its sessions and encrypted API secrets would not outlive it."""
    if not getattr(settings, "SECRET_KEY_SOURCE", "SECRET_KEY"):
        raise SecretKeyMissing(secret_key_missing_message())


def secret_key_problem(key: str) -> str:
    """Why a key is not secret, or ""."""
    if key.startswith(NOT_SECRET_PREFIXES):
        return "SECRET_KEY is a development or throwaway key."
    if len(key) < SECRET_KEY_MIN_LENGTH:
        return f"SECRET_KEY has {len(key)} characters; use at least {SECRET_KEY_MIN_LENGTH}."
    if len(set(key)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS:
        return f"SECRET_KEY uses fewer than {SECRET_KEY_MIN_UNIQUE_CHARACTERS} distinct characters."
    return ""


@checks.register(checks.Tags.security, deploy=True)
def check_secret_key_is_secret(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """`check --deploy` fails (an error, not Django's warning) on a key that is not secret."""
    problem = secret_key_problem(settings.SECRET_KEY)
    if not problem:
        return []
    return [
        checks.Error(
            problem,
            hint="Set SECRET_KEY (or SECRET_KEY_FILE) to a random string, e.g. "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'.",
            id="ccp.E001",
        )
    ]
