"""The SQS worker: Powertools BatchProcessor with partial-batch failure reporting.

- success, and *give-up* errors, settle the message (it is deleted);
- *retry* errors and anything unexpected fail that item only, so SQS
  redelivers it and the DLQ catches it after the queue's maxReceiveCount.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

from chalicelib.errors import GiveUpError
from chalicelib.observability import logger, metrics
from chalicelib.pipeline.jobs import run_job


class Outcome(StrEnum):
    DONE = "done"
    GIVEN_UP = "given_up"


def process_message(body: str) -> Outcome:
    """Process one message body; raises only what should be retried."""
    try:
        job = json.loads(body)
        if not isinstance(job, dict):
            raise GiveUpError("job is not a JSON object", detail=type(job).__name__)
        run_job(job)
    except json.JSONDecodeError as exc:
        return _give_up(GiveUpError("job is not JSON", detail=str(exc)))
    except GiveUpError as exc:
        return _give_up(exc)
    return Outcome.DONE


def _give_up(exc: GiveUpError) -> Outcome:
    from aws_lambda_powertools.metrics import MetricUnit

    logger.error("job given up", extra={"reason": str(exc)})
    metrics.add_metric(name="JobsGivenUp", unit=MetricUnit.Count, value=1)
    return Outcome.GIVEN_UP


def handle_batch(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Entry point of the jobs function; returns `{"batchItemFailures": [...]}`."""
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    result = process_partial_response(
        event=event,
        record_handler=lambda record: process_message(record.body),
        processor=processor,
        context=context,
    )
    return dict(result)
