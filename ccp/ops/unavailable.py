"""While the database is unreachable, answer 503 instead of 500: an AWS error the SDKs retry
(`ServiceUnavailableException`, with Retry-After) on API paths, the product's "come back in a moment"
page everywhere else. Nothing is restarted: psycopg's pool drops the broken connections and opens new
ones once PostgreSQL answers again.

`DatabaseUnavailableMiddleware` (first in MIDDLEWARE) catches what a view raises; the API's
dispatcher, which turns every exception into an AWS error itself, asks `database_down` first.
"""

import json
import logging
import uuid

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader

from ccp.ops.logs import request_id_var

logger = logging.getLogger(__name__)

# django.db wraps psycopg's errors (a pool timeout, psycopg_pool.PoolTimeout, is an OperationalError too)
# and sqlite3's ("database is locked" stays a 503 as well: try again in a moment is the right answer).
DATABASE_DOWN = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = "5"
API_MESSAGE = "The service is temporarily unavailable. Try again in a moment."


def database_down(exc: BaseException) -> bool:
    return isinstance(exc, DATABASE_DOWN)


def api_unavailable_response() -> HttpResponse:
    """The AWS REST-JSON error botocore reads: code from x-amzn-ErrorType, message from the body."""
    body = json.dumps({"message": API_MESSAGE, "Message": API_MESSAGE}, separators=(",", ":"))
    response = HttpResponse(body, status=503, content_type="application/json")
    response["x-amzn-ErrorType"] = "ServiceUnavailableException"
    response["x-amzn-RequestId"] = str(uuid.uuid4())
    response["Retry-After"] = RETRY_AFTER_SECONDS
    return response


def page_unavailable_response() -> HttpResponse:
    """The 503 page: like the 500 page it needs no database, no session and no context processors."""
    template = loader.get_template("503.html")
    response = HttpResponse(template.render({"request_id": request_id_var.get()}), status=503)
    response["Retry-After"] = RETRY_AFTER_SECONDS
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not database_down(exception):
            return None
        logger.warning("database unavailable: %s %s: %s", request.method, request.path_info, exception)
        if request.path_info.startswith("/ws/") or "application/json" in request.headers.get("Accept", ""):
            return api_unavailable_response()
        return page_unavailable_response()
