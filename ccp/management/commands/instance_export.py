from django.core.management.base import BaseCommand, CommandError

from ccp.models import Instance
from ccp.selectors.instance_config import export_text, instance_export


class Command(BaseCommand):
    help = (
        "Write an instance's whole configuration as one JSON file (queues, hours, routing profiles, users without "
        "passwords, quick connects, flows, task templates, agent statuses, security profiles, rules, integrations "
        "without secrets), keyed by name, sorted so two exports diff well."
    )

    def add_arguments(self, parser):
        parser.add_argument("--instance", required=True, help="The instance's alias.")

    def handle(self, *args, **options):
        instance = Instance.objects.filter(alias=options["instance"]).first()
        if instance is None:
            raise CommandError(f"No instance with alias {options['instance']!r}.")
        self.stdout.write(export_text(instance_export(instance)), ending="")
