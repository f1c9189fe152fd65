"""Typed reads from provider payloads that fail with a 400 naming the field."""

from __future__ import annotations

import math
from typing import Any, TypeVar

from chalicelib.errors import BadRequestError

T = TypeVar("T")
_MISSING = object()


def _walk(payload: Any, path: str) -> Any:
    node = payload
    for part in path.split("."):
        if type(node) is not dict or part not in node:  # parsed JSON/forms are plain dicts; no ABC check
            return _MISSING
        node = node[part]
    return node


def require(payload: Any, path: str, kind: type[T]) -> T:
    """The value at a dotted path; BadRequestError if absent, null or of another type."""
    value = _walk(payload, path)
    if value is _MISSING or value is None:
        raise BadRequestError("missing field", detail=path)
    return _typed(value, path, kind)


def optional(payload: Any, path: str, kind: type[T], default: T | None = None) -> T | None:
    """The value at a dotted path, or `default` when absent or null."""
    value = _walk(payload, path)
    if value is _MISSING or value is None:
        return default
    return _typed(value, path, kind)


def require_text(payload: Any, path: str) -> str:
    """A non-empty string; numbers are accepted and rendered (providers disagree on ids' types)."""
    value = _walk(payload, path)
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise BadRequestError("missing field" if value in (_MISSING, None) else "wrong type", detail=path)
    text = str(value).strip()
    if not text:
        raise BadRequestError("empty field", detail=path)
    return text


def number(payload: Any, path: str) -> float | None:
    """A number that some providers send as a string (Mux `filesize`, CF `pctComplete`)."""
    value = _walk(payload, path)
    if value is _MISSING or value is None or value == "":
        return None
    if isinstance(value, bool):
        raise BadRequestError("wrong type", detail=path)
    try:
        result = float(value)
    except (TypeError, ValueError):
        raise BadRequestError("not a number", detail=path) from None
    if not math.isfinite(result):
        raise BadRequestError("not a finite number", detail=path)
    return result


def _typed(value: Any, path: str, kind: type[T]) -> T:
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)  # type: ignore[return-value]
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise BadRequestError("wrong type", detail=f"{path}: expected {kind.__name__}")
    return value
