"""Middlewares: two that run before everything else (first in MIDDLEWARE), and NulCharacterMiddleware.

RequestIdMiddleware names every request: the proxy's X-Request-Id when it sent a sane one, a new one
otherwise; log lines carry it and the response echoes it.

OpsEndpointsMiddleware answers /healthz, /readyz and /metrics before Django validates the Host
header or redirects to HTTPS: load balancers and Prometheus call a process by its address (a Host
that ALLOWED_HOSTS rightly refuses) and over plain HTTP.
"""

import re
import uuid

from django.core.exceptions import SuspiciousOperation
from django.http import Http404

from ccp.ops import views
from ccp.ops.logs import request_id_var

# Printable and short: anything else from outside is replaced, so a header cannot forge log lines.
ACCEPTABLE_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")

OPS_ENDPOINTS = {"/healthz": views.healthz, "/readyz": views.readyz, "/metrics": views.metrics}


def request_id_for(header: str | None) -> str:
    """The incoming X-Request-Id if it is safe to log, otherwise a fresh one."""
    if header and ACCEPTABLE_ID.match(header):
        return header
    return uuid.uuid4().hex


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_for(request.headers.get("X-Request-Id"))
        request.request_id = request_id
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-Id"] = request_id
        return response


class OpsEndpointsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        view = OPS_ENDPOINTS.get(request.path_info)
        if view is not None:
            return view(request)
        return self.get_response(request)


class NulCharacterMiddleware:
    """Refuse a page request carrying a NUL character in its path or its form or query values: no text we store
    can hold one (PostgreSQL refuses it), so such a request is a client's mistake — 404 for a path, 400 for a
    value — never a database error. API requests are answered before this (AwsApiMiddleware) and check their
    input against botocore's shapes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path:
            raise Http404("No page at this address.")
        for values in (request.GET, request.POST if request.method == "POST" else {}):
            if any("\x00" in key or any("\x00" in v for v in values.getlist(key)) for key in values):
                raise SuspiciousOperation("A form or query value contains a NUL character.")
        return self.get_response(request)
