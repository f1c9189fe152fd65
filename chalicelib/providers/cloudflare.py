"""Cloudflare Stream (providers.md §2): two channels, two formats.

- Stream video webhook: `Webhook-Signature: time=…,sig1=…`, body is the video
  object; a `ready` (or `error`) video with `liveInput` is a live recording.
- Notifications (live inputs): the secret verbatim in `cf-webhook-auth`;
  `data.event_type` is `live_input.connected|disconnected|errored`.
Neither carries an event id, so ids are hashes of the identifying fields.
"""

from __future__ import annotations

import re
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
    event_id,
    recording_id,
)
from chalicelib.providers.base import (
    Context,
    InboundRequest,
    JsonWebhook,
    Normalized,
    SignedJsonWebhook,
    build_event,
    default_answer,
)
from chalicelib.providers.fields import number, optional, require_text
from chalicelib.verify import TimestampedHmac, verify_shared_secret

SIGNATURE = TimestampedHmac(header="webhook-signature", timestamp_key="time", signature_key="sig1")
_FRACTION = re.compile(r"(\.\d{6})\d+")  # RFC 3339 with nanoseconds -> microseconds for fromisoformat

TEST_MESSAGE = "test notification"
_LIVE_INPUT_TYPES = {
    "live_input.connected": EventType.STREAM_STARTED,
    "live_input.disconnected": EventType.STREAM_ENDED,
    "live_input.errored": EventType.STREAM_ENDED,
}


def _source(ctx: Context) -> str:
    return f"/cloudflare-stream/{ctx.account(Provider.CLOUDFLARE)}"


class CloudflareStreamAdapter(SignedJsonWebhook):
    provider = Provider.CLOUDFLARE
    secret_name = "CLOUDFLARE_STREAM_WEBHOOK_SECRET"
    signature = SIGNATURE

    def archive_id(self, payload: dict[str, Any], request: InboundRequest) -> str:
        return self._event_id(payload)

    def normalize(self, payload: dict[str, Any], request: InboundRequest, ctx: Context) -> Normalized:
        uid = require_text(payload, "uid")
        state = require_text(payload, "status.state")
        live_input = optional(payload, "liveInput", str)
        if not live_input or state not in ("ready", "error"):
            return Normalized.ignore(f"video {state}{'' if live_input else ' (not a live recording)'}")
        duration = number(payload, "duration")
        recording = RecordingRef(
            id=recording_id("cloudflare", uid), provider_ids={"video_uid": uid, "live_input": live_input},
            started_at=optional(payload, "created", str),
            duration_s=duration if duration is not None and duration >= 0 else None,
        )
        playback = {k: v for k, v in (optional(payload, "playback", dict) or {}).items() if isinstance(v, str)}
        ready = state == "ready"
        return Normalized.of(build_event(
            provider=self.provider, event_type=EventType.RECORDING_READY if ready else EventType.RECORDING_FAILED,
            event_id=self._event_id(payload), source=_source(ctx),
            time=optional(payload, "modified", str) or ctx.received_at, ctx=ctx,
            stream=StreamRef(id=live_input), recording=recording, playback=playback,
            media=(MediaRef(MediaKind.HLS, playback["hls"], Container.HLS),) if ready and "hls" in playback else (),
            error=None if ready else _video_error(payload),
        ))

    @staticmethod
    def _event_id(payload: dict[str, Any]) -> str:
        return event_id("cloudflare-stream", require_text(payload, "uid"), optional(payload, "modified", str) or "",
                        optional(payload, "status.state", str) or "")


def _video_error(payload: dict[str, Any]) -> ErrorInfo:
    # The docs spell these both ways (errorReasonCode / errReasonCode).
    code = optional(payload, "status.errorReasonCode", str) or optional(payload, "status.errReasonCode", str)
    text = optional(payload, "status.errorReasonText", str) or optional(payload, "status.errReasonText", str)
    return ErrorInfo(code=code or "ERR_UNKNOWN", message=text or "video processing failed")


class CloudflareLiveAdapter(JsonWebhook):
    provider = Provider.CLOUDFLARE
    secret_name = "CLOUDFLARE_NOTIFICATIONS_SECRET"

    def authenticate(self, request: InboundRequest, secrets: list[str], now: float) -> None:
        verify_shared_secret(request.headers.get("cf-webhook-auth"), secrets, "cf-webhook-auth")

    def archive_id(self, payload: dict[str, Any], request: InboundRequest) -> str:
        return request.body_sha256

    def normalize(self, payload: dict[str, Any], request: InboundRequest, ctx: Context) -> Normalized:
        if not isinstance(payload.get("data"), dict):
            if str(payload.get("text", "")).startswith("Hello World"):
                return Normalized.ignore(TEST_MESSAGE)
            require_text(payload, "data.event_type")  # raises: a real notification without data
        kind = require_text(payload, "data.event_type")
        if kind not in _LIVE_INPUT_TYPES:
            return Normalized.ignore(kind)
        input_id = require_text(payload, "data.input_id")
        updated = optional(payload, "data.updated_at", str)
        when = _FRACTION.sub(r"\1", updated) if updated else optional(payload, "ts", int) or ctx.received_at
        error = None
        if kind == "live_input.errored":
            error = ErrorInfo(code=optional(payload, "data.live_input_errored.error.code", str) or "ERR_UNKNOWN",
                              message=optional(payload, "data.live_input_errored.error.message", str) or kind)
        return Normalized.of(build_event(
            provider=self.provider, event_type=_LIVE_INPUT_TYPES[kind],
            event_id=event_id("cloudflare-live", input_id, kind, updated or str(payload.get("ts", ""))),
            source=_source(ctx), time=when, ctx=ctx, stream=StreamRef(id=input_id), error=error,
        ))

    def answer(self, result: Normalized) -> tuple[int, Any]:
        if result.ignored == TEST_MESSAGE:  # "Save and Test" must see a plain success
            return 200, {"status": "ok"}
        return default_answer(result)
