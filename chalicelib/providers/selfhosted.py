"""What nginx-rtmp, SRS and MediaMTX hooks share (providers.md §5).

None of them signs anything, so every hook carries `HOOK_TOKEN` (the `token`
query parameter or `Authorization: Bearer`). Their recordings reach us through
the ingest bucket under `{server}/{app}/{stream}/{file name}` (the contrib
upload scripts); the hook and the S3 event both name that key, so both give the
same recording id and the same `recording.ready` event id, and deduplicate.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from chalicelib.errors import BadRequestError
from chalicelib.events import (
    Container,
    EventType,
    MediaKind,
    MediaRef,
    Provider,
    RecordingEvent,
    RecordingRef,
    StreamRef,
    event_id,
    recording_id,
)
from chalicelib.providers.base import (
    Context,
    InboundRequest,
    Normalized,
    build_event,
    check_content_type,
    default_answer,
    parse_json_object,
)
from chalicelib.verify import verify_shared_secret

FORM = "application/x-www-form-urlencoded"
JSON_OR_FORM = ("application/json", FORM)

SERVERS = (Provider.NGINX_RTMP, Provider.SRS, Provider.MEDIAMTX)
_CONTAINERS = {".flv": Container.FLV, ".ts": Container.TS, ".m3u8": Container.HLS}


def authenticate_hook(request: InboundRequest, secrets: list[str]) -> None:
    authorization = request.headers.get("authorization", "")
    bearer = authorization[7:].strip() if authorization.lower().startswith("bearer ") else None
    verify_shared_secret(bearer or request.query.get("token"), secrets, "token query parameter or Bearer token")


def parse_form(request: InboundRequest) -> dict[str, str]:
    check_content_type(request, (FORM,))
    try:
        return dict(parse_qsl(request.body.decode(), keep_blank_values=True, strict_parsing=bool(request.body)))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadRequestError("body is not form-encoded", detail=str(exc)[:200]) from None


def parse_json_or_form(request: InboundRequest) -> dict[str, Any]:
    """Servers send JSON; the contrib upload script sends a form (curl --data-urlencode)."""
    check_content_type(request, JSON_OR_FORM)
    return parse_json_object(request.body) if request.content_type == "application/json" else parse_form(request)


def ingest_object(payload: dict[str, Any], server: Provider, app: str, stream: str, file_name: str) -> IngestObject:
    """The object a hook names: its explicit `key` (from relay-upload) or the one its fields imply."""
    key = payload.get("key")
    if key is None:
        return IngestObject(server, app, stream, file_name)
    obj = IngestObject.from_key(str(key))
    if obj is None or obj.server is not server:
        raise BadRequestError("key is not {server}/{app}/{stream}/{file} of this server", detail="key")
    return obj


class ServerHook:
    """What the self-hosted servers' hooks share: the token, JSON-or-form bodies,
    archive ids, and the default answer."""

    secret_name = "HOOK_TOKEN"

    def authenticate(self, request: InboundRequest, secrets: list[str], now: float) -> None:
        authenticate_hook(request, secrets)

    def parse(self, request: InboundRequest) -> dict[str, Any]:
        return parse_json_or_form(request)

    def archive_id(self, payload: dict[str, Any], request: InboundRequest) -> str:
        # Hooks carry no id and are never retried: identical bodies at different times are different calls.
        return f"{int(request.received_at * 1000)}-{request.body_sha256[:16]}"

    def answer(self, result: Normalized) -> tuple[int, Any]:
        return default_answer(result)


SESSION_DIR = "session-"


@dataclass(frozen=True)
class IngestObject:
    """A recording file in the ingest bucket, `{server}/{app}/{stream}/{file name}`;
    a MediaMTX session's segments sit one level down, in `session-{id}/`."""

    server: Provider
    app: str
    stream: str
    file_name: str
    session: str = ""

    @property
    def key(self) -> str:
        folder = f"{SESSION_DIR}{self.session}" if self.session else ""
        return "/".join(p for p in (str(self.server), self.app, self.stream, folder, self.file_name) if p)

    @property
    def identity(self) -> str:
        return f"{self.app}/{self.stream}/{self.session + '/' if self.session else ''}{self.file_name}"

    @classmethod
    def from_key(cls, key: str) -> IngestObject | None:
        parts = key.split("/")
        if len(parts) < 3 or parts[0] not in {str(s) for s in SERVERS} or not all(parts[-2:]):
            return None
        if parts[0] == Provider.MEDIAMTX and len(parts) >= 4 and parts[-2].startswith(SESSION_DIR) \
                and len(parts[-2]) > len(SESSION_DIR):
            return cls(Provider.MEDIAMTX, "/".join(parts[1:-3]), parts[-3], parts[-1],
                       session=parts[-2][len(SESSION_DIR):])
        return cls(Provider(parts[0]), "/".join(parts[1:-2]), parts[-2], parts[-1])


