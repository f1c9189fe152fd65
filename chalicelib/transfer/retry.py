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
                        "InternalError", "ServiceUnavailable", "TooManyRequests", "RequestLimitExceeded"})
GONE = frozenset({"NoSuchKey", "NoSuchBucket", "NotFound", "404", "AccessDenied", "403", "Forbidden"})


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
        if status >= 500 or code in THROTTLING:
            return TransientTransferError("transient storage error", detail=f"{where}: {code or status}")
        if source and (status in (403, 404) or code in GONE):
            return SourceGoneError("source not readable", detail=f"{where}: {code or status}")
        return GiveUpError("storage refused the request", detail=f"{where}: {code or status}")
    from botocore.exceptions import ParamValidationError

    if isinstance(exc, ParamValidationError):
        return GiveUpError("invalid storage request", detail=f"{where}: {exc}")
    if isinstance(exc, BotoCoreError | OSError) or _is_urllib3_error(exc):
        return TransientTransferError("connection failed", detail=f"{where}: {type(exc).__name__}")
    return GiveUpError("unexpected transfer failure", detail=f"{where}: {type(exc).__name__}: {exc}")


def _is_urllib3_error(exc: BaseException) -> bool:
    from urllib3.exceptions import HTTPError

    return isinstance(exc, HTTPError)


def retrying(action: Callable[[], T], *, attempts: int = 5, base_s: float = 0.2, cap_s: float = 5.0,
             sleep: Callable[[float], None] = time.sleep, jitter: Callable[[], float] = random.random) -> T:
    """Run `action`, retrying RetryableErrors with full-jitter exponential backoff."""
    for attempt in range(attempts):
        try:
            return action()
        except RetryableError:
            if attempt == attempts - 1:
                raise
            sleep(min(cap_s, base_s * 2**attempt) * jitter())
    raise AssertionError("unreachable")
