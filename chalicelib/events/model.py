"""RecordingEvent: a CloudEvents 1.0 structured-JSON event, the one schema
downstream code sees. Plain frozen dataclasses (not pydantic) so the webhook
path builds events without a heavy import; `schema.validate` checks the wire form.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from chalicelib.events.types import Container, EventType, MediaKind, Provider, Via

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"


_CANONICAL = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def rfc3339(moment: datetime | float | int | str) -> str:
    """Normalize a timestamp to RFC 3339 UTC with millisecond precision and `Z`."""
    if isinstance(moment, str):
        if _CANONICAL.fullmatch(moment):
            return moment
        moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    elif isinstance(moment, bool):
        raise ValueError("timestamp is a boolean")
    elif not isinstance(moment, datetime):
        moment = datetime.fromtimestamp(float(moment), tz=UTC)
    if moment.tzinfo is None:
        raise ValueError("timestamp has no timezone")
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _compact(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


@dataclass(frozen=True)
class StreamRef:
    id: str | None = None
    key: str | None = None
    channel: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return _compact(self.__dict__)


@dataclass(frozen=True)
class RecordingRef:
    id: str
    provider_ids: dict[str, str] = field(default_factory=dict)
    started_at: str | None = None
    ended_at: str | None = None
    duration_s: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return _compact({**self.__dict__, "provider_ids": dict(self.provider_ids)})


@dataclass(frozen=True)
class MediaRef:
    kind: MediaKind
    location: str
    container: Container
    size: int | None = None
    rendition: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return _compact({**self.__dict__, "kind": str(self.kind), "container": str(self.container)})


@dataclass(frozen=True)
class ErrorInfo:
    code: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class EventData:
    provider: Provider
    via: Via
    stream: StreamRef = field(default_factory=StreamRef)
    recording: RecordingRef | None = None
    media: tuple[MediaRef, ...] = ()
    playback: dict[str, str] = field(default_factory=dict)
    error: ErrorInfo | None = None
    raw: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return _compact({
            "provider": str(self.provider),
            "via": str(self.via),
            "stream": self.stream.to_dict(),
            "recording": self.recording.to_dict() if self.recording else None,
            "media": [m.to_dict() for m in self.media],
            "playback": dict(self.playback),
            "error": self.error.to_dict() if self.error else None,
            "raw": self.raw,
        })

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EventData:
        recording = data.get("recording")
        error = data.get("error")
        return cls(
            provider=Provider(data["provider"]),
            via=Via(data["via"]),
            stream=StreamRef(**data.get("stream", {})),
            recording=RecordingRef(**recording) if recording else None,
            media=tuple(
                MediaRef(**{**m, "kind": MediaKind(m["kind"]), "container": Container(m["container"])})
                for m in data.get("media", [])
            ),
            playback=dict(data.get("playback", {})),
            error=ErrorInfo(**error) if error else None,
            raw=data.get("raw"),
        )


@dataclass(frozen=True)
class RecordingEvent:
    """One fact about a stream or a recording, in CloudEvents 1.0 form."""

    id: str
    source: str
    type: EventType
    subject: str
    time: str
    data: EventData
    specversion: str = SPEC_VERSION
    datacontenttype: str = CONTENT_TYPE

    def __post_init__(self) -> None:
        object.__setattr__(self, "type", EventType(self.type))
        object.__setattr__(self, "time", rfc3339(self.time))

    @property
    def recording_id(self) -> str | None:
        return self.data.recording.id if self.data.recording else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "specversion": self.specversion,
            "id": self.id,
            "source": self.source,
            "type": str(self.type),
            "subject": self.subject,
            "time": self.time,
            "datacontenttype": self.datacontenttype,
            "data": self.data.to_dict(),
        }

    def to_json(self) -> str:
        return self._json

    @functools.cached_property
    def _json(self) -> str:
        # Serialized once: the size check, the history item and the job all use it.
        return json.dumps(self.to_dict(), separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_dict(cls, event: dict[str, Any]) -> RecordingEvent:
        """Parse the wire form; raises `InvalidEventError` unless it matches the schema."""
        from chalicelib.events.schema import validate

        validate(event)
        return cls(
            id=event["id"],
            source=event["source"],
            type=EventType(event["type"]),
            subject=event["subject"],
            time=event["time"],
            data=EventData.from_dict(event["data"]),
            specversion=event["specversion"],
            datacontenttype=event.get("datacontenttype", CONTENT_TYPE),
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> RecordingEvent:
        return cls.from_dict(json.loads(text))