def container_of(file_name: str, provider: Provider) -> Container:
    extension = posixpath.splitext(file_name)[1].lower()
    if extension in (".mp4", ".m4s"):
        return Container.FMP4 if provider is Provider.MEDIAMTX else Container.MP4
    return _CONTAINERS.get(extension, Container.FLV)


def file_event(obj: IngestObject, ctx: Context, time: Any, duration_s: float | None = None,
               size: int | None = None) -> RecordingEvent:
    """The one event both the hook and the S3 event of a file produce: a ready
    recording, or one more segment of a MediaMTX session."""
    if obj.session:
        return segment_added(obj, ctx, time, duration_s, size)
    return recording_ready(obj, ctx, time, duration_s, size)


def session_recording(provider: Provider, app: str, stream: str, session: str) -> RecordingRef:
    return RecordingRef(id=recording_id(str(provider), f"{app}/{stream}/{SESSION_DIR}{session}"),
                        provider_ids={"session": session})


def _stream_ref(app: str, stream: str) -> StreamRef:
    return StreamRef(id=f"{app}/{stream}" if app else stream, key=stream)


def segment_added(obj: IngestObject, ctx: Context, time: Any, duration_s: float | None = None,
                  size: int | None = None) -> RecordingEvent:
    """A finished segment of a session: announces the session's recording and carries the segment."""
    provider = obj.server
    return build_event(
        provider=provider, event_type=EventType.RECORDING_STARTED,
        event_id=event_id(str(provider), "segment", obj.identity),
        source=f"/{provider}/{ctx.ingest_bucket}", time=time, ctx=ctx, stream=_stream_ref(obj.app, obj.stream),
        recording=session_recording(provider, obj.app, obj.stream, obj.session),
        media=(MediaRef(MediaKind.S3, f"s3://{ctx.ingest_bucket}/{obj.key}", container_of(obj.file_name, provider),
                        size=size),),
    )


def session_ended(provider: Provider, app: str, stream: str, session: str, ctx: Context,
                  time: Any) -> RecordingEvent:
    """The session is over: its recording is ready once its segments are in (the pipeline joins them)."""
    return build_event(
        provider=provider, event_type=EventType.RECORDING_READY,
        event_id=event_id(str(provider), "session.ended", app, stream, session),
        source=f"/{provider}/{ctx.ingest_bucket}", time=time, ctx=ctx, stream=_stream_ref(app, stream),
        recording=session_recording(provider, app, stream, session),
    )


def recording_ready(obj: IngestObject, ctx: Context, time: Any, duration_s: float | None = None,
                    size: int | None = None) -> RecordingEvent:
    """A whole recording in one file."""
    provider = obj.server
    return build_event(
        provider=provider, event_type=EventType.RECORDING_READY,
        event_id=event_id(str(provider), "recording.ready", obj.identity),
        source=f"/{provider}/{ctx.ingest_bucket}", time=time, ctx=ctx,
        stream=StreamRef(id=f"{obj.app}/{obj.stream}" if obj.app else obj.stream, key=obj.stream),
        recording=RecordingRef(id=recording_id(str(provider), obj.identity),
                               provider_ids={"file": obj.file_name}, duration_s=duration_s),
        media=(MediaRef(MediaKind.S3, f"s3://{ctx.ingest_bucket}/{obj.key}", container_of(obj.file_name, provider),
                        size=size),),
    )


def stream_event(provider: Provider, event_type: EventType, app: str, stream: str, client: str,
                 request: InboundRequest, ctx: Context) -> RecordingEvent:
    """`stream.started` / `stream.ended` from a publish / unpublish hook."""
    return build_event(
        provider=provider, event_type=event_type,
        event_id=event_id(str(provider), str(event_type), app, stream, client, str(int(request.received_at))),
        source=f"/{provider}/{ctx.ingest_bucket}", time=request.received_at, ctx=ctx,
        stream=StreamRef(id=f"{app}/{stream}" if app else stream, key=stream),
    )
