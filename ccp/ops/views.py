"""Probes for load balancers and the Prometheus scrape endpoint. No session, no login, no CSRF."""

import hmac
import sys

from django.conf import settings
from django.http import HttpResponse, HttpResponseNotFound, HttpResponseServerError, JsonResponse
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from ccp.ops.logs import request_id_var
from ccp.ops.metrics import metrics_exposition
from ccp.ops.readiness import readiness_run
from ccp.ops.unavailable import database_down, page_unavailable_response


@require_GET
@never_cache
def healthz(request):
    """The process is alive and answering. Touches nothing else, so a slow database never restarts it."""
    return HttpResponse("ok", content_type="text/plain")


@require_GET
@never_cache
def readyz(request):
    """200 when this process can serve traffic, 503 naming the checks that fail."""
    results = readiness_run()
    failing = [name for name, reason in results.items() if reason is not None]
    body = {
        "status": "unavailable" if failing else "ok",
        "checks": {name: reason or "ok" for name, reason in results.items()},
        "failing": failing,
    }
    return JsonResponse(body, status=503 if failing else 200)


def _token_ok(request) -> bool:
    token = settings.METRICS_TOKEN
    if not token:
        return True
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


@require_GET
@never_cache
def metrics(request):
    """Prometheus text exposition; 404 when METRICS_ENABLED is false, 401 without the METRICS_TOKEN."""
    if not settings.METRICS_ENABLED:
        return HttpResponseNotFound("metrics are disabled", content_type="text/plain")
    if not _token_ok(request):
        response = HttpResponse("a bearer token is required", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(metrics_exposition(), content_type=CONTENT_TYPE_LATEST)


def server_error(request):
    """The 500 page, with the request id to quote to an admin. Like Django's own, it needs no database
    and no context processors: whatever failed may be failing still."""
    if database_down(sys.exc_info()[1]):  # raised outside a view (a middleware, a session save)
        return page_unavailable_response()
    template = loader.get_template("500.html")
    return HttpResponseServerError(template.render({"request_id": request_id_var.get()}))
