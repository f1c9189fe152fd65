"""Signed provider requests, as each provider would send them, with fresh ids."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from chalicelib.providers.agora import SIGNATURE as AGORA_SIGNATURE
from chalicelib.providers.cloudflare import SIGNATURE as CLOUDFLARE_SIGNATURE
from chalicelib.providers.mux import SIGNATURE as MUX_SIGNATURE
from tests.providers.conftest import fixture

JSON, FORM = "application/json", "application/x-www-form-urlencoded"


@dataclass
class ProviderRequest:
    path: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    payload: Any = None


def _json(payload: Any) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode()


def mux(secrets: dict[str, str], payload: Any = None, now: int | None = None) -> ProviderRequest:
    payload = payload or {**fixture("mux", "live_stream_completed"), "id": str(uuid.uuid4())}
    body = _json(payload)
    stamp = int(time.time()) if now is None else now
    return ProviderRequest("/webhooks/mux", body, {
        "content-type": JSON, "mux-signature": MUX_SIGNATURE.sign(body, secrets["MUX_WEBHOOK_SECRET"], stamp)}, payload)


def cloudflare(secrets: dict[str, str], payload: Any = None, now: int | None = None) -> ProviderRequest:
    payload = payload or {**fixture("cloudflare", "video_ready_live"), "uid": uuid.uuid4().hex}
    body = _json(payload)
    stamp = int(time.time()) if now is None else now
    header = CLOUDFLARE_SIGNATURE.sign(body, secrets["CLOUDFLARE_STREAM_WEBHOOK_SECRET"], stamp)
    return ProviderRequest("/webhooks/cloudflare", body, {"content-type": JSON, "webhook-signature": header}, payload)


def cloudflare_live(secrets: dict[str, str], payload: Any = None, now: int | None = None) -> ProviderRequest:
    if payload is None:
        payload = fixture("cloudflare", "live_connected")
        payload["data"]["input_id"] = uuid.uuid4().hex
    return ProviderRequest("/webhooks/cloudflare-live", _json(payload), {
        "content-type": JSON, "cf-webhook-auth": secrets["CLOUDFLARE_NOTIFICATIONS_SECRET"]}, payload)


def agora(secrets: dict[str, str], payload: Any = None, now: int | None = None) -> ProviderRequest:
    if payload is None:  # a fresh notification; a given payload is sent exactly as given
        payload = fixture("agora", "uploaded")
        payload["noticeId"] = str(uuid.uuid4())
        payload["payload"]["sid"] = uuid.uuid4().hex
        payload["notifyMs"] = int((time.time() if now is None else now) * 1000)
    body = _json(payload)
    return ProviderRequest("/webhooks/agora", body, {
        "content-type": JSON, **AGORA_SIGNATURE.sign(body, secrets["AGORA_NCS_SECRET"])}, payload)


def _hook_headers(secrets: dict[str, str], content_type: str) -> dict[str, str]:
    return {"content-type": content_type, "authorization": f"Bearer {secrets['HOOK_TOKEN']}"}


def nginx_rtmp(secrets: dict[str, str], payload: Any = None, now: int | None = None) -> ProviderRequest:
    payload = payload or {"app": "live", "flashver": "FMLE/3.0", "tcurl": "rtmp://ingest.example.com/live",
                          "addr": "203.0.113.7", "clientid": "42", "call": "record_done", "recorder": "",
                          "name": "stream-abc", "path": f"/var/rec/stream-abc-{uuid.uuid4().hex}.flv"}
    return ProviderRequest("/hooks/nginx-rtmp", urlencode(payload).encode(), _hook_headers(secrets, FORM), payload)


def srs(secrets: dict[str, str], payload: Any = None, now: int | None = None) -> ProviderRequest:
    payload = payload or {**fixture("hooks", "srs_on_dvr"), "file": f"./objs/live/cam-7.{uuid.uuid4().hex}.flv"}
    return ProviderRequest("/hooks/srs", _json(payload), _hook_headers(secrets, JSON), payload)


def mediamtx(secrets: dict[str, str], payload: Any = None, now: int | None = None) -> ProviderRequest:
    payload = payload or {"path": "studio/cam1", "segment": f"./recordings/studio/cam1/{uuid.uuid4().hex}.mp4",
                          "duration": "12.5"}
    return ProviderRequest("/hooks/mediamtx", _json(payload), _hook_headers(secrets, JSON), payload)


BUILDERS: dict[str, Callable[..., ProviderRequest]] = {
    "mux": mux, "cloudflare": cloudflare, "cloudflare-live": cloudflare_live, "agora": agora,
    "nginx-rtmp": nginx_rtmp, "srs": srs, "mediamtx": mediamtx,
}
