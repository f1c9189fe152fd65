"""AWS IVS: read the recording's `events/recording-ended.json` and remux the
highest rendition's HLS (providers.md §3.4: never hard-code rendition paths)."""

from __future__ import annotations

import json
from typing import Any

from chalicelib import clients
from chalicelib.errors import GiveUpError, NotReadyError
from chalicelib.resolve import Playlist, Resolution
from chalicelib.settings import get_settings
from chalicelib.transfer.locations import split_bucket_key

ENDED = "events/recording-ended.json"


def highest_rendition_key(prefix: str, ended: dict[str, Any]) -> str:
    """The media playlist key of the tallest rendition in a recording-ended.json; pure."""
    hls = (ended.get("media") or {}).get("hls") or {}
    renditions = [r for r in hls.get("renditions") or [] if isinstance(r, dict) and r.get("path")]
    if not renditions:
        raise GiveUpError("recording-ended.json lists no rendition", detail=prefix)
    best = max(renditions, key=lambda r: (int(r.get("resolution_height") or 0), int(r.get("resolution_width") or 0)))
    parts = (prefix.strip("/"), str(hls.get("path") or "media/hls").strip("/"), str(best["path"]).strip("/"),
             str(best.get("playlist") or "playlist.m3u8"))
    return "/".join(p for p in parts if p)


def resolve_ivs(facts: dict[str, Any]) -> Resolution:
    recording = facts.get("recording") or {}
    prefix = (recording.get("provider_ids") or {}).get("s3_prefix", "")
    media = [m["location"] for m in facts.get("media", []) if str(m.get("location", "")).startswith("s3://")]
    bucket = split_bucket_key(media[0])[1] if media else get_settings().ivs_bucket
    if not prefix or prefix.startswith("session/"):
        raise GiveUpError("IVS recording without its S3 prefix", detail=str(recording.get("id")))
    ended = _read_json(bucket, f"{prefix}/{ENDED}")
    if ended.get("recording_status") == "RECORDING_ENDED_WITH_FAILURE":
        raise GiveUpError("IVS recording ended with a failure",
                          detail=str(ended.get("recording_status_message") or prefix))
    duration_ms = ((ended.get("media") or {}).get("hls") or {}).get("duration_ms")
    return Playlist(f"s3://{bucket}/{highest_rendition_key(prefix, ended)}",
                    float(duration_ms) / 1000 if duration_ms else None)


def _read_json(bucket: str, key: str) -> dict[str, Any]:
    from botocore.exceptions import ClientError

    from chalicelib.transfer.retry import classify

    try:
        body = clients.aws("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            # EventBridge may announce the end before IVS writes the JSON.
            raise NotReadyError("recording-ended.json not written yet", detail=key, delay_s=30) from None
        raise classify(exc, f"s3://{bucket}/{key}") from exc
    try:
        answer: dict[str, Any] = json.loads(body)
    except ValueError:
        raise GiveUpError("recording-ended.json is not JSON", detail=key) from None
    return answer
