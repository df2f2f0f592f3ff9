from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ccp.errors import ServiceError
from ccp.services.api_key_rotation import ApiKeySecretsUnreadable, api_key_secrets_reencrypt, old_fernets


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored API secret under the current API_KEY_ENCRYPTION_KEY (or the key derived from "
        "SECRET_KEY), reading them with the old key: --old-key, or API_KEY_ENCRYPTION_KEY_PREVIOUS. One transaction."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--old-key",
            action="append",
            default=[],
            help="A previous API_KEY_ENCRYPTION_KEY (may repeat); write --old-key=KEY, as a key may begin with -.",
        )
        parser.add_argument(
            "--old-secret-key",
            action="append",
            default=[],
            help="A previous SECRET_KEY, when API_KEY_ENCRYPTION_KEY was unset and secrets used a key derived from it.",
        )

    def handle(self, *args, **options):
        old_keys = list(options["old_key"])
        if settings.API_KEY_ENCRYPTION_KEY_PREVIOUS:
            old_keys.append(settings.API_KEY_ENCRYPTION_KEY_PREVIOUS)
        try:
            previous = old_fernets(old_keys=old_keys, old_secret_keys=options["old_secret_key"])
            count = api_key_secrets_reencrypt(previous=previous)
        except (ServiceError, ApiKeySecretsUnreadable) as exc:
            raise CommandError(str(exc))
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {count} API key secret(s) under the current key."))
