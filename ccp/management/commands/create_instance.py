import getpass
import os
import sys

from django.core.management.base import BaseCommand, CommandError

from ccp.errors import ServiceError
from ccp.services.instances import instance_create

PASSWORD_ENV = "CREATE_INSTANCE_ADMIN_PASSWORD"


class Command(BaseCommand):
    help = (
        "Create an instance (a contact center) with what Amazon Connect starts with — Basic Hours, BasicQueue, "
        "Basic Routing Profile, the default flows, the agent statuses — and its first admin. The password is "
        f"asked twice, or read from {PASSWORD_ENV} when there is no terminal."
    )

    def add_arguments(self, parser):
        parser.add_argument("--alias", required=True, help="The instance's alias (letters, digits, - and _).")
        parser.add_argument("--admin-username", required=True)
        parser.add_argument("--admin-email", required=True)
        parser.add_argument("--timezone", default="UTC", help="An IANA timezone name, e.g. Europe/Paris (UTC).")
        parser.add_argument(
            "--no-input", "--noinput", action="store_false", dest="interactive", help="Never prompt."
        )

    def _password(self, interactive: bool) -> str:
        from_env = os.environ.get(PASSWORD_ENV)
        if from_env:
            return from_env
        if not (interactive and sys.stdin.isatty()):
            raise CommandError(
                f"No admin password: set {PASSWORD_ENV} (or run in a terminal to be asked for one). "
                "Nothing was created."
            )
        first = getpass.getpass("Admin password: ")
        if first != getpass.getpass("Admin password (again): "):
            raise CommandError("The two passwords differ. Nothing was created.")
        return first

    def handle(self, *args, **options):
        password = self._password(options["interactive"])
        try:
            created = instance_create(
                alias=options["alias"],
                admin_username=options["admin_username"],
                admin_email=options["admin_email"],
                admin_password=password,
                timezone=options["timezone"],
            )
        except ServiceError as exc:
            raise CommandError(exc.message)
        instance = created.instance
        self.stdout.write(self.style.SUCCESS(f"Instance {instance.alias} created (id {instance.id})."))
        self.stdout.write(f"Admin {created.admin.username} can sign in now; create API keys under Settings → API keys")
        self.stdout.write(f"or with: python manage.py create_api_key --instance {instance.alias}")
