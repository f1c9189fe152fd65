"""Which failures are transient, and jittered retries for the ones that are."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from chalicelib.errors import GiveUpError, RelayError, RetryableError
from chalicelib.transfer.errors import SourceChangedError, SourceGoneError, TransientTransferError

T = TypeVar("T")

THROTTLING = frozenset({"SlowDown", "Throttling", "ThrottlingException", "RequestTimeout", "RequestTimeTooSkewed",
                        "InternalError", "ServiceUnavailable", "TooManyRequests", "RequestLimitExceeded",
                        "ProvisionedThroughputExceededException"})
GONE = frozenset({"NoSuchKey", "NoSuchBucket", "NotFound", "404", "AccessDenied", "403", "Forbidden"})
# Bytes damaged in transit: exactly what per-part checksums are for, so the part is sent again.
DAMAGED = frozenset({"BadDigest", "IncompleteBody", "XAmzContentChecksumMismatch", "InvalidChecksum"})


def classify(exc: BaseException, where: str, *, source: bool = True) -> RelayError:
    """Map a client/network failure to retry or give-up (source errors name the source)."""
    if isinstance(exc, RelayError):
        return exc
    from botocore.exceptions import BotoCoreError, ClientError

    if isinstance(exc, ClientError):
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if status == 412 or code == "PreconditionFailed":
            return SourceChangedError("source changed during the copy", detail=where)
        if status == 501 or code == "NotImplemented":  # the store lacks the operation: retrying cannot help
            return GiveUpError("storage does not support the operation", detail=f"{where}: {code or status}")
        if status >= 500 or code in THROTTLING or code in DAMAGED:
            return TransientTransferError("transient storage error", detail=f"{where}: {code or status}")
        if source and (status in (403, 404) or code in GONE):
            return SourceGoneError("source not readable", detail=f"{where}: {code or status}")
        return GiveUpError("storage refused the request", detail=f"{where}: {code or status}")
    from botocore.exceptions import NoCredentialsError, NoRegionError, ParamValidationError

    if isinstance(exc, ParamValidationError | NoCredentialsError | NoRegionError):
        return GiveUpError("invalid storage request or configuration", detail=f"{where}: {type(exc).__name__}")
    if isinstance(exc, BotoCoreError | OSError) or _is_urllib3_error(exc):
        return TransientTransferError("connection failed", detail=f"{where}: {type(exc).__name__}")
    return GiveUpError("unexpected transfer failure", detail=f"{where}: {type(exc).__name__}: {exc}")


def _is_urllib3_error(exc: BaseException) -> bool:
    from urllib3.exceptions import HTTPError

    return isinstance(exc, HTTPError)


def retrying(action: Callable[[], T], *, attempts: int = 5, base_s: float = 0.2, cap_s: float = 5.0,
             sleep: Callable[[float], None] = time.sleep, jitter: Callable[[], float] = random.random,
             stop: Callable[[], bool] = lambda: False) -> T:
    """Run `action`, retrying RetryableErrors with full-jitter exponential backoff,
    unless `stop()` says there is no time left for another try."""
    for attempt in range(attempts):
        try:
            return action()
        except RetryableError:
            if attempt == attempts - 1 or stop():
                raise
            sleep(min(cap_s, base_s * 2**attempt) * jitter())
    raise AssertionError("unreachable")
