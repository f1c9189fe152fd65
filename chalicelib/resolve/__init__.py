"""Source resolution: turn a ready recording's media references into something
the media layer and the transfer engine can read (design §1, issue 6).

Each provider keeps its files its own way; `resolve` answers with one of:
- `Files`: file media in order (FLV, MP4, fMP4 segments), as `s3://` or `https://`;
- `Playlist`: one HLS playlist (`s3://` or `https://`) to remux;
- `Waiting`: we asked the provider to prepare the media; its webhook resumes us.
A provider that is still preparing raises `NotReadyError` (the job is deferred).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chalicelib.errors import GiveUpError


@dataclass(frozen=True)
class Files:
    locations: tuple[str, ...]
    keep_names: tuple[str, ...] = ()  # names under `source/` when the original is kept


@dataclass(frozen=True)
class Playlist:
    location: str
    duration_s: float | None = None  # what the provider says, to size the remux


@dataclass(frozen=True)
class Waiting:
    """Ask the provider (`request`) once the wait is recorded, so its webhook can never
    come before the catalog knows we are waiting for it."""

    reason: str
    request: Callable[[], None] = lambda: None


Resolution = Files | Playlist | Waiting


def resolve(facts: dict[str, Any], item: dict[str, Any]) -> Resolution:
    """The readable source of a ready recording (`facts`: its last event's data;
    `item`: its catalog entry)."""
    provider = facts["provider"]
    if provider == "mux":
        from chalicelib.resolve.mux import resolve_mux

        return resolve_mux(facts, item)
    if provider == "cloudflare":
        from chalicelib.resolve.cloudflare import resolve_cloudflare

        return resolve_cloudflare(facts)
    if provider == "ivs":
        from chalicelib.resolve.ivs import resolve_ivs

        return resolve_ivs(facts)
    from chalicelib.resolve.ingest import resolve_ingest

    return resolve_ingest(provider, facts, item)


def s3_media(facts: dict[str, Any]) -> list[dict[str, Any]]:
    """The recording's media references that live in S3."""
    return [m for m in facts.get("media", []) if str(m.get("location", "")).startswith("s3://")]


def no_media(facts: dict[str, Any]) -> GiveUpError:
    recording = facts.get("recording") or {}
    return GiveUpError("no media this pipeline can read", detail=str(recording.get("id", "")))
