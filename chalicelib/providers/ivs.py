"""AWS IVS through EventBridge (providers.md §3), and the IVS recording
bucket's `events/recording-*.json` objects (the authoritative "ready").

The recording id is derived from the S3 bucket and key prefix, which both the
`Recording End` event and the `recording-ended.json` object name, so the two
land on the same recording.
"""

from __future__ import annotations

from typing import Any

from chalicelib.events import (
    Container,
    ErrorInfo,
    EventType,
    MediaKind,
    MediaRef,
    Provider,
    RecordingRef,
    StreamRef,
    recording_id,
)
from chalicelib.providers.base import Context, Normalized, build_event
from chalicelib.providers.fields import number, optional, require_text

RECORDING_STATE = "IVS Recording State Change"
STREAM_STATE = "IVS Stream State Change"
ENDED_OBJECT, FAILED_OBJECT = "/events/recording-ended.json", "/events/recording-failed.json"

_RECORDING_STATUS = {
    "Recording Start": EventType.RECORDING_STARTED,
    "Recording End": EventType.RECORDING_READY,
    "Recording Start Failure": EventType.RECORDING_FAILED,
    "Recording End Failure": EventType.RECORDING_FAILED,
}
_STREAM_EVENTS = {
    "Stream Start": EventType.STREAM_STARTED,
    "Stream End": EventType.STREAM_ENDED,
    "Stream Failure": EventType.STREAM_ENDED,
}


def ivs_recording(bucket: str, prefix: str, **ids: str) -> RecordingRef:
    return RecordingRef(id=recording_id("ivs", f"{bucket}/{prefix.strip('/')}"),
                        provider_ids={"s3_prefix": prefix.strip("/"), **ids})


def master_playlist(bucket: str, prefix: str) -> MediaRef:
    # The real playlist path is in recording-ended.json; media/hls/master.m3u8 is
    # where IVS puts it today, and the pipeline reads the JSON before fetching.
    return MediaRef(MediaKind.HLS, f"s3://{bucket}/{prefix.strip('/')}/media/hls/master.m3u8", Container.HLS)


def _envelope(envelope: dict[str, Any], ctx: Context) -> dict[str, Any]:
    return {
        "provider": Provider.IVS,
        "event_id": require_text(envelope, "id"),
        "source": f"/aws-ivs/{require_text(envelope, 'account')}/{require_text(envelope, 'region')}",
        "time": require_text(envelope, "time"),
        "ctx": ctx,
    }


def _channel(envelope: dict[str, Any]) -> str | None:
    resources = envelope.get("resources")
    return str(resources[0]) if isinstance(resources, list) and resources else None


def normalize_ivs(envelope: dict[str, Any], ctx: Context) -> Normalized:
    detail_type = require_text(envelope, "detail-type")
    if detail_type == RECORDING_STATE:
        return _recording_state(envelope, ctx)
    if detail_type == STREAM_STATE:
        return _stream_state(envelope, ctx)
    return Normalized.ignore(detail_type)


def _recording_state(envelope: dict[str, Any], ctx: Context) -> Normalized:
    status = require_text(envelope, "detail.recording_status")
    if status not in _RECORDING_STATUS:
        return Normalized.ignore(status)
    event_type = _RECORDING_STATUS[status]
    bucket = require_text(envelope, "detail.recording_s3_bucket_name")
    prefix = optional(envelope, "detail.recording_s3_key_prefix", str) or ""
    session = optional(envelope, "detail.recording_session_id", str) or ""
    if not prefix and not session:
        require_text(envelope, "detail.recording_s3_key_prefix")  # raises, naming the field
    duration_ms = number(envelope, "detail.recording_duration_ms")
    recording = ivs_recording(bucket, prefix or f"session/{session}", recording_session_id=session)
    if duration_ms:
        recording = RecordingRef(id=recording.id, provider_ids=recording.provider_ids, duration_s=duration_ms / 1000)
    reason = optional(envelope, "detail.recording_status_reason", str) or status
    stream = optional(envelope, "detail.stream_id", str)
    return Normalized.of(build_event(
        event_type=event_type, **_envelope(envelope, ctx),
        stream=StreamRef(id=stream, key=optional(envelope, "detail.channel_name", str) or None,
                         channel=_channel(envelope)),
        recording=recording,
        media=(master_playlist(bucket, prefix),) if event_type is EventType.RECORDING_READY and prefix else (),
        error=ErrorInfo(code="recording_failure", message=reason) if event_type is EventType.RECORDING_FAILED else None,
    ))


def _stream_state(envelope: dict[str, Any], ctx: Context) -> Normalized:
    name = require_text(envelope, "detail.event_name")
    if name not in _STREAM_EVENTS:
        return Normalized.ignore(name)
    error = None
    if name == "Stream Failure":
        error = ErrorInfo(code=optional(envelope, "detail.code", str) or "stream_failure",
                          message=optional(envelope, "detail.reason", str) or name)
    return Normalized.of(build_event(
        event_type=_STREAM_EVENTS[name], **_envelope(envelope, ctx),
        stream=StreamRef(id=require_text(envelope, "detail.stream_id"),
                         key=optional(envelope, "detail.channel_name", str) or None, channel=_channel(envelope)),
        error=error,
    ))


def normalize_ivs_object(envelope: dict[str, Any], bucket: str, key: str, ctx: Context) -> Normalized:
    """`…/events/recording-ended.json` → ready, `…/recording-failed.json` → failed."""
    for suffix, event_type in ((ENDED_OBJECT, EventType.RECORDING_READY), (FAILED_OBJECT, EventType.RECORDING_FAILED)):
        if key.endswith(suffix):
            prefix = key[: -len(suffix)]
            failed = event_type is EventType.RECORDING_FAILED
            return Normalized.of(build_event(
                event_type=event_type, **_envelope(envelope, ctx),
                recording=ivs_recording(bucket, prefix),
                media=() if failed else (master_playlist(bucket, prefix),),
                error=ErrorInfo(code="recording_failed", message=f"s3://{bucket}/{key}") if failed else None,
            ))
    return Normalized.ignore("IVS object that is not a recording event")
