"""JSON responses and the error contract of every route.

A client's mistake is always a 4xx with `{"error": ..., "detail": ...}`;
a store being down is a 503 so that providers which retry will retry.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from chalice.app import Response

from chalicelib.errors import ClientInputError, ConfigError, UnavailableError
from chalicelib.observability import logger

JSON_HEADERS = {"Content-Type": "application/json"}


def json_response(body: Any, status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(body=json.dumps(body, separators=(",", ":")), status_code=status_code,
                    headers={**JSON_HEADERS, **(headers or {})})


def error_response(status_code: int, error: str, detail: str) -> Response:
    return json_response({"error": error, "detail": detail}, status_code)


def json_errors(view: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a route so the relay's errors become the JSON error contract.

    Chalice turns any exception escaping a view into its own 500 before
    middleware sees it, so the mapping has to sit on the view itself.
    """

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except ClientInputError as exc:
            logger.info("request refused", extra={"status": exc.status_code, "reason": exc.message})
            return error_response(exc.status_code, exc.error, exc.detail or exc.message)
        except UnavailableError as exc:
            logger.warning("dependency unavailable", extra={"reason": exc.message})
            return error_response(503, "unavailable", "a store is unavailable; retry later")
        except ConfigError as exc:  # ours, not the caller's: a 5xx, so providers retry once it is fixed
            logger.error("misconfigured", extra={"reason": str(exc)})
            return error_response(500, "misconfigured", "the relay is missing a setting or secret")

    return wrapped


def conform_framework_errors(response: Response) -> Response:
    """Chalice's own 4xx answers (unlisted content type, bad JSON) in our error contract."""
    body = response.body
    if 400 <= response.status_code < 500 and isinstance(body, dict) and set(body) == {"Code", "Message"}:
        return error_response(response.status_code, _snake(str(body["Code"])), str(body["Message"]))
    return response


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_").removesuffix("_error")
