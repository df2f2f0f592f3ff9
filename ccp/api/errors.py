"""Rendering for the AWS REST-JSON wire format: results as JSON with epoch-second timestamps, errors
with the AWS error name in `x-amzn-ErrorType` and a body botocore reads (`message` and `Message`), so
boto3 raises ClientError with the right Code and HTTP status."""

import datetime as dt
import json
import uuid

from django.http import HttpResponse

from ccp.errors import ServiceError


class ApiError(ServiceError):
    """An error raised by the API layer itself (wire format, routing, throttling)."""

    def __init__(self, code: str, status: int, message: str, **extra):
        super().__init__(message)
        self.code = code
        self.status = status
        self.extra = extra


def throttled(message: str = "Rate exceeded") -> ApiError:
    return ApiError("ThrottlingException", 429, message)


def _default(value):
    if isinstance(value, dt.datetime):
        return value.timestamp()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _response(status: int, payload: dict, headers: dict | None = None) -> HttpResponse:
    body = json.dumps(payload, default=_default, separators=(",", ":"))
    response = HttpResponse(body, status=status, content_type="application/json")
    response["x-amzn-RequestId"] = str(uuid.uuid4())
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def result_response(payload: dict | None) -> HttpResponse:
    """A 200 with the operation's output; None members are left out, as AWS does."""
    return _response(200, {k: v for k, v in (payload or {}).items() if v is not None})


def error_response(*, code: str, status: int, message: str, extra: dict | None = None) -> HttpResponse:
    """An AWS error: botocore takes the code from x-amzn-ErrorType and the message from the body."""
    payload = {"message": message, "Message": message, **(extra or {})}
    return _response(status, payload, {"x-amzn-ErrorType": code})


def service_error_response(exc: ServiceError) -> HttpResponse:
    """Map a service error through its `code` and `status`, with any structured detail it carries."""
    extra = dict(getattr(exc, "extra", {}) or {})
    problems = getattr(exc, "problems", None)
    if problems:
        extra["problems"] = [{"message": _problem_text(p)} for p in problems]
    property_list = getattr(exc, "property_list", None)
    if property_list:
        extra["PropertyList"] = property_list
    return error_response(code=exc.code, status=exc.status, message=exc.message, extra=extra)


def _problem_text(problem) -> str:
    if isinstance(problem, dict):
        where = f"Action {problem['action']}: " if problem.get("action") else ""
        return f"{where}{problem.get('message', '')}"
    return str(problem)


def internal_error_response() -> HttpResponse:
    """Anything unexpected: a 500 that names no internals."""
    return error_response(
        code="InternalServiceException", status=500, message="Request processing failed because of an internal error."
    )
