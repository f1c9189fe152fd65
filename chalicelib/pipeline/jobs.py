"""Job kinds and their handlers. A job is a small JSON message on the jobs queue:
`{"kind": "...", ...}`; each kind has one handler registered here."""

from __future__ import annotations

import contextvars
import math
from collections.abc import Callable
from typing import Any

from chalicelib.errors import GiveUpError

Job = dict[str, Any]
JobHandler = Callable[[Job], None]

_HANDLERS: dict[str, JobHandler] = {}
# Seconds left in this invocation (the Lambda context's clock); unbounded outside Lambda.
_remaining: contextvars.ContextVar[Callable[[], float]] = contextvars.ContextVar(
    "remaining", default=lambda: math.inf)


def remaining_s() -> float:
    return _remaining.get()()


def deadline_clock() -> Callable[[], float]:
    """This invocation's clock itself, for threads (a ContextVar does not follow into a pool)."""
    return _remaining.get()


def set_deadline(remaining: Callable[[], float]) -> None:
    _remaining.set(remaining)


def register(kind: str) -> Callable[[JobHandler], JobHandler]:
    """Register the handler of one job kind."""

    def decorate(handler: JobHandler) -> JobHandler:
        _HANDLERS[kind] = handler
        return handler

    return decorate


def unregister(kind: str) -> None:
    _HANDLERS.pop(kind, None)


def run_job(job: Job) -> None:
    """Run one job; an unknown kind can never succeed, so it is a give-up."""
    import chalicelib.pipeline.events
    import chalicelib.pipeline.outbound  # noqa: F401

    kind = job.get("kind")
    handler = _HANDLERS.get(kind) if isinstance(kind, str) else None
    if handler is None:
        raise GiveUpError("unknown job kind", detail=repr(kind))
    handler(job)
