from django.core.management.base import BaseCommand, CommandError

from ccp.models import Instance
from ccp.services.api_keys import api_key_create


class Command(BaseCommand):
    help = "Create an access key for the AWS-compatible API and print its id and secret (shown only now)."

    def add_arguments(self, parser):
        parser.add_argument("--instance", required=True, help="Instance id (or alias).")
        parser.add_argument("--name", default="", help="A label for the key, shown in the console.")

    def handle(self, *args, **options):
        ident = options["instance"]
        instance = Instance.objects.filter(pk=ident).first() or Instance.objects.filter(alias=ident).first()
        if instance is None:
            raise CommandError(f"No instance with id or alias {ident!r}.")
        api_key, secret = api_key_create(instance=instance, name=options["name"])
        self.stdout.write(f"aws_access_key_id={api_key.access_key_id}")
        self.stdout.write(f"aws_secret_access_key={secret}")
