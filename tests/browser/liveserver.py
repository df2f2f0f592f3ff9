"""The browser tests' live server: daphne serving the ASGI app (HTTP and websockets), the timer worker
in a thread, and a small local RPC port through which the tests run the functions of
tests/browser/scenarios.py inside this process — so the pushes those services send reach the
websockets served here (in the embedded default the in-memory channel layer lives in this process; in
.ci/run's service pass they travel through Redis).

Run: python -m tests.browser.liveserver <http_port> <rpc_port>   (SQLITE_PATH, or DATABASE_URL + REDIS_URL)
"""

import os
import sys
import threading
import traceback

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ccp.settings")

import django  # noqa: E402

django.setup()

from multiprocessing.connection import Listener  # noqa: E402

from django.db import close_old_connections  # noqa: E402

AUTHKEY = b"ccp-browser-tests"


def _serve_rpc(port: int) -> None:
    from tests.browser import scenarios

    listener = Listener(("127.0.0.1", port), authkey=AUTHKEY)

    def handle(conn):
        with conn:
            while True:
                try:
                    name, kwargs = conn.recv()
                except (EOFError, OSError):
                    return
                close_old_connections()
                try:
                    conn.send(("ok", getattr(scenarios, name)(**kwargs)))
                except Exception:
                    conn.send(("error", traceback.format_exc()))

    while True:
        conn = listener.accept()
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


def main() -> None:
    http_port, rpc_port = int(sys.argv[1]), int(sys.argv[2])
    from channels.routing import get_default_application
    from daphne.endpoints import build_endpoint_description_strings
    from daphne.server import Server
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    from ccp.worker.loop import worker_thread_start

    worker_thread_start()
    threading.Thread(target=_serve_rpc, args=(rpc_port,), daemon=True).start()
    application = ASGIStaticFilesHandler(get_default_application())
    Server(
        application=application,
        endpoints=build_endpoint_description_strings(host="127.0.0.1", port=http_port),
        signal_handlers=True,
    ).run()


if __name__ == "__main__":
    main()
