from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from ccp.checks import SecretKeyMissing, secret_key_require
from ccp.ops.access_log import ServeCommandLine
from ccp.worker.loop import worker_thread_start


def daphne_argv(*, host: str, port: int, proxy_headers: bool) -> list[str]:
    """daphne's arguments. X-Forwarded-For/-Port/-Proto are trusted only behind a proxy that sets them:
    a client talking to daphne directly could otherwise claim any address."""
    argv = ["-b", host, "-p", str(port)]
    if proxy_headers:
        argv.append("--proxy-headers")
    return [*argv, "ccp.asgi:application"]


class Command(BaseCommand):
    help = "Serve HTTP and websockets with daphne; in the embedded default the timer worker runs in-process too."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=settings.PORT)
        parser.add_argument("--host", default=settings.HOST)
        parser.add_argument("--no-worker", action="store_true")
        parser.add_argument(
            "--proxy-headers",
            action="store_true",
            default=settings.PROXY_HEADERS,
            help="trust X-Forwarded-For/-Port/-Proto (only behind a reverse proxy; PROXY_HEADERS=true)",
        )

    def handle(self, *args, **options):
        try:
            secret_key_require()
        except SecretKeyMissing as exc:
            raise CommandError(str(exc))
        call_command("collectstatic", interactive=False, verbosity=0)
        if settings.EMBEDDED_WORKER and not options["no_worker"]:
            worker_thread_start()
            self.stdout.write("timer worker running in this process")
        self.stdout.write(f"serving on http://{options['host']}:{options['port']}/")
        ServeCommandLine().run(
            daphne_argv(host=options["host"], port=options["port"], proxy_headers=options["proxy_headers"])
        )
