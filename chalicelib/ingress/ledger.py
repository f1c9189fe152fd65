"""Exactly-once recording of normalized events: Powertools Idempotency on
DynamoDB, keyed by the CloudEvent `source` + `id`. The first delivery appends
the event to the catalog history and enqueues its job; later deliveries (Mux
duplicates after a 2xx, provider retries, the S3 event and the hook of the same
file) return the stored result and do nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalicelib.catalog.events import EventHistory
from chalicelib.errors import ConflictError, UnavailableError
from chalicelib.events import RecordingEvent
from chalicelib.pipeline.queue import JobQueue, event_job


class EventLedger:
    def __init__(self, idempotency_table: str, history: EventHistory, queue: JobQueue, ttl_s: int) -> None:
        self.history, self.queue = history, queue
        self._config, self._record = _idempotent(idempotency_table, ttl_s, self._first_delivery)

    def register_context(self, lambda_context: Any) -> None:
        """Tie the in-progress lock's expiry to this invocation's deadline."""
        if lambda_context is not None:
            self._config.register_lambda_context(lambda_context)

    def record(self, event: RecordingEvent) -> bool:
        """True when this delivery was the first; raises Conflict/Unavailable."""
        from aws_lambda_powertools.utilities.idempotency.exceptions import (
            IdempotencyAlreadyInProgressError,
            IdempotencyPersistenceLayerError,
        )

        try:
            result: dict[str, Any] = self._record(event=event.to_dict(), original=event)
        except IdempotencyAlreadyInProgressError:
            raise ConflictError("event is being processed", detail=f"{event.source} {event.id}") from None
        except IdempotencyPersistenceLayerError as exc:
            raise UnavailableError("idempotency store failed", detail=type(exc.__cause__).__name__) from exc
        return not result.get("duplicate", False)

    def _first_delivery(self, event: dict[str, Any], original: RecordingEvent) -> dict[str, Any]:
        # History first (an idempotent put), then the job: a failure of either releases the
        # idempotency record, and the provider's retry never enqueues a second job.
        self.history.append(original)
        self.queue.send(event_job(event))
        return {"recorded": True}


def _mark_duplicate(response: Any, record: Any) -> Any:
    return {**response, "duplicate": True}


def _idempotent(table: str, ttl_s: int, function: Callable[..., Any]) -> tuple[Any, Callable[..., Any]]:
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )

    from chalicelib import clients

    store = DynamoDBPersistenceLayer(table_name=table, boto3_client=clients.aws("dynamodb"))
    config = IdempotencyConfig(event_key_jmespath="[source, id]", raise_on_no_idempotency_key=True,
                               expires_after_seconds=ttl_s, response_hook=_mark_duplicate)  # type: ignore[arg-type]
    decorate = idempotent_function(data_keyword_argument="event", persistence_store=store, config=config)
    wrapped: Callable[..., Any] = decorate(function)
    return config, wrapped


class OfflineContext:
    """Stands in for the Lambda context outside Lambda (the CLI): an in-progress lock
    then expires after `seconds`, instead of blocking the event until the record's TTL
    if the process is killed mid-record."""

    def __init__(self, seconds: int = 60) -> None:
        self.seconds = seconds

    def get_remaining_time_in_millis(self) -> int:
        return self.seconds * 1000
