from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Not used here: every user belongs to an instance. Use create_instance for the first admin."

    def add_arguments(self, parser):
        # Accept (and ignore) Django's own options, so scripts get the explanation rather than a usage error.
        parser.add_argument("args", nargs="*")
        parser.add_argument("--username")
        parser.add_argument("--email")
        parser.add_argument("--noinput", "--no-input", action="store_true")
        parser.add_argument("--database")

    def handle(self, *args, **options):
        raise CommandError(
            "Users belong to an instance, so there is no superuser. Create an instance and its first admin with:\n"
            "  python manage.py create_instance --alias ALIAS --admin-username NAME --admin-email EMAIL\n"
            "More admins are added in the console (Users) by an admin of that instance."
        )
