"""Media that the provider (or our upload scripts) put into our own buckets:
nginx-rtmp and SRS FLV, Agora MP4 or HLS, MediaMTX fMP4 segments."""

from __future__ import annotations

import posixpath
import time
from typing import Any

from chalicelib.errors import NotReadyError
from chalicelib.events import rfc3339
from chalicelib.resolve import Files, Playlist, Resolution, no_media, s3_media
from chalicelib.settings import get_settings


def resolve_ingest(provider: str, facts: dict[str, Any], item: dict[str, Any]) -> Resolution:
    if provider == "mediamtx" and item.get("segments"):
        return _segments(item["segments"])
    media = s3_media(facts)
    files = [m["location"] for m in media if m.get("container") != "hls"]
    if files:
        return Files(tuple(files), tuple(posixpath.basename(f) for f in files))
    if media:
        return Playlist(media[0]["location"], (facts.get("recording") or {}).get("duration_s"))
    if provider == "mediamtx":
        raise NotReadyError("session ended before its segments were announced", delay_s=60)
    raise no_media(facts)


def _segments(segments: Any) -> Files:
    """A session's segments in recording order: MediaMTX names them by start time."""
    ordered = sorted(segments, key=posixpath.basename)
    return Files(tuple(ordered), tuple(posixpath.basename(s) for s in ordered))


def agora_may_still_arrive(ready_at: str | None, now: float | None = None) -> bool:
    """Event 32 says the files went to Agora's backup storage first: they may reach
    our bucket hours later, so a missing file is only final after the grace period."""
    if not ready_at:
        return False
    age = (now if now is not None else time.time()) - _epoch(ready_at)
    return age < get_settings().agora_backup_grace_s


def _epoch(moment: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(rfc3339(moment).replace("Z", "+00:00")).timestamp()
