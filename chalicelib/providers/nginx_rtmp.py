"""nginx-rtmp-module notify hooks (providers.md §5.1): form-encoded POSTs
`call=publish|publish_done|record_done`; `record_done` is the recording."""

from __future__ import annotations

import posixpath
from typing import Any

from chalicelib.events import EventType, Provider
from chalicelib.providers.base import Context, InboundRequest, Normalized
from chalicelib.providers.fields import optional, require_text
from chalicelib.providers.selfhosted import ServerHook, ingest_object, parse_form, recording_ready, stream_event

_STREAM_CALLS = {"publish": EventType.STREAM_STARTED, "publish_done": EventType.STREAM_ENDED}


class NginxRtmpAdapter(ServerHook):
    provider = Provider.NGINX_RTMP

    def parse(self, request: InboundRequest) -> dict[str, Any]:
        return parse_form(request)  # nginx-rtmp only ever sends a form

    def normalize(self, payload: dict[str, str], request: InboundRequest, ctx: Context) -> Normalized:
        call = require_text(payload, "call")
        app, name = require_text(payload, "app"), require_text(payload, "name")
        if call == "record_done":
            file_name = posixpath.basename(require_text(payload, "path"))
            obj = ingest_object(payload, self.provider, app, name, file_name)
            return Normalized.of(recording_ready(obj, ctx, time=request.received_at))
        if call in _STREAM_CALLS:
            client = optional(payload, "clientid", str) or ""
            return Normalized.of(stream_event(self.provider, _STREAM_CALLS[call], app, name, client, request, ctx))
        return Normalized.ignore(f"call {call}")
