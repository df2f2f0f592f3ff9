"""Every log line names its time, level, logger and request; the request id travels with the response."""

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ccp.ops.logs import JsonFormatter, RequestIdFilter, TextFormatter

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def request_log():
    """What the django.request logger writes, through the filter and formatter LOG_FORMAT=json uses."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    yield stream
    logger.removeHandler(handler)


@pytest.mark.django_db
def test_the_proxys_request_id_is_echoed_in_the_response(client):
    response = client.get("/login/", headers={"X-Request-Id": "lb-7f3a9c"})
    assert response["X-Request-Id"] == "lb-7f3a9c"


@pytest.mark.django_db
def test_a_request_without_an_id_gets_a_fresh_one_each_time(client):
    first, second = client.get("/login/")["X-Request-Id"], client.get("/login/")["X-Request-Id"]
    assert len(first) == 32 and first != second


@pytest.mark.django_db
def test_a_request_id_that_could_forge_log_lines_is_replaced(client):
    response = client.get("/login/", headers={"X-Request-Id": "x\" level=ERROR msg=forged"})
    assert response["X-Request-Id"] != "x\" level=ERROR msg=forged"
    assert len(response["X-Request-Id"]) == 32


@pytest.mark.django_db
def test_a_log_line_written_while_answering_carries_the_request_id(client, request_log):
    client.get("/no/such/page/", headers={"X-Request-Id": "req-123"})
    line = json.loads(request_log.getvalue().splitlines()[-1])
    assert line["request_id"] == "req-123"
    assert line["logger"] == "django.request"
    assert line["level"] == "WARNING"
    assert "/no/such/page/" in line["message"]
    assert line["time"].endswith("Z") and line["time"][:4].isdigit()


def test_a_log_line_outside_any_request_says_so_with_a_dash():
    record = logging.LogRecord("ccp.worker.loop", logging.ERROR, __file__, 1, "timer %s failed", ("t-1",), None)
    text = TextFormatter().format(record)
    assert text.endswith(" ERROR ccp.worker.loop [-] timer t-1 failed")


def test_a_traceback_stays_inside_its_one_json_line():
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("ccp", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    line = JsonFormatter().format(record)
    assert "\n" not in line
    assert "ValueError: boom" in json.loads(line)["exception"]


def _manage(*args, **env_overrides):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(DJANGO_SETTINGS_MODULE="ccp.settings", **env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_log_format_json_makes_every_line_a_json_object():
    result = _manage("shell", "-c", "import logging; logging.getLogger('ccp.demo').warning('hello %s', 'ops')",
                     LOG_FORMAT="json")
    assert result.returncode == 0, result.stderr
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert line["message"] == "hello ops" and line["logger"] == "ccp.demo" and line["request_id"] == "-"


def test_an_unknown_log_format_is_a_configuration_error():
    result = _manage("check", LOG_FORMAT="xml")
    assert result.returncode != 0
    assert "LOG_FORMAT must be text or json" in result.stderr
