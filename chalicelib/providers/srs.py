"""SRS HTTP callbacks (providers.md §5.2): JSON `action` of `on_publish`,
`on_unpublish`, `on_dvr`. SRS wants HTTP 200 with `{"code": 0}` for success,
or it rejects the publisher, so every accepted call gets exactly that."""

from __future__ import annotations

import posixpath
from typing import Any

from chalicelib.events import EventType, Provider
from chalicelib.providers.base import Context, InboundRequest, Normalized
from chalicelib.providers.fields import require_text
from chalicelib.providers.selfhosted import ServerHook, ingest_object, recording_ready, stream_event

_STREAM_ACTIONS = {"on_publish": EventType.STREAM_STARTED, "on_unpublish": EventType.STREAM_ENDED}


class SrsAdapter(ServerHook):
    provider = Provider.SRS

    def normalize(self, payload: dict[str, Any], request: InboundRequest, ctx: Context) -> Normalized:
        action = require_text(payload, "action")
        app, stream = require_text(payload, "app"), require_text(payload, "stream")
        if action == "on_dvr":
            file_name = posixpath.basename(require_text(payload, "file"))
            obj = ingest_object(payload, self.provider, app, stream, file_name)
            return Normalized.of(recording_ready(obj, ctx, time=request.received_at))
        if action in _STREAM_ACTIONS:
            client = str(payload.get("client_id") or "")  # a string id since SRS 4, an integer before
            return Normalized.of(stream_event(self.provider, _STREAM_ACTIONS[action], app, stream, client,
                                              request, ctx))
        return Normalized.ignore(f"action {action}")

    def answer(self, result: Normalized) -> tuple[int, Any]:
        return 200, {"code": 0}
