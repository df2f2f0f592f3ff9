"""manage.py serve: forwarded headers only when asked for, and an access log in the same format as the rest."""

import logging

from django.test import override_settings

from ccp.management.commands.serve import Command, daphne_argv
from ccp.ops.access_log import LoggingAccessLog, ServeCommandLine


def serve_options(*argv):
    return vars(Command().create_parser("manage.py", "serve").parse_args(list(argv)))


def test_serve_does_not_trust_forwarded_headers_by_default():
    options = serve_options()
    assert options["proxy_headers"] is False
    assert "--proxy-headers" not in daphne_argv(host="0.0.0.0", port=8000, proxy_headers=options["proxy_headers"])


def test_the_proxy_headers_flag_makes_daphne_trust_them():
    options = serve_options("--proxy-headers")
    assert "--proxy-headers" in daphne_argv(host="0.0.0.0", port=8000, proxy_headers=options["proxy_headers"])


def test_proxy_headers_true_in_the_environment_turns_them_on_too():
    with override_settings(PROXY_HEADERS=True):
        assert serve_options()["proxy_headers"] is True


def test_daphne_parses_what_serve_hands_it():
    argv = daphne_argv(host="0.0.0.0", port=8123, proxy_headers=True)
    args = ServeCommandLine().parser.parse_args(argv)
    assert (args.host, args.port, args.proxy_headers, args.application) == (
        "0.0.0.0", 8123, True, "ccp.asgi:application"
    )


def test_the_server_serve_starts_writes_its_access_log_through_logging(caplog):
    server = ServeCommandLine.server_class(application=None, endpoints=["tcp:port=0"])
    caplog.set_level(logging.INFO, logger="daphne.access")
    details = {"client": "10.0.0.5:5123", "method": "GET", "path": "/ccp/", "status": 200, "size": 512,
               "time_taken": 0.0123}
    server.action_logger("http", "complete", details)
    server.action_logger("websocket", "connected", {"client": "10.0.0.5:5124", "path": "/ws/agent/"})
    assert isinstance(server.action_logger, LoggingAccessLog)
    assert [(r.name, r.levelname) for r in caplog.records] == [("daphne.access", "INFO")] * 2
    assert caplog.records[0].getMessage() == '10.0.0.5:5123 "GET /ccp/" 200 512 12.3ms'
    assert caplog.records[1].getMessage() == '10.0.0.5:5124 "WSCONNECT /ws/agent/" - -'
