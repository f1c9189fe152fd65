"""Our own RecordingEvents out: to EventBridge (source `recording-relay`), and,
when OUTBOUND_WEBHOOK_URL is set, POSTed there signed per Standard Webhooks, by
a separate job with backoff so delivery never blocks the pipeline."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from chalicelib import clients
from chalicelib.errors import RetryableError
from chalicelib.events import (
    ErrorInfo,
    EventData,
    EventType,
    Provider,
    RecordingEvent,
    RecordingRef,
    Via,
    event_id,
    rfc3339,
)
from chalicelib.observability import logger
from chalicelib.pipeline.jobs import register
from chalicelib.pipeline.queue import JobQueue
from chalicelib.settings import get_settings

SOURCE = "recording-relay"
MAX_ATTEMPTS = 8


def own_event(kind: EventType, recording_id: str, facts: dict[str, Any], error: ErrorInfo | None = None,
              playback: dict[str, str] | None = None) -> RecordingEvent:
    """A relay event about a recording; its id is deterministic, so a re-run re-sends the same event."""
    recording = facts.get("recording") or {}
    return RecordingEvent(
        id=event_id(SOURCE, recording_id, kind.short), source=f"/{SOURCE}/{get_settings().stage}", type=kind,
        subject=recording_id, time=rfc3339(datetime.now(UTC)),
        data=EventData(provider=Provider(facts["provider"]), via=Via.PIPELINE,
                       recording=RecordingRef(id=recording_id, provider_ids=recording.get("provider_ids", {})),
                       error=error, playback=playback or {}),
    )


def emit(event: RecordingEvent) -> None:
    """Keep it in the recording's history, publish it to EventBridge and queue the
    webhook delivery. Never raises: a publish that fails becomes a `publish-event` job,
    which SQS retries with backoff (and the DLQ keeps), so the event is not lost."""
    from chalicelib.catalog.events import EventHistory

    settings = get_settings()
    try:
        EventHistory(settings.catalog_table).append(event)
    except Exception:  # the state change already happened: announcing it still matters more
        logger.exception("event not kept in the history", extra={"event_id": event.id})
    try:
        publish(event.to_json(), str(event.type))
    except RetryableError as exc:
        logger.warning("EventBridge publish failed; queued to try again", extra={"reason": str(exc)})
        try:
            JobQueue(settings.jobs_queue_url).send({"kind": "publish-event", "event": event.to_dict()})
        except Exception:
            logger.exception("event lost: neither EventBridge nor the queue took it", extra={"event_id": event.id})
    if settings.outbound_webhook_url:
        JobQueue(settings.jobs_queue_url).send({"kind": "deliver-webhook", "event": event.to_dict(), "attempt": 1})


def publish(detail: str, detail_type: str) -> None:
    """One PutEvents; RetryableError when EventBridge did not take it."""
    try:
        answer = clients.aws("events").put_events(Entries=[{
            "Source": SOURCE, "DetailType": detail_type, "Detail": detail, "EventBusName": get_settings().event_bus}])
    except Exception as exc:
        raise RetryableError("EventBridge unavailable", detail=type(exc).__name__) from exc
    if answer.get("FailedEntryCount"):
        codes = [e.get("ErrorCode") for e in answer.get("Entries", []) if e.get("ErrorCode")]
        raise RetryableError("event not accepted by EventBridge", detail=", ".join(map(str, codes)))


@register("publish-event")
def publish_event(job: dict[str, Any]) -> None:
    """A publish that failed inside the pipeline, tried again by the queue."""
    publish(json.dumps(job["event"], separators=(",", ":"), sort_keys=True), str(job["event"]["type"]))


@register("deliver-webhook")
def deliver_webhook(job: dict[str, Any]) -> None:
    """One delivery attempt; on failure the job is re-queued with exponential delay."""
    import urllib3
    from standardwebhooks.webhooks import Webhook

    from chalicelib.secrets import get_secret

    settings = get_settings()
    body = json.dumps(job["event"], separators=(",", ":"), sort_keys=True)
    now = datetime.now(UTC)
    headers = {"content-type": "application/json", "webhook-id": str(job["event"]["id"]),
               "webhook-timestamp": str(int(now.timestamp())),
               "webhook-signature": Webhook(get_secret("OUTBOUND_WEBHOOK_SECRET")).sign(job["event"]["id"], now, body)}
    attempt = int(job.get("attempt", 1))
    try:
        status = urllib3.request("POST", settings.outbound_webhook_url, body=body.encode(), headers=headers,
                                 timeout=urllib3.Timeout(connect=5, read=15), retries=False).status
    except urllib3.exceptions.HTTPError as exc:
        status = 0
        logger.warning("webhook delivery failed", extra={"reason": type(exc).__name__, "attempt": attempt})
    if 200 <= status < 300 or status == 410:  # 410: the receiver asks us to stop
        return
    if attempt >= MAX_ATTEMPTS:
        logger.error("webhook delivery abandoned", extra={"event_id": job["event"]["id"], "status": status})
        return
    JobQueue(settings.jobs_queue_url).send({**job, "attempt": attempt + 1}, delay_s=min(900, 5 * 2**attempt))
