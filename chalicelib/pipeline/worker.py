"""The SQS worker: Powertools BatchProcessor with partial-batch failure reporting.

- success, and *give-up* errors, settle the message (it is deleted);
- *retry* errors and anything unexpected fail that item only, so SQS
  redelivers it (after an exponential backoff set on its visibility) and the
  DLQ catches it after the queue's maxReceiveCount.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

from chalicelib import clients
from chalicelib.errors import ClientInputError, GiveUpError, RetryableError
from chalicelib.observability import logger, metrics
from chalicelib.pipeline.jobs import run_job, set_deadline
from chalicelib.settings import get_settings

BACKOFF_CAP_S = 900


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
    except ClientInputError as exc:  # bad data inside a job (a malformed location): retrying cannot fix it
        return _give_up(GiveUpError(exc.message, detail=exc.detail))
    return Outcome.DONE


def _give_up(exc: GiveUpError) -> Outcome:
    from aws_lambda_powertools.metrics import MetricUnit

    logger.error("job given up", extra={"reason": str(exc)})
    metrics.add_metric(name="JobsGivenUp", unit=MetricUnit.Count, value=1)
    return Outcome.GIVEN_UP


def handle_batch(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Entry point of the jobs function; returns `{"batchItemFailures": [...]}`."""
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    if context is not None and hasattr(context, "get_remaining_time_in_millis"):
        set_deadline(lambda: float(context.get_remaining_time_in_millis()) / 1000)
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    result = process_partial_response(event=event, record_handler=_handle_record, processor=processor,
                                      context=context)
    return dict(result)


def _handle_record(record: Any) -> Outcome:
    try:
        return process_message(record.body)
    except Exception as exc:
        logger.warning("job failed; SQS will deliver it again", exc_info=not isinstance(exc, RetryableError),
                       extra={"reason": str(exc)[:500]})
        _back_off(record.receipt_handle, int(record.attributes.approximate_receive_count or 1))
        raise


def backoff_s(receive_count: int, base_s: int) -> int:
    """Visibility before the next delivery: base, 2 × base, 4 × base … capped at 15 min."""
    return int(min(BACKOFF_CAP_S, base_s * 2 ** min(16, max(0, receive_count - 1))))


def _back_off(receipt_handle: str, receive_count: int) -> None:
    try:
        settings = get_settings()
        clients.aws("sqs").change_message_visibility(
            QueueUrl=settings.jobs_queue_url, ReceiptHandle=receipt_handle,
            VisibilityTimeout=backoff_s(receive_count, settings.retry_backoff_base_s))
    except Exception:  # the queue's own visibility timeout still brings it back
        logger.warning("could not set the retry backoff", exc_info=True)
