"""Agora Cloud Recording notifications (NCS, providers.md §4).

`Agora-Signature-V2` (HMAC-SHA256, hex, raw body), else `Agora-Signature`
(HMAC-SHA1). No timestamp is signed, so a `notifyMs` older than 24 h is refused.
`noticeId` is the event id, `payload.sid` the recording. Always answer JSON.
"""

from __future__ import annotations

import hashlib
from typing import Any

from chalicelib.errors import UnauthorizedError
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
from chalicelib.providers.base import Context, InboundRequest, JsonWebhook, Normalized, build_event
from chalicelib.providers.fields import number, optional, require, require_text
from chalicelib.verify import BodyHmac

SIGNATURE = BodyHmac(headers=(("agora-signature-v2", hashlib.sha256), ("agora-signature", hashlib.sha1)))
MAX_NOTIFY_AGE_S = 24 * 3600

RECORDER_STARTED, RECORDER_LEAVE, UPLOADED, BACKUPED, SESSION_EXIT, ERROR = 40, 41, 31, 32, 11, 1
FATAL_ERROR_LEVEL = 5


class AgoraAdapter(JsonWebhook):
    provider = Provider.AGORA
    secret_name = "AGORA_NCS_SECRET"

    def authenticate(self, request: InboundRequest, secrets: list[str], now: float) -> None:
        SIGNATURE.verify(request.body, dict(request.headers), secrets)

    def parse(self, request: InboundRequest) -> dict[str, Any]:
        payload = super().parse(request)
        notify_ms = number(payload, "notifyMs")
        if notify_ms is not None and notify_ms / 1000 < request.received_at - MAX_NOTIFY_AGE_S:
            # The signature covers no timestamp, so staleness is the only replay guard.
            raise UnauthorizedError("notification too old", detail="notifyMs older than 24 h")
        return payload

    def archive_id(self, payload: dict[str, Any], request: InboundRequest) -> str:
        return require_text(payload, "noticeId")

    def normalize(self, payload: dict[str, Any], request: InboundRequest, ctx: Context) -> Normalized:
        kind = require(payload, "eventType", int)
        details = optional(payload, "payload.details", dict) or {}
        if kind in (UPLOADED, BACKUPED) and (optional(details, "fileList", list) or []) != []:
            return Normalized.of(self._event(payload, EventType.RECORDING_READY, ctx,
                                             media=_media(details, ctx.ingest_bucket)))
        if kind == RECORDER_STARTED:
            return Normalized.of(self._event(payload, EventType.RECORDING_STARTED, ctx))
        if kind == RECORDER_LEAVE:
            return Normalized.of(self._event(payload, EventType.STREAM_ENDED, ctx))
        if kind == SESSION_EXIT and optional(details, "exitStatus", int) not in (None, 0):
            error = ErrorInfo(code="session_exit_abnormal", message="recording session exited abnormally")
            return Normalized.of(self._event(payload, EventType.RECORDING_FAILED, ctx, error=error))
        if kind == ERROR and optional(details, "errorLevel", int) == FATAL_ERROR_LEVEL:
            error = ErrorInfo(code=str(details.get("errorCode", "error")), message=str(details.get("errorMsg", "")))
            return Normalized.of(self._event(payload, EventType.RECORDING_FAILED, ctx, error=error))
        return Normalized.ignore(f"eventType {kind}")

    def answer(self, result: Normalized) -> tuple[int, Any]:
        return 200, {"code": 0, "status": "ignored" if not result.events else "accepted"}

    def _event(self, payload: dict[str, Any], event_type: EventType, ctx: Context, **data: Any) -> Any:
        sid = require_text(payload, "payload.sid")
        cname = require_text(payload, "payload.cname")
        sent_ms = number(payload, "payload.sendts") or number(payload, "notifyMs") or ctx.received_at * 1000
        return build_event(
            provider=self.provider, event_type=event_type, event_id=require_text(payload, "noticeId"),
            source=f"/agora/{ctx.account(Provider.AGORA)}", time=sent_ms / 1000, ctx=ctx,
            stream=StreamRef(id=cname, channel=cname),
            recording=RecordingRef(id=recording_id("agora", sid), provider_ids={"sid": sid}),
            **data,
        )


def _media(details: dict[str, Any], bucket: str) -> tuple[MediaRef, ...]:
    """MP4 files first (ready to copy), then HLS playlists (to remux)."""
    files = [f for f in details["fileList"] if isinstance(f, dict) and isinstance(f.get("fileName"), str)]
    refs = [MediaRef(MediaKind.S3, f"s3://{bucket}/{f['fileName']}", Container.MP4, rendition=f.get("trackType"))
            for f in files if f["fileName"].endswith(".mp4")]
    refs += [MediaRef(MediaKind.HLS, f"s3://{bucket}/{f['fileName']}", Container.HLS, rendition=f.get("trackType"))
             for f in files if f["fileName"].endswith(".m3u8")]
    return tuple(refs)
