"""Errors the services raise. Each carries the AWS error name and HTTP status the API answers with,
and a message safe to show a user (the panel and console show the same text)."""


class ServiceError(Exception):
    code = "InvalidRequestException"
    status = 400

    def __init__(self, message: str, *, field: str = ""):
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidParameter(ServiceError):
    code = "InvalidParameterException"


class InvalidRequest(ServiceError):
    code = "InvalidRequestException"


class ResourceNotFound(ServiceError):
    code = "ResourceNotFoundException"
    status = 404


class QuotaExceeded(ServiceError):
    code = "ServiceQuotaExceededException"
    status = 402


class DuplicateResource(ServiceError):
    """A resource with this name already exists (CreateContactFlow)."""

    code = "DuplicateResourceException"
    status = 409


class LimitExceeded(ServiceError):
    """An Amazon Connect service quota on configuration rows would be passed (queues per instance, quick connects
    per queue, security profiles, users per instance, …)."""

    code = "LimitExceededException"
    status = 429


class IdempotencyConflict(ServiceError):
    code = "IdempotencyException"
    status = 409


class Conflict(ServiceError):
    """The contact is not in a state that allows this (already ended, not offered to you, …)."""

    code = "InvalidRequestException"
    status = 400


class ResourceConflict(ServiceError):
    """The contact's state rules the change out (UpdateContactRoutingData on an ended contact)."""

    code = "ResourceConflictException"
    status = 409


class ResourceInUse(ResourceConflict):
    """The row is still used by others (Amazon Connect's ResourceInUseException); `blockers` names them."""

    code = "ResourceInUseException"

    def __init__(self, message: str, *, blockers: list[str]):
        super().__init__(message)
        self.blockers = blockers


class InvalidFlow(ServiceError):
    code = "InvalidContactFlowException"

    def __init__(self, message: str, *, problems: list[dict] | None = None):
        super().__init__(message)
        self.problems = problems or []


