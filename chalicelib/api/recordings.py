"""The recordings query API: GET /recordings, GET /recordings/{id} (with presigned
archive URLs), GET /recordings/{id}/events and POST /recordings/{id}/retry."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import Any

from chalice.app import Request, Response

from chalicelib import clients
from chalicelib.api.auth import require_api_token
from chalicelib.api.events import _parsed
from chalicelib.api.events import parse_query as parse_event_query
from chalicelib.api.http import json_response
from chalicelib.catalog.events import MAX_KEY_TEXT, MAX_LIMIT, EventHistory
from chalicelib.catalog.recordings import RecordingQuery, Recordings
from chalicelib.catalog.states import Status
from chalicelib.errors import BadRequestError, ConflictError, NotFoundError
from chalicelib.events import Provider, rfc3339
from chalicelib.pipeline.layout import ArchiveLayout
from chalicelib.settings import get_settings

_INTERNAL = frozenset({"pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk", "rank"})
_NUMBERS = {"duration_s": float, "attempts": int}
# The archive's file names beside recording.mp4, as the layout names them.
_SAMPLE = ArchiveLayout("provider", "recording", "yyyy/mm/dd")
_BESIDE_MP4 = {kind: getattr(_SAMPLE, kind).removeprefix(_SAMPLE.prefix) for kind in ("poster", "sprite", "vtt")}


class NotFailedError(ConflictError):
    """Only a failed recording can be retried."""

    error = "conflict"


def parse_query(params: Mapping[str, str]) -> RecordingQuery:
    provider, stream, status = params.get("provider"), params.get("stream"), params.get("status")
    if provider is not None and provider not in {str(p) for p in Provider}:
        raise BadRequestError("unknown provider", detail="provider")
    if status is not None and status not in {str(s) for s in Status}:
        raise BadRequestError("unknown status", detail="status")
    if stream is not None and provider is None:
        raise BadRequestError("stream needs provider", detail="stream")
    if stream is not None and not 0 < len(stream.encode()) <= MAX_KEY_TEXT:
        raise BadRequestError("invalid stream", detail="stream")
    limit = _parsed(int, params.get("limit", "50"), "limit")
    if not 1 <= limit <= MAX_LIMIT:
        raise BadRequestError("limit out of range", detail=f"limit: 1..{MAX_LIMIT}")
    since = _parsed(rfc3339, params["since"], "since") if "since" in params else None
    return RecordingQuery(provider=provider, stream=stream, status=status, since=since, limit=limit,
                          cursor=params.get("cursor"))


def entry(item: Mapping[str, Any]) -> dict[str, Any]:
    """A catalog item as the API shows it: `id`, `facts` decoded, numbers as numbers, no index keys."""
    shown: dict[str, Any] = {"id": item["pk"]}
    for name, value in item.items():
        if name in _INTERNAL:
            continue
        if name == "facts":
            value = json.loads(value)
        elif name in _NUMBERS:
            value = _number(_NUMBERS[name], value)
        shown[name] = value
    return shown


def _number(kind: type[float] | type[int], value: Any) -> Any:
    try:
        return kind(value)
    except (TypeError, ValueError):
        return value


def archive_keys(item: Mapping[str, Any]) -> dict[str, str]:
    """The recording's objects in the Vultr archive that its status says exist."""
    mp4 = item.get("archive_key")
    if not mp4 or item.get("status") not in (Status.ARCHIVED, Status.PROCESSED):
        return {}
    keys = {"mp4": str(mp4)}
    if item["status"] == Status.PROCESSED:
        directory = str(mp4).rpartition("/")[0] + "/"
        if item.get("thumbnails") != "none":  # an audio-only recording has no poster, sprite or VTT
            keys.update({kind: directory + name for kind, name in _BESIDE_MP4.items()})
        keys["manifest"] = str(item.get("manifest_key") or directory + _SAMPLE.manifest.removeprefix(_SAMPLE.prefix))
    return keys


def urls(item: Mapping[str, Any], facts: Mapping[str, Any]) -> dict[str, Any]:
    settings = get_settings()
    found: dict[str, Any] = {}
    keys = archive_keys(item)
    if keys:
        with clients.unavailable_on_error("archive"):
            vultr = clients.vultr()
            for kind, key in keys.items():
                found[kind] = vultr.generate_presigned_url(
                    "get_object", Params={"Bucket": settings.vultr_bucket, "Key": key},
                    ExpiresIn=settings.presign_ttl_s)
    hls = (facts.get("playback") or {}).get("hls")
    if isinstance(hls, str) and hls:
        found["playback"] = {"hls": hls}
    return found


def _recordings() -> Recordings:
    return Recordings(get_settings().catalog_table)


def _existing(recording_id: str) -> dict[str, Any]:
    item = _recordings().get(recording_id) if len(recording_id.encode()) <= MAX_KEY_TEXT else None
    if item is None:
        raise NotFoundError("no such recording", detail=recording_id[:MAX_KEY_TEXT])
    return item


def list_recordings(request: Request) -> Response:
    require_api_token(request.headers)
    items, cursor = _recordings().page(parse_query(request.query_params or {}))
    return json_response({"recordings": [entry(item) for item in items], "next": cursor})


def get_recording(request: Request, recording_id: str) -> Response:
    require_api_token(request.headers)
    shown = entry(_existing(recording_id))
    shown["urls"] = urls(shown, shown.get("facts") or {})
    return json_response(shown)


def recording_events(request: Request, recording_id: str) -> Response:
    """The recording's event history, newest first, with the filters and paging of GET /events."""
    require_api_token(request.headers)
    query = parse_event_query({k: v for k, v in (request.query_params or {}).items() if k != "subject"})
    _existing(recording_id)
    events, cursor = EventHistory(get_settings().catalog_table).list(dataclasses.replace(query, subject=recording_id))
    return json_response({"events": events, "next": cursor})


def retry_recording(request: Request, recording_id: str) -> Response:
    """Send a failed recording through processing again: failed → ready, one more attempt.
    A `ready` one gets its job again, so a retry whose answer was lost (or whose job
    could not be queued) can simply be repeated; the worker's lease stops double work."""
    from chalicelib.pipeline.queue import JobQueue

    require_api_token(request.headers)
    item = _existing(recording_id)
    if not _recordings().retry(recording_id) and item["status"] != Status.READY:
        raise NotFailedError("only a failed recording can be retried", detail=f"status: {item['status']}")
    JobQueue(get_settings().jobs_queue_url).send({"kind": "process-recording", "recording_id": recording_id})
    return json_response({"recording_id": recording_id, "status": str(Status.READY)}, status_code=202)
