import signal
import threading

from django.core.management.base import BaseCommand, CommandError

from ccp.checks import SecretKeyMissing, secret_key_require
from ccp.ops.heap import heap_freeze
from ccp.worker.loop import worker_loop


class Command(BaseCommand):
    help = "Fire durable timers (scheduled starts, offer timeouts, queue delays, waits, expiry). Run any number."

    def add_arguments(self, parser):
        parser.add_argument("--max-sleep", type=float, default=0.5)

    def handle(self, *args, **options):
        try:
            secret_key_require()
        except SecretKeyMissing as exc:
            raise CommandError(str(exc))
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        heap_freeze(import_urls=False)  # the start-up heap out of full collections (ccp/ops/heap.py)
        self.stdout.write("worker started")
        worker_loop(stop, max_sleep=options["max_sleep"])
        self.stdout.write("worker stopped")
