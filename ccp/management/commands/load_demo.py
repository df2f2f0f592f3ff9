import json

from django.conf import settings
from django.core.management.base import BaseCommand

from ccp.demo.loader import demo_load


class Command(BaseCommand):
    help = "Create the demo contact center (safe to run again: changes nothing that exists)."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Print ids, users and the API key as one JSON object.")

    def handle(self, *args, **options):
        result = demo_load()
        data = result.as_json()
        if options["json"]:
            self.stdout.write(json.dumps(data))
            return
        self.stdout.write(self.style.SUCCESS(f"Demo contact center ready (instance {data['instance_id']})."))
        base = f"http://127.0.0.1:{settings.PORT}"
        self.stdout.write(f"Log in at {base}/ with:")
        for user in data["users"]:
            self.stdout.write(f"  {user['role']:<18} {user['username']:<12} {user['password']}")
        self.stdout.write(
            f"API: endpoint_url={base} region_name={data['region']} "
            f"aws_access_key_id={data['access_key_id']} aws_secret_access_key={data['secret_access_key']}"
        )
        self.stdout.write(f"Task flow {data['task_flow_id']} puts tasks in queue {data['task_queue_id']}.")
