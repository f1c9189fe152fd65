"""The `process-recording` job: from a ready recording whose media sits in S3 to
an archived, processed one: MP4, poster, sprite, WebVTT and manifest in Vultr.

Every step is idempotent (deterministic keys, forward-only states), so a
redelivered job picks up where the last one stopped. Sources that need a
provider API first (Mux, Cloudflare) are resolved by a later stage.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from chalicelib import clients
from chalicelib.catalog.recordings import Recordings
from chalicelib.catalog.states import Status
from chalicelib.errors import GiveUpError
from chalicelib.events import ErrorInfo, EventType
from chalicelib.observability import logger
from chalicelib.pipeline.jobs import register
from chalicelib.pipeline.layout import ArchiveLayout
from chalicelib.pipeline.outbound import emit, own_event
from chalicelib.settings import get_settings
from chalicelib.transfer.locations import split_bucket_key

TIMEOUT_S = 840.0
CONTENT_TYPES = {".jpg": "image/jpeg", ".vtt": "text/vtt", ".json": "application/json"}


def s3_media(facts: dict[str, Any]) -> list[dict[str, Any]]:
    """The recording's media references that live in S3 (what this job can read)."""
    return [m for m in facts.get("media", []) if str(m.get("location", "")).startswith("s3://")]


def process_job(recording_id: str) -> dict[str, str]:
    return {"kind": "process-recording", "recording_id": recording_id}


@register("process-recording")
def process_recording(job: dict[str, Any]) -> None:
    recording_id = str(job.get("recording_id", ""))
    recordings = Recordings(get_settings().catalog_table)
    item = recordings.get(recording_id)
    if item is None:
        raise GiveUpError("no such recording", detail=recording_id)
    if item["status"] in (Status.PROCESSED, Status.FAILED):
        return  # a redelivery of finished work
    try:
        _process(recordings, recording_id, item)
    except GiveUpError as exc:
        if recordings.advance(recording_id, Status.FAILED, last_error=str(exc)[:1000]):
            emit(own_event(EventType.RECORDING_FAILED, recording_id, json.loads(item["facts"]),
                           error=ErrorInfo(code=type(exc).__name__, message=str(exc)[:1000])))
        raise


def _process(recordings: Recordings, recording_id: str, item: dict[str, Any]) -> None:
    from chalicelib.media.operations import archive_mp4, make_poster, make_sprite, probe
    from chalicelib.transfer.destination import Destination
    from chalicelib.transfer.engine import TransferConfig
    from chalicelib.transfer.locations import transfer_client

    settings = get_settings()
    facts = json.loads(item["facts"])
    media = s3_media(facts)
    if not media:
        raise GiveUpError("no media this pipeline can read", detail=recording_id)
    recordings.advance(recording_id, Status.ARCHIVING)
    recording = facts.get("recording", {})
    layout = ArchiveLayout.of(facts["provider"], recording_id, recording.get("started_at") or item["created_at"])
    vultr = transfer_client(settings.transfer_workers)
    config = TransferConfig.from_settings(settings)
    with tempfile.TemporaryDirectory(prefix="relay-job-") as scratch:
        local = _fetch(media, Path(scratch), settings.ephemeral_budget_mb)
        destination = Destination(vultr, settings.vultr_bucket, layout.mp4)
        if media[0].get("container") == "hls":
            from chalicelib.media.operations import remux_hls_from_s3

            _, bucket, key = split_bucket_key(media[0]["location"])
            mp4 = str(Path(scratch) / "recording.mp4")
            remux_hls_from_s3(clients.aws("s3"), bucket, key, mp4, TIMEOUT_S)
            local = [mp4]
        archive_mp4(local, destination, identity=recording_id, budget_mb=settings.ephemeral_budget_mb,
                    timeout_s=TIMEOUT_S, scratch=scratch, config=config)
        archived_url = vultr.generate_presigned_url("get_object", ExpiresIn=3600,
                                                    Params={"Bucket": settings.vultr_bucket, "Key": layout.mp4})
        if recordings.advance(recording_id, Status.ARCHIVED, archive_key=layout.mp4):
            emit(own_event(EventType.RECORDING_ARCHIVED, recording_id, facts))
        info = probe(archived_url, TIMEOUT_S)
        make_poster(archived_url, info, str(Path(scratch) / "poster.jpg"))
        make_sprite(archived_url, info, str(Path(scratch) / "sprite.jpg"), str(Path(scratch) / "thumbnails.vtt"))
        manifest = {"recording_id": recording_id, "provider": facts["provider"], "stream": facts.get("stream", {}),
                    "recording": recording, "media": asdict(info),
                    "archive": {"mp4": layout.mp4, "poster": layout.poster, "sprite": layout.sprite,
                                "vtt": layout.vtt}}
        (Path(scratch) / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True))
        for name in ("poster.jpg", "sprite.jpg", "thumbnails.vtt", "manifest.json"):
            body = (Path(scratch) / name).read_bytes()
            vultr.put_object(Bucket=settings.vultr_bucket, Key=layout.key(name), Body=body,
                             ContentType=CONTENT_TYPES[os.path.splitext(name)[1]])
    if recordings.advance(recording_id, Status.PROCESSED, duration_s=f"{info.duration_s:.3f}",
                          manifest_key=layout.manifest):
        emit(own_event(EventType.RECORDING_PROCESSED, recording_id, facts))
    logger.info("recording processed", extra={"recording_id": recording_id, "duration_s": info.duration_s})


def _fetch(media: list[dict[str, Any]], scratch: Path, budget_mb: int) -> list[str]:
    """Local copies of file media within the budget; presigned URLs beyond it
    (FFmpeg then streams them and the remux streams into the archive)."""
    s3 = clients.aws("s3")
    files = [m for m in media if m.get("container") != "hls"]
    from chalicelib.media.budget import needs_streaming
    from chalicelib.transfer.retry import classify

    sources = []
    for index, ref in enumerate(files):
        _, bucket, key = split_bucket_key(ref["location"])
        try:
            size = s3.head_object(Bucket=bucket, Key=key)["ContentLength"]
            if needs_streaming(size, budget_mb):
                sources.append(s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key},
                                                         ExpiresIn=3600))
                continue
            path = scratch / f"source-{index}{os.path.splitext(key)[1]}"
            s3.download_file(bucket, key, str(path))
        except Exception as exc:
            raise classify(exc, ref["location"]) from exc
        sources.append(str(path))
    return sources
