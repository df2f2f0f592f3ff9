"""daphne's access log, written through Python logging (logger `daphne.access`) instead of raw stdout,
so it has the same time, level and format (text or JSON) as every other line."""

import logging

from daphne.access import AccessLogGenerator
from daphne.cli import CommandLineInterface
from daphne.server import Server

access_log = logging.getLogger("daphne.access")


class LoggingAccessLog(AccessLogGenerator):
    """daphne's action logger: one INFO line per HTTP request and websocket event."""

    def __init__(self):
        super().__init__(stream=None)

    def __call__(self, protocol, action, details):
        if protocol == "http" and action == "complete":
            # daphne's own line leaves out how long the request took; ours keeps it.
            access_log.info(
                '%s "%s %s" %s %s %.1fms',
                details["client"],
                details["method"],
                details["path"],
                details["status"],
                details["size"],
                (details.get("time_taken") or 0) * 1000,
            )
            return
        super().__call__(protocol, action, details)

    def write_entry(self, host, date, request, status=None, length=None, ident=None, user=None):
        access_log.info('%s "%s" %s %s', host, request, status or "-", length or "-")


class AccessLoggedServer(Server):
    def __init__(self, *args, action_logger=None, **kwargs):
        super().__init__(*args, action_logger=LoggingAccessLog(), **kwargs)


class ServeCommandLine(CommandLineInterface):
    """daphne's command line, with the access log going through logging."""

    server_class = AccessLoggedServer
