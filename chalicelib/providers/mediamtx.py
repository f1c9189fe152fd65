"""MediaMTX `runOnRecordSegmentComplete` (providers.md §5.3), sent by curl as
form or JSON: `path` (MTX_PATH), `segment` (MTX_SEGMENT_PATH), `duration`."""

from __future__ import annotations

import posixpath
from typing import Any

from chalicelib.events import Provider
from chalicelib.providers.base import Context, InboundRequest, Normalized
from chalicelib.providers.fields import number, require_text
from chalicelib.providers.selfhosted import ServerHook, ingest_object, recording_ready


class MediaMtxAdapter(ServerHook):
    provider = Provider.MEDIAMTX

    def normalize(self, payload: dict[str, Any], request: InboundRequest, ctx: Context) -> Normalized:
        path = require_text(payload, "path").strip("/")
        app, _, stream = path.rpartition("/")
        file_name = posixpath.basename(require_text(payload, "segment"))
        obj = ingest_object(payload, self.provider, app, stream, file_name)
        duration = number(payload, "duration")
        return Normalized.of(recording_ready(obj, ctx, time=request.received_at, duration_s=duration))
