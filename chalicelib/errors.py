"""One error hierarchy for the whole relay.

The split that matters is *retry* versus *give up*: it decides what the SQS
worker does with a message (leave it on the queue, or settle it and mark the
recording failed). Client errors are a third branch that only the HTTP edge
sees and that always map to a 4xx answer.
"""

from __future__ import annotations

import re

_URL_QUERY = re.compile(r"(https?://[^\s?'\"]+)\?[^\s'\"]*")


def redact_urls(text: str) -> str:
    """URLs without their query strings: presigned and provider URLs carry credentials there."""
    return _URL_QUERY.sub(r"\1?…", text)


class RelayError(Exception):
    """Base of every error the relay raises on purpose."""

    def __init__(self, message: str, *, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail

    def __str__(self) -> str:
        return f"{self.message} - ({self.detail})" if self.detail else self.message


class RetryableError(RelayError):
    """A transient failure: the same work may succeed later (throttling, 5xx, timeouts)."""


class NotReadyError(RetryableError):
    """The provider is still preparing the media: the job comes back after `delay_s`
    (a delayed message, never a sleep inside Lambda)."""

    def __init__(self, message: str, *, detail: str = "", delay_s: int = 60) -> None:
        super().__init__(message, detail=detail)
        self.delay_s = delay_s


class GiveUpError(RelayError):
    """A permanent failure: retrying cannot help (source gone, corrupt media, bad config)."""


class ConfigError(GiveUpError):
    """A setting or secret is missing or invalid."""


class ClientInputError(RelayError):
    """The caller sent something we refuse; maps to a 4xx answer, never a 5xx."""

    status_code = 400
    error = "bad_request"


class BadRequestError(ClientInputError):
    """A body or parameter we cannot parse; `detail` names the field."""


class UnauthorizedError(ClientInputError):
    """Missing, malformed or wrong signature, token, or a timestamp out of tolerance."""

    status_code = 401
    error = "unauthorized"


class PayloadTooLargeError(ClientInputError):
    """The request body exceeds the ingress size limit."""

    status_code = 413
    error = "payload_too_large"


class NotFoundError(ClientInputError):
    """The requested resource does not exist."""

    status_code = 404
    error = "not_found"


class UnavailableError(RetryableError):
    """A store we depend on is down; the HTTP edge answers 503 so providers retry."""


class UnsupportedMediaTypeError(ClientInputError):
    """The request's content type is not one the route accepts."""

    status_code = 415
    error = "unsupported_media_type"


class ConflictError(ClientInputError):
    """The same event is being processed by another request right now; retry later."""

    status_code = 409
    error = "in_progress"
