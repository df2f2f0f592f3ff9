import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ccp.errors import ServiceError
from ccp.services.instance_config import instance_apply


class Command(BaseCommand):
    help = (
        "Make an instance match a file written by instance_export (created if missing, with create_instance's "
        "defaults), in one transaction. --plan prints what would be added (+), changed (~) and deleted (-) and "
        "changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The JSON file (instance_export's format); - reads standard input.")
        parser.add_argument("--instance", help="The instance's alias (default: instance.alias in the file).")
        parser.add_argument("--plan", action="store_true", help="Print the changes; write nothing.")

    def handle(self, *args, **options):
        path = options["file"]
        try:
            text = self.stdin.read() if path == "-" else Path(path).read_text()
            document = json.loads(text)
        except (OSError, ValueError) as error:
            raise CommandError(f"Can't read {path}: {error}")
        try:
            result = instance_apply(document, alias=options["instance"], plan_only=options["plan"])
        except ServiceError as error:
            raise CommandError(f"{error.message} Nothing was changed.")
        self.stdout.write(result.plan_text())
        if result.applied and (result.changes or result.instance_created):
            self.stdout.write(self.style.SUCCESS(f"Applied to instance {result.instance_alias}."))
        for note in result.notes:
            self.stdout.write(note)
