"""The `process-recording` job: from a ready recording to an archived, processed
one: MP4, poster, sprite, WebVTT and manifest in Vultr (design §4).

Order: resolve the source (per provider) → remux, or copy as-is when already a
faststart MP4 → upload → probe → poster, sprite, VTT → manifest → `archived`,
then `processed`. Every step is idempotent (deterministic keys, forward-only
states), so a redelivered job picks up where the last one stopped. A provider
still preparing the media defers the job (a delayed message, not a sleep).
"""

from __future__ import annotations

import contextlib
import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

from chalicelib.catalog.recordings import Recordings
from chalicelib.catalog.states import TERMINAL, Status
from chalicelib.errors import GiveUpError, NotReadyError, redact_urls
from chalicelib.events import ErrorInfo, EventType
from chalicelib.observability import logger
from chalicelib.pipeline.jobs import register
from chalicelib.pipeline.outbound import emit, own_event
from chalicelib.pipeline.queue import JobQueue
from chalicelib.settings import get_settings

DEFER_LIMIT_S = 24 * 3600  # a provider that has not prepared the media within a day will not


class ContinueLater(Exception):  # a signal, not a failure
    """A copy paused at the Lambda deadline with its checkpoint saved: run the job again."""


def process_job(recording_id: str, **extra: Any) -> dict[str, Any]:
    return {"kind": "process-recording", "recording_id": recording_id, **extra}


@register("process-recording")
def process_recording(job: dict[str, Any]) -> None:
    from chalicelib.resolve import Waiting, resolve

    recording_id = str(job.get("recording_id", ""))
    recordings = Recordings(get_settings().catalog_table)
    item = recordings.get(recording_id)
    if item is None:
        raise GiveUpError("no such recording", detail=recording_id)
    if item["status"] in TERMINAL:
        return  # a redelivery of finished work
    facts = json.loads(item["facts"])
    try:
        source = resolve(facts, item)
        if isinstance(source, Waiting):
            recordings.note(recording_id, waiting_for=source.reason)
            source.request()
            recordings.touch(recording_id)
            logger.info("waiting for the provider", extra={"recording_id": recording_id, "for": source.reason})
            return
        from chalicelib.pipeline.steps import archive_recording

        with _leased(recordings, recording_id):
            archive_recording(recordings, recording_id, item, facts, source)
    except NotReadyError as exc:
        _defer(job, exc)
        recordings.touch(recording_id)
    except ContinueLater:
        JobQueue(get_settings().jobs_queue_url).send({**job, "continued": int(job.get("continued", 0)) + 1})
        recordings.touch(recording_id)
    except GiveUpError as exc:
        fail(recordings, recording_id, facts, exc)
        raise


LEASE_S = 960  # the worker's 900 s and a margin: a crashed holder's lease runs out by itself


@contextlib.contextmanager
def _leased(recordings: Recordings, recording_id: str) -> Iterator[None]:
    """One worker archives a recording at a time (a re-drive, a second wake-up or a
    redelivery could otherwise run the same work twice); others come back later."""
    token = uuid.uuid4().hex
    if not recordings.lease(recording_id, token, LEASE_S):
        raise NotReadyError("another worker is archiving this recording", detail=recording_id, delay_s=60)
    try:
        yield
    finally:
        recordings.release(recording_id, token)


def fail(recordings: Recordings, recording_id: str, facts: dict[str, Any], exc: GiveUpError) -> None:
    reason = redact_urls(str(exc))[:1000]  # stored, served by the API and sent out: no credentials
    if recordings.advance(recording_id, Status.FAILED, last_error=reason):
        emit(own_event(EventType.RECORDING_FAILED, recording_id, facts,
                       error=ErrorInfo(code=type(exc).__name__, message=reason)))


def _defer(job: dict[str, Any], exc: NotReadyError) -> None:
    first = float(job.get("deferred_since", time.time()))
    if time.time() - first > DEFER_LIMIT_S:
        raise GiveUpError("the provider never prepared the media", detail=str(exc)) from exc
    logger.info("job deferred", extra={"reason": str(exc), "delay_s": exc.delay_s})
    settings = get_settings()
    JobQueue(settings.jobs_queue_url).send({**job, "deferred_since": first},
                                           delay_s=min(settings.defer_max_s, exc.delay_s))
