"""The `recording-event` job: apply a normalized event to its recording's state."""

from __future__ import annotations

from typing import Any

from chalicelib.catalog.recordings import Recordings
from chalicelib.catalog.states import TARGET, Status
from chalicelib.errors import GiveUpError
from chalicelib.events import RecordingEvent
from chalicelib.observability import bind, logger
from chalicelib.pipeline.jobs import register
from chalicelib.pipeline.process import process_job, s3_media
from chalicelib.pipeline.queue import JobQueue
from chalicelib.settings import get_settings


@register("recording-event")
def apply_recording_event(job: dict[str, Any]) -> None:
    if not isinstance(job.get("event"), dict):
        raise GiveUpError("recording-event job without an event", detail=str(job)[:200])
    event = RecordingEvent.from_dict(job["event"])  # validated against the schema; invalid is a give-up
    bind(event)
    target = TARGET.get(event.type)
    if target is None or event.data.recording is None:
        logger.debug("event with no recording state", extra={"type": event.type.short})
        return
    settings = get_settings()
    moved = Recordings(settings.catalog_table).move(event, target)
    logger.info("recording moved" if moved else "late or duplicate event: recording unchanged",
                extra={"type": event.type.short, "target": str(target)})
    if moved and target is Status.READY and s3_media(event.data.to_dict()):
        JobQueue(settings.jobs_queue_url).send(process_job(event.data.recording.id))
