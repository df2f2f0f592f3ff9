import os

from django.conf import settings
from django.core.management.base import BaseCommand

from ccp.worker.loop import worker_thread_start


class Command(BaseCommand):
    help = "Serve HTTP and websockets with daphne; in the embedded default the timer worker runs in-process too."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--no-worker", action="store_true")

    def handle(self, *args, **options):
        from daphne.cli import CommandLineInterface
        from django.core.management import call_command

        call_command("collectstatic", interactive=False, verbosity=0)
        if settings.EMBEDDED_WORKER and not options["no_worker"]:
            worker_thread_start()
            self.stdout.write("timer worker running in this process")
        self.stdout.write(f"serving on http://{options['host']}:{options['port']}/")
        CommandLineInterface().run(
            ["-b", options["host"], "-p", str(options["port"]), "--proxy-headers", "ccp.asgi:application"]
        )
