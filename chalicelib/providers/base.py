"""What every provider adapter has in common: the inbound request, the
normalization context and result, and the adapter protocol."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from chalicelib.errors import BadRequestError, UnsupportedMediaTypeError
from chalicelib.events import (
    EventData,
    EventType,
    Provider,
    RecordingEvent,
    RecordingRef,
    StreamRef,
    Via,
    stream_id,
)
from chalicelib.verify import TimestampedHmac

# Normalized events go into one DynamoDB item and one SQS message; keep well under both limits.
MAX_EVENT_BYTES = 64 * 1024


@dataclass(frozen=True)
class InboundRequest:
    """A provider's HTTP request as received: raw bytes, lower-cased header names."""

    body: bytes
    headers: Mapping[str, str]
    query: Mapping[str, str]
    received_at: float

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()

    @property
    def body_sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()


@dataclass(frozen=True)
class Context:
    """Facts normalization needs beyond the payload (none of them secret)."""

    received_at: float
    raw: str | None = None
    via: Via = Via.WEBHOOK
    ingest_bucket: str = ""
    accounts: Mapping[str, str] = field(default_factory=dict)

    def account(self, provider: Provider, default: str = "default") -> str:
        return self.accounts.get(str(provider)) or default


@dataclass(frozen=True)
class Normalized:
    """The events a request yields; `ignored` says why when there are none."""

    events: tuple[RecordingEvent, ...] = ()
    ignored: str | None = None

    @classmethod
    def ignore(cls, what: str) -> Normalized:
        return cls(ignored=what)

    @classmethod
    def of(cls, *events: RecordingEvent) -> Normalized:
        return cls(events=events)


class WebhookAdapter(Protocol):
    """One provider's webhook or hook: authenticate, parse, normalize, answer."""

    @property
    def provider(self) -> Provider: ...

    @property
    def secret_name(self) -> str: ...

    def authenticate(self, request: InboundRequest, secrets: list[str], now: float) -> None: ...

    def parse(self, request: InboundRequest) -> Any: ...

    def archive_id(self, payload: Any, request: InboundRequest) -> str: ...

    def normalize(self, payload: Any, request: InboundRequest, ctx: Context) -> Normalized: ...

    def answer(self, result: Normalized) -> tuple[int, Any]: ...


class JsonWebhook:
    """What providers that POST JSON share: the content type, parsing, the answer."""

    content_types: tuple[str, ...] = ("application/json",)

    def parse(self, request: InboundRequest) -> dict[str, Any]:
        check_content_type(request, self.content_types)
        return parse_json_object(request.body)

    def answer(self, result: Normalized) -> tuple[int, Any]:
        return default_answer(result)


class SignedJsonWebhook(JsonWebhook):
    """A JSON webhook signed with a timestamped HMAC header."""

    signature: TimestampedHmac

    def authenticate(self, request: InboundRequest, secrets: list[str], now: float) -> None:
        self.signature.verify(request.body, request.headers.get(self.signature.header), secrets, now)


def check_content_type(request: InboundRequest, allowed: tuple[str, ...]) -> None:
    if request.content_type not in allowed:
        raise UnsupportedMediaTypeError("unsupported content type",
                                        detail=f"{request.content_type or '(none)'}; expected {' or '.join(allowed)}")


def parse_json_object(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequestError("body is not JSON", detail=str(exc)[:200]) from None
    if not isinstance(payload, dict):
        raise BadRequestError("body is not a JSON object", detail=type(payload).__name__)
    return payload


def default_answer(result: Normalized) -> tuple[int, Any]:
    """200 with the event ids, or 202 for a recognised event we do not act on."""
    if not result.events:
        return 202, {"status": "ignored", "reason": result.ignored or "nothing to do"}
    return 200, {"status": "accepted", "events": [e.id for e in result.events]}


def build_event(*, provider: Provider, event_type: EventType, event_id: str, source: str, time: Any,
                ctx: Context, stream: StreamRef | None = None, recording: RecordingRef | None = None,
                **data: Any) -> RecordingEvent:
    """A RecordingEvent whose subject is the recording, else the stream."""
    stream = stream or StreamRef()
    if recording is not None:
        subject = recording.id
    elif stream.id:
        subject = stream_id(str(provider), stream.id)
    else:
        raise BadRequestError("event names neither a recording nor a stream", detail="stream.id")
    try:
        event = RecordingEvent(
            id=event_id, source=source, type=event_type, subject=subject, time=time,
            data=EventData(provider=provider, via=ctx.via, stream=stream, recording=recording, raw=ctx.raw, **data),
        )
    except (ValueError, OverflowError, OSError) as exc:  # a timestamp we cannot read
        raise BadRequestError("invalid timestamp", detail=f"time: {str(exc)[:100]}") from None
    return event


def check_size(event: RecordingEvent) -> None:
    """Refuse an event that would not fit one catalog item and one job message."""
    if len(event.to_json()) > MAX_EVENT_BYTES:
        raise BadRequestError("event too large", detail=f"over {MAX_EVENT_BYTES} bytes once normalized")
