"""The API's front door: recognise an AWS request, verify its signature, route it to its handler, and
render the result or the error in the REST-JSON wire format.

Order of checks: signature (403) → operation and input shape (400) → the key's instance owns the
InstanceId (403, or 404 when no such instance) → rate limit (429) → the handler. Nothing is written
before the handler runs. The dispatcher opens no transaction: each write is one transaction that its
service owns (durable), which rolls back on any error.
"""

import logging

from django.http.request import RawPostDataException
from django.utils.datastructures import MultiValueDict

from ccp.api import operations
from ccp.api.config_render import api_key_label
from ccp.api.errors import (
    ApiError,
    error_response,
    internal_error_response,
    result_response,
    service_error_response,
    throttled,
)
from ccp.api.shapes import input_parse
from ccp.api.sigv4 import SignatureError, request_verify
from ccp.api.throttle import throttle_take
from ccp.errors import ResourceNotFound, ServiceError
from ccp.models import Instance
from ccp.ops.metrics import api_request_count
from ccp.ops.unavailable import api_unavailable_response, database_down
from ccp.services.api_keys import api_key_touch
from ccp.services.audit import audit_acting

logger = logging.getLogger(__name__)


def is_api_request(request) -> bool:
    """An AWS-signed request (Authorization AWS4-HMAC-SHA256, X-Amz-Date, or a presigned URL's X-Amz-*
    query parameters) for a Connect operation path."""
    meta = request.META
    if not (
        meta.get("HTTP_AUTHORIZATION", "").startswith("AWS4-HMAC-SHA256")
        or "HTTP_X_AMZ_DATE" in meta
        or "X-Amz-" in meta.get("QUERY_STRING", "")
    ):
        return False
    return operations.path_is_api(request.path_info)


def handle_api_request(request):
    """Answer one API request and count it (by operation and status) for /metrics."""
    response = _answer(request)
    api_request_count(request=request, response=response)
    return response


def _answer(request):
    """Every failure becomes an AWS error, anything unexpected a bare 500."""
    try:
        return _handle(request)
    except SignatureError as exc:
        return error_response(code=exc.code, status=exc.status, message=exc.message)
    except ServiceError as exc:
        return service_error_response(_as_listed(request, exc))
    except Exception as exc:
        if database_down(exc):
            logger.warning("database unavailable: %s %s: %s", request.method, request.path_info, exc)
            return api_unavailable_response()
        logger.exception("API request failed: %s %s", request.method, request.path_info)
        return internal_error_response()


def _as_listed(request, exc: ServiceError) -> ServiceError:
    """An InvalidParameterException becomes InvalidRequestException for an operation whose model lists only the
    latter (Contact Lens's), so its clients see an error their model names."""
    operation = getattr(request, "api_operation", "")
    # Connect's own operations keep the error as raised (botocore's lists are not exhaustive for them).
    if exc.code != "InvalidParameterException" or operation not in operations.SERVICE_OF:
        return exc
    listed = {shape.name for shape in operations.operation_model(operation).error_shapes}
    if exc.code in listed or "InvalidRequestException" not in listed:
        return exc
    return ApiError("InvalidRequestException", 400, exc.message)


def _body(request) -> bytes:
    try:
        return request.body
    except RawPostDataException:
        return b""
    except Exception as exc:  # RequestDataTooBig and friends
        raise ApiError("InvalidRequestException", 400, f"The request body could not be read: {exc}")


def _instance_check(api_key, instance_id) -> Instance:
    if instance_id is None or instance_id == api_key.instance_id:
        return api_key.instance
    if Instance.objects.filter(pk=instance_id).exists():
        raise ApiError("AccessDeniedException", 403, "This access key does not belong to the requested instance.")
    raise ResourceNotFound(f"Instance {instance_id[:100]!r} was not found.")


def _handle(request):
    _body(request)  # read before signing: the payload hash covers it
    api_key = request_verify(request)
    path = request.path_info
    if path == operations.PING_PATH:
        return result_response({})
    matched = operations.route_match(request.method, path)
    if matched is None or not matched[0]:
        raise ApiError("UnknownOperationException", 404, f"No operation at {request.method} {path[:200]}.")
    operation, uri_params = matched
    request.api_operation = operation
    handler = operations.handler_for(operation)
    if handler is None:
        raise ApiError("UnknownOperationException", 400, f"{operation} is not supported by this server.")
    headers = {name.lower(): value for name, value in request.headers.items()}
    params = input_parse(
        operations.operation_model(operation),
        uri_params=uri_params,
        query=request.GET if request.GET else MultiValueDict(),
        headers=headers,
        body=request.body,
    )
    instance = _instance_check(api_key, params.get("InstanceId"))
    if not throttle_take(instance=instance, operation=operation):
        raise throttled()
    api_key_touch(api_key=api_key)
    # Configuration writes name the API key in the audit log: explicitly for the handlers that take it, and
    # through audit_acting for every service that records an entry without one.
    actor = {"actor_label": api_key_label(api_key)} if getattr(handler, "audited", False) else {}
    with audit_acting(api_key):
        return result_response(handler(instance=instance, params=params, **actor))
