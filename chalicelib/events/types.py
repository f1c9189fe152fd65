"""The closed vocabularies of the RecordingEvent schema."""

from __future__ import annotations

from enum import StrEnum

TYPE_PREFIX = "io.recordingrelay."


class EventType(StrEnum):
    STREAM_STARTED = TYPE_PREFIX + "stream.started"
    STREAM_ENDED = TYPE_PREFIX + "stream.ended"
    RECORDING_STARTED = TYPE_PREFIX + "recording.started"
    RECORDING_READY = TYPE_PREFIX + "recording.ready"
    RECORDING_FAILED = TYPE_PREFIX + "recording.failed"
    RECORDING_ARCHIVED = TYPE_PREFIX + "recording.archived"
    RECORDING_PROCESSED = TYPE_PREFIX + "recording.processed"

    @property
    def short(self) -> str:
        """`recording.ready` for `io.recordingrelay.recording.ready`."""
        return self.value.removeprefix(TYPE_PREFIX)


class Provider(StrEnum):
    MUX = "mux"
    CLOUDFLARE = "cloudflare"
    IVS = "ivs"
    AGORA = "agora"
    NGINX_RTMP = "nginx-rtmp"
    SRS = "srs"
    MEDIAMTX = "mediamtx"


class MediaKind(StrEnum):
    S3 = "s3"
    HTTP = "http"
    HLS = "hls"
    FILE = "file"


class Container(StrEnum):
    FLV = "flv"
    MP4 = "mp4"
    FMP4 = "fmp4"
    TS = "ts"
    HLS = "hls"


class Via(StrEnum):
    """How the event reached us."""

    WEBHOOK = "webhook"
    EVENTBRIDGE = "eventbridge"
    RECONCILE = "reconcile"
    REPLAY = "replay"
    PIPELINE = "pipeline"
