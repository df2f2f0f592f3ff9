"""Log lines with time (UTC), level, logger and request id; JSON lines when LOG_FORMAT=json.

Imported by the LOGGING configuration before apps are ready: no models here.
"""

import json
import logging
import time
from contextvars import ContextVar

# The request being answered in this context (set by RequestIdMiddleware); "-" outside a request.
request_id_var: ContextVar[str] = ContextVar("request_id", default="-")


def record_request_id(record: logging.LogRecord) -> str:
    """The record's request id: Django's request logger hands over the request itself (it logs 4xx and
    5xx answers after the middleware has returned); everything else reads the context."""
    request = getattr(record, "request", None)
    return getattr(request, "request_id", None) or request_id_var.get()


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record that passes the handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = record_request_id(record)
        return True


class _UtcTime:
    converter = time.gmtime

    def formatTime(self, record, datefmt=None):  # noqa: N802 (logging's name)
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", self.converter(record.created))
        return f"{stamp}.{int(record.msecs):03d}Z"


class TextFormatter(_UtcTime, logging.Formatter):
    """`2026-11-27T19:30:00.123Z INFO ccp.worker [request-id] message`."""

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "request_id"):
            record.request_id = record_request_id(record)
        return super().format(record)


class JsonFormatter(_UtcTime, logging.Formatter):
    """One JSON object per line: time, level, logger, request_id, message, and the traceback if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", None) or record_request_id(record),
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)
