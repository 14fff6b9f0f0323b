"""Error classes of the simulator, one per Nylas error kind (moto style).

Each error carries the HTTP status and the Nylas ``error.type``; the Flask layer
turns any :class:`SimError` into the Nylas error envelope::

    {"request_id": "...", "error": {"type": "...", "message": "..."}}
"""


class SimError(Exception):
    """Base class: an API error with an HTTP status and a Nylas error type."""

    status = 500
    error_type = "internal_error"
    default_message = "Internal error"

    def __init__(self, message=None, headers=None):
        self.message = message or self.default_message
        self.headers = dict(headers or {})
        super().__init__(self.message)

    def to_error(self):
        """Return the ``error`` member of the Nylas error envelope."""
        return {"type": self.error_type, "message": self.message}


class BadRequest(SimError):
    """400: the request is well formed HTTP but not acceptable."""

    status = 400
    error_type = "bad_request"
    default_message = "Bad request"


class Unauthorized(SimError):
    """401: missing or unknown credentials (never echoes the credential)."""

    status = 401
    error_type = "invalid_request_error"
    default_message = "Unauthorized: a valid API key is required (Authorization: Bearer <api key>)"


class NotFound(SimError):
    """404: unknown object or path."""

    status = 404
    error_type = "not_found_error"
    default_message = "Resource not found"


class MethodNotAllowed(SimError):
    """405: the path exists but not with this method."""

    status = 405
    error_type = "invalid_request_error"
    default_message = "Method not allowed"


class RateLimited(SimError):
    """429: the application exceeded its per-second request budget (Nylas's type ``nylas_rate_limit_exceeded``).

    ``retry_after=None`` sends no ``Retry-After`` header (Nylas does not always send one).
    """

    status = 429
    error_type = "nylas_rate_limit_exceeded"
    default_message = "Too many requests"

    def __init__(self, message=None, retry_after=1):
        self.retry_after = None if retry_after is None else max(1, int(retry_after))
        headers = {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}
        super().__init__(message, headers=headers)


class InternalError(SimError):
    """500: an unexpected failure inside the simulator."""

    status = 500
    error_type = "internal_error"
    default_message = "Internal error"


#: Nylas error types used for a given status (faults without a body use these).
ERROR_TYPE_BY_STATUS = {
    400: "bad_request",
    401: "invalid_request_error",
    403: "forbidden",
    404: "not_found_error",
    405: "invalid_request_error",
    409: "conflict",
    429: "nylas_rate_limit_exceeded",
}


def error_type_for_status(status):
    """Return the Nylas error type the simulator uses for an HTTP status."""
    if status in ERROR_TYPE_BY_STATUS:
        return ERROR_TYPE_BY_STATUS[status]
    return "internal_error" if status >= 500 else "bad_request"


class NylasCodeError(BadRequest):
    """400 with one of Nylas's numeric error types (``"70000"``, ``"70005"``) and its ``code : detail`` message.

    The contract's examples for webhooks and Pub/Sub channels: ``70005`` ``unable.verify.webhook_url :
    status is not ok, got 404`` (create_400), ``70000`` ``destination.id.not.found : record not found``
    (update_400, delete_400), ``invalid.input.format : topic is required`` (create_pubsub_400).
    """

    def __init__(self, error_type, message):
        super().__init__(message)
        self.error_type = error_type


def destination_not_found():
    """The contract's answer for an unknown webhook or Pub/Sub channel id (400, type ``70000``)."""
    return NylasCodeError("70000", "destination.id.not.found : record not found")
