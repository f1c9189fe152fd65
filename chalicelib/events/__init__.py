"""The RecordingEvent schema: model, vocabularies, ids and the shipped JSON Schema."""

from chalicelib.events.ids import event_id, recording_id, stream_id
from chalicelib.events.model import (
    ErrorInfo,
    EventData,
    MediaRef,
    RecordingEvent,
    RecordingRef,
    StreamRef,
    rfc3339,
)
from chalicelib.events.types import Container, EventType, MediaKind, Provider, Via

__all__ = [
    "Container", "ErrorInfo", "EventData", "EventType", "MediaKind", "MediaRef", "Provider",
    "RecordingEvent", "RecordingRef", "StreamRef", "Via",
    "event_id", "recording_id", "rfc3339", "stream_id",
]
