"""The `recording-event` job: apply a normalized event to its recording's state,
and start processing when it becomes ready."""

from __future__ import annotations

from typing import Any

from chalicelib.catalog.recordings import Recordings
from chalicelib.catalog.states import TARGET, Status
from chalicelib.errors import GiveUpError
from chalicelib.events import Container, Provider, RecordingEvent
from chalicelib.observability import bind, logger
from chalicelib.pipeline.jobs import register
from chalicelib.pipeline.process import process_job
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
    recordings = Recordings(settings.catalog_table)
    recording_id = event.data.recording.id
    moved = recordings.move(event, target)
    segments = session_segments(event)
    if segments:
        recordings.add_segments(recording_id, segments)
        _warn_if_late(recordings.get(recording_id), segments)
    logger.info("recording moved" if moved else "late or duplicate event: recording unchanged",
                extra={"type": event.type.short, "target": str(target)})
    if target is not Status.READY:
        return
    if moved:
        JobQueue(settings.jobs_queue_url).send(process_job(recording_id), delay_s=_settle_s(event))
    elif recordings.take_waiting(recording_id):
        # The provider finished what we asked for (a Mux static rendition, master access);
        # only the first such webhook wakes the job.
        JobQueue(settings.jobs_queue_url).send(process_job(recording_id))


def session_segments(event: RecordingEvent) -> list[str]:
    """The fMP4 segments a MediaMTX session event carries (joined when the session ends)."""
    if event.data.provider is not Provider.MEDIAMTX or event.data.recording is None:
        return []
    if "session" not in event.data.recording.provider_ids:
        return []
    return [m.location for m in event.data.media if m.container is Container.FMP4]


def _settle_s(event: RecordingEvent) -> int:
    """A MediaMTX session's last segment may be uploaded just after the session ends."""
    if event.data.provider is Provider.MEDIAMTX and event.data.recording and \
            "session" in event.data.recording.provider_ids:
        return min(900, get_settings().mediamtx_settle_s)
    return 0


def _warn_if_late(item: dict[str, Any] | None, segments: list[str]) -> None:
    """A segment that comes after its session was joined is kept in the catalog but not in
    the archive's MP4: say so loudly (the contrib script waits for uploads to avoid it)."""
    if item and item.get("status") in (Status.ARCHIVING, Status.ARCHIVED, Status.PROCESSED):
        from chalicelib.observability import count

        logger.warning("segment arrived after its session was joined", extra={"segments": segments,
                                                                               "status": item["status"]})
        count("LateSegments")
