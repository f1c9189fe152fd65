"""Mux Video webhooks (providers.md §1).

`mux-signature: t=…,v1=…` over `"{t}.{raw body}"`; the envelope `id` is the
event id and `created_at` its time. The asset id is the recording.
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
    rfc3339,
)
from chalicelib.providers.base import Context, InboundRequest, Normalized, SignedJsonWebhook, build_event
from chalicelib.providers.fields import number, optional, require, require_text
from chalicelib.verify import TimestampedHmac

SIGNATURE = TimestampedHmac(header="mux-signature", timestamp_key="t", signature_key="v1")
STREAM_HOST = "https://stream.mux.com"

_LIVE_STREAM_TYPES = {
    "video.live_stream.connected": EventType.STREAM_STARTED,
    "video.live_stream.recording": EventType.RECORDING_STARTED,
    "video.live_stream.idle": EventType.STREAM_ENDED,
}
_READY_TYPES = {
    "video.asset.live_stream_completed",
    "video.asset.static_renditions.ready",
    "video.asset.master.ready",
}


class MuxAdapter(SignedJsonWebhook):
    provider = Provider.MUX
    secret_name = "MUX_WEBHOOK_SECRET"
    signature = SIGNATURE

    def archive_id(self, payload: dict[str, Any], request: InboundRequest) -> str:
        return require_text(payload, "id")

    def normalize(self, payload: dict[str, Any], request: InboundRequest, ctx: Context) -> Normalized:
        kind = require_text(payload, "type")
        if kind in _LIVE_STREAM_TYPES:
            return Normalized.of(self._live_stream_event(payload, _LIVE_STREAM_TYPES[kind], ctx))
        if kind in _READY_TYPES:
            if optional(payload, "data.live_stream_id", str) is None:
                return Normalized.ignore(f"{kind} (not a live recording)")
            return Normalized.of(self._asset_event(payload, EventType.RECORDING_READY, ctx))
        if kind == "video.asset.static_rendition.ready":
            return Normalized.of(self._rendition_ready(payload, ctx))
        if kind == "video.asset.errored" and optional(payload, "data.live_stream_id", str) is not None:
            return Normalized.of(self._asset_event(payload, EventType.RECORDING_FAILED, ctx))
        return Normalized.ignore(kind)

    def _common(self, payload: dict[str, Any], ctx: Context) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "event_id": require_text(payload, "id"),
            "source": f"/mux/environments/{require_text(payload, 'environment.id')}",
            "time": require_text(payload, "created_at"),
            "ctx": ctx,
        }

    def _live_stream_event(self, payload: dict[str, Any], event_type: EventType, ctx: Context) -> Any:
        live_stream = require_text(payload, "data.id")
        asset = optional(payload, "data.active_asset_id", str)
        return build_event(
            event_type=event_type, **self._common(payload, ctx),
            stream=StreamRef(id=live_stream),
            recording=RecordingRef(id=recording_id("mux", asset), provider_ids={"asset_id": asset,
                                                                                "live_stream_id": live_stream})
            if asset else None,
            playback=_playback(_public_playback_id(require(payload, "data", dict))),
        )

    def _asset_event(self, payload: dict[str, Any], event_type: EventType, ctx: Context) -> Any:
        asset = require(payload, "data", dict)
        asset_id = require_text(asset, "id")
        playback_id = _public_playback_id(asset)
        error = None
        if event_type is EventType.RECORDING_FAILED:
            messages = optional(asset, "errors.messages", list) or []
            error = ErrorInfo(code=optional(asset, "errors.type", str) or "errored",
                              message="; ".join(str(m) for m in messages) or "asset errored")
        return build_event(
            event_type=event_type, **self._common(payload, ctx),
            stream=StreamRef(id=optional(asset, "live_stream_id", str)),
            recording=_recording(asset, asset_id),
            media=_asset_media(asset, playback_id) if event_type is EventType.RECORDING_READY else (),
            playback=_playback(playback_id),
            error=error,
        )

    def _rendition_ready(self, payload: dict[str, Any], ctx: Context) -> Any:
        # The rendition payload names its asset but carries no playback id, so no
        # URL: the pipeline resolves the download through the asset.
        asset_id = require_text(payload, "data.asset_id")
        return build_event(
            event_type=EventType.RECORDING_READY, **self._common(payload, ctx),
            recording=RecordingRef(id=recording_id("mux", asset_id), provider_ids={
                "asset_id": asset_id, "static_rendition": require_text(payload, "data.name")}),
        )


def _recording(asset: dict[str, Any], asset_id: str) -> RecordingRef:
    ids = {"asset_id": asset_id}
    live_stream = optional(asset, "live_stream_id", str)
    if live_stream:
        ids["live_stream_id"] = live_stream
    duration = number(asset, "duration")
    times = optional(asset, "recording_times", list) or []
    started = number(times[0], "started_at.seconds") if times and isinstance(times[0], dict) else None
    return RecordingRef(
        id=recording_id("mux", asset_id), provider_ids=ids,
        started_at=rfc3339(started) if started is not None else None,
        ended_at=rfc3339(started + duration) if started is not None and duration is not None else None,
        duration_s=duration,
    )


def _public_playback_id(obj: dict[str, Any]) -> str | None:
    for playback in optional(obj, "playback_ids", list) or []:
        if isinstance(playback, dict) and playback.get("policy") == "public" and playback.get("id"):
            return str(playback["id"])
    return None


def _playback(playback_id: str | None) -> dict[str, str]:
    return {"hls": f"{STREAM_HOST}/{playback_id}.m3u8"} if playback_id else {}


def _asset_media(asset: dict[str, Any], playback_id: str | None) -> tuple[MediaRef, ...]:
    media: list[MediaRef] = []
    master_url = optional(asset, "master.url", str)
    if optional(asset, "master.status", str) == "ready" and master_url:
        media.append(MediaRef(MediaKind.HTTP, master_url, Container.MP4, rendition="master"))
    for file in optional(asset, "static_renditions.files", list) or [] if playback_id else []:
        if not isinstance(file, dict) or file.get("status") != "ready" or not file.get("name"):
            continue
        size = number(file, "filesize")
        media.append(MediaRef(MediaKind.HTTP, f"{STREAM_HOST}/{playback_id}/{file['name']}", Container.MP4,
                              size=int(size) if size is not None else None, rendition=str(file["name"])))
    return tuple(media)
