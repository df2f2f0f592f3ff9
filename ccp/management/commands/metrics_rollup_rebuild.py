from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from ccp.models import Instance
from ccp.services.metric_rollups import rollup_rebuild


class Command(BaseCommand):
    help = (
        "Recompute the historical metric rollups from the ended contacts (after loading contact rows directly or "
        "fixing them by hand; contacts ended by the server add themselves). One instance, or every instance."
    )

    def add_arguments(self, parser):
        parser.add_argument("--instance", help="Instance id (or alias); every instance without it.")

    def handle(self, *args, **options):
        instances = Instance.objects.order_by("alias")
        if options["instance"]:
            instances = instances.filter(Q(pk=options["instance"]) | Q(alias=options["instance"]))
            if not instances.exists():
                raise CommandError(f"No instance {options['instance']!r}.")
        for instance in instances:
            rows = rollup_rebuild(instance_id=instance.pk)
            self.stdout.write(f"{instance.alias or instance.pk}: {rows:,} rollup rows")
