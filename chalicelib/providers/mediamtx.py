"""MediaMTX `runOnRecordSegmentComplete` (providers.md §5.3), sent by curl as
form or JSON: `path` (MTX_PATH), `segment` (MTX_SEGMENT_PATH), `duration`."""

from __future__ import annotations

import posixpath
from typing import Any

from chalicelib.events import Provider
from chalicelib.providers.base import Context, InboundRequest, Normalized, default_answer, parse_json_object
from chalicelib.providers.fields import number, require_text
from chalicelib.providers.nginx_rtmp import NginxRtmpAdapter
from chalicelib.providers.selfhosted import IngestObject, authenticate_hook, hook_archive_id, recording_ready

_FORM = NginxRtmpAdapter()


class MediaMtxAdapter:
    provider = Provider.MEDIAMTX
    secret_name = "HOOK_TOKEN"
    content_types = ("application/json", "application/x-www-form-urlencoded")

    def authenticate(self, request: InboundRequest, secrets: list[str], now: float) -> None:
        authenticate_hook(request, secrets)

    def parse(self, request: InboundRequest) -> dict[str, Any]:
        if request.content_type == "application/json":
            return parse_json_object(request.body)
        return _FORM.parse(request)  # checks the content type too

    def archive_id(self, payload: dict[str, Any], request: InboundRequest) -> str:
        return hook_archive_id(request)

    def normalize(self, payload: dict[str, Any], request: InboundRequest, ctx: Context) -> Normalized:
        path = require_text(payload, "path").strip("/")
        app, _, stream = path.rpartition("/")
        file_name = posixpath.basename(require_text(payload, "segment"))
        obj = IngestObject(self.provider, app, stream, file_name)
        duration = number(payload, "duration")
        return Normalized.of(recording_ready(obj, ctx, time=request.received_at, duration_s=duration))

    def answer(self, result: Normalized) -> tuple[int, Any]:
        return default_answer(result)
