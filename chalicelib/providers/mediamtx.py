"""MediaMTX hooks (providers.md §5.3), sent by curl as form or JSON.

- `runOnRecordSegmentComplete`: `path` (MTX_PATH), `segment` (MTX_SEGMENT_PATH),
  `duration`, and `session` when the contrib script tracks publishing sessions.
  With a session, each segment adds to the session's recording; without one, the
  segment is a recording of its own.
- `runOnNotReady` (`action=ended`, `path`, `session`): the session is over, so its
  recording is ready and the pipeline joins its segments in order.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import replace
from typing import Any

from chalicelib.errors import BadRequestError
from chalicelib.events import Provider
from chalicelib.providers.base import Context, InboundRequest, Normalized
from chalicelib.providers.fields import number, optional, require_text
from chalicelib.providers.selfhosted import ServerHook, file_event, ingest_object, session_ended

SESSION = re.compile(r"[A-Za-z0-9_.-]{1,64}")


class MediaMtxAdapter(ServerHook):
    provider = Provider.MEDIAMTX

    def normalize(self, payload: dict[str, Any], request: InboundRequest, ctx: Context) -> Normalized:
        path = require_text(payload, "path").strip("/")
        app, _, stream = path.rpartition("/")
        session = optional(payload, "session", str) or ""
        if session and not SESSION.fullmatch(session):
            raise BadRequestError("session is not 1-64 of [A-Za-z0-9_.-]", detail="session")
        if payload.get("action") == "ended":
            if not session:
                require_text(payload, "session")  # raises, naming the field
            return Normalized.of(session_ended(self.provider, app, stream, session, ctx, request.received_at))
        obj = ingest_object(payload, self.provider, app, stream, posixpath.basename(require_text(payload, "segment")))
        if session and not obj.session:
            obj = replace(obj, session=session)
        return Normalized.of(file_event(obj, ctx, time=request.received_at, duration_s=number(payload, "duration")))
