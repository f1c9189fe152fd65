"""Powertools Logger and Metrics for every function, Tracer only where enabled.

The Tracer pulls in the X-Ray SDK, so it is created only when `RELAY_TRACING`
is on; the cold-start guard test keeps it that way.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics

from chalicelib.settings import get_settings

if TYPE_CHECKING:
    from chalicelib.events import RecordingEvent

SERVICE = "recording-relay"
NAMESPACE = "RecordingRelay"

# Functions that publish no metric on an invocation are normal here, not a warning.
warnings.filterwarnings("ignore", message="No application metrics to publish", category=UserWarning)

logger = Logger(service=SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)


def bind(event: RecordingEvent) -> None:
    """Append the correlation keys of one record to every later log line."""
    logger.append_keys(
        recording_id=event.recording_id or event.subject,
        event_id=event.id,
        provider=str(event.data.provider),
    )


def count(name: str, value: float = 1, unit: str = "Count", **dimensions: str) -> None:
    """One metric with its own dimensions (`single_metric`, so they never leak onto
    the other metrics of the invocation)."""
    from aws_lambda_powertools.metrics import MetricUnit, single_metric

    with single_metric(name=name, unit=MetricUnit(unit), value=value, namespace=NAMESPACE,
                       default_dimensions={"service": SERVICE}) as metric:
        for key, dimension in dimensions.items():
            metric.add_dimension(name=key, value=dimension)


def lambda_wrappers() -> list[Callable[..., Any]]:
    """Handler decorators, outermost first, for `chalice.ConvertToMiddleware`."""
    wrappers: list[Callable[..., Any]] = [
        logger.inject_lambda_context(clear_state=True),
        metrics.log_metrics(raise_on_empty_metrics=False),
    ]
    if get_settings().tracing_enabled:
        from aws_lambda_powertools import Tracer

        wrappers.append(Tracer(service=SERVICE).capture_lambda_handler)
    return wrappers
