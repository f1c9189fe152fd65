"""The steps of `process-recording` once the source is resolved: fetch, archive
the MP4 (and the originals when KEEP_SOURCE), then derive and describe it."""

from __future__ import annotations

import json
import os
import posixpath
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from chalicelib import clients
from chalicelib.catalog.recordings import Recordings
from chalicelib.catalog.states import RANK, Status
from chalicelib.errors import NotReadyError
from chalicelib.events import EventType
from chalicelib.observability import logger
from chalicelib.pipeline.jobs import deadline_clock
from chalicelib.pipeline.layout import ArchiveLayout
from chalicelib.pipeline.outbound import emit, own_event
from chalicelib.resolve import Files, Playlist
from chalicelib.settings import get_settings
from chalicelib.transfer.locations import split_bucket_key

TIMEOUT_S = 840.0
CONTENT_TYPES = {".jpg": "image/jpeg", ".vtt": "text/vtt", ".json": "application/json"}
URL_TTL_S = 3600


def archive_recording(recordings: Recordings, recording_id: str, item: dict[str, Any], facts: dict[str, Any],
                      source: Files | Playlist) -> None:
    from chalicelib.transfer.locations import transfer_client

    settings = get_settings()
    recording = facts.get("recording") or {}
    layout = ArchiveLayout.of(facts["provider"], recording_id, recording.get("started_at") or item["created_at"])
    vultr = transfer_client(settings.transfer_workers)
    with tempfile.TemporaryDirectory(prefix="relay-job-") as scratch:
        local_mp4 = None
        if RANK[Status(item["status"])] < RANK[Status.ARCHIVED]:  # a redelivery after `archived` skips this
            recordings.advance(recording_id, Status.ARCHIVING)
            if settings.keep_source and isinstance(source, Files):
                keep_originals(source, layout, vultr)
            local_mp4 = _archive_mp4(source, layout, vultr, Path(scratch), item, recording_id)
            if recordings.advance(recording_id, Status.ARCHIVED, archive_key=layout.mp4):
                emit(own_event(EventType.RECORDING_ARCHIVED, recording_id, facts))
        info = derive(layout, vultr, Path(scratch), recording_id, facts, local_mp4)
    thumbnails = "none" if info.video_codec is None else "made"
    if recordings.advance(recording_id, Status.PROCESSED, duration_s=f"{info.duration_s:.3f}",
                          manifest_key=layout.manifest, thumbnails=thumbnails):
        emit(own_event(EventType.RECORDING_PROCESSED, recording_id, facts, playback=facts.get("playback")))
    logger.info("recording processed", extra={"recording_id": recording_id, "duration_s": info.duration_s})


def _archive_mp4(source: Files | Playlist, layout: ArchiveLayout, vultr: Any, scratch: Path,
                 item: dict[str, Any], recording_id: str) -> str | None:
    """Archive the MP4; returns its local copy when one is still on disk."""
    from chalicelib.media.operations import archive_mp4
    from chalicelib.transfer.destination import Destination
    from chalicelib.transfer.engine import TransferConfig

    settings = get_settings()
    destination = Destination(vultr, settings.vultr_bucket, layout.mp4)
    config = TransferConfig.from_settings(settings)
    started = time.monotonic()
    if isinstance(source, Playlist) and _too_big(source, settings.ephemeral_budget_mb):
        from chalicelib.media.operations import Archived, stream_to_archive

        size = stream_to_archive([_media_playlist(source.location, scratch)], destination, identity=recording_id,
                                 timeout_s=TIMEOUT_S, hls_playlist=True, config=config)
        done = Archived("streamed", size, None)
    else:
        if isinstance(source, Playlist):
            local = [_remux_playlist(source.location, str(scratch / "recording.mp4"), scratch)]
        else:
            local = fetch(source, scratch, settings.ephemeral_budget_mb, item)
        done = archive_mp4(local, destination, identity=recording_id, budget_mb=settings.ephemeral_budget_mb,
                           timeout_s=TIMEOUT_S, scratch=str(scratch), config=config)
    from chalicelib.observability import count

    count("CopyMBps", done.size / 1e6 / max(time.monotonic() - started, 1e-3), unit="Megabytes/Second")
    logger.info("recording archived", extra={"how": done.how, "bytes": done.size})
    return done.local_mp4


def derive(layout: ArchiveLayout, vultr: Any, scratch: Path, recording_id: str, facts: dict[str, Any],
           local_mp4: str | None = None) -> Any:
    """Probe the archived MP4, then poster, sprite, VTT and manifest beside it. The
    local copy when it is still on disk (the very bytes archived), else the archive
    through a presigned URL (FFmpeg reads only what it needs)."""
    from chalicelib.media.operations import make_poster, make_sprite, probe

    settings = get_settings()
    url = local_mp4 or vultr.generate_presigned_url("get_object", ExpiresIn=URL_TTL_S,
                                                    Params={"Bucket": settings.vultr_bucket, "Key": layout.mp4})
    info = probe(url, TIMEOUT_S)
    archive = {"mp4": layout.mp4, "manifest": layout.manifest}
    if info.video_codec is not None:  # audio-only recordings get no pictures
        make_poster(url, info, str(scratch / "poster.jpg"))
        make_sprite(url, info, str(scratch / "sprite.jpg"), str(scratch / "thumbnails.vtt"))
        archive.update(poster=layout.poster, sprite=layout.sprite, vtt=layout.vtt)
    manifest = {"recording_id": recording_id, "provider": facts["provider"], "stream": facts.get("stream", {}),
                "recording": facts.get("recording") or {}, "playback": facts.get("playback", {}),
                "media": asdict(info), "status": str(Status.PROCESSED), "archive": archive}
    (scratch / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True))
    for name in [k.rsplit("/", 1)[1] for kind, k in archive.items() if kind != "mp4"]:
        vultr.put_object(Bucket=settings.vultr_bucket, Key=layout.key(name), Body=(scratch / name).read_bytes(),
                         ContentType=CONTENT_TYPES[os.path.splitext(name)[1]])
    return info


def fetch(source: Files, scratch: Path, budget_mb: int, item: dict[str, Any]) -> list[str]:
    """Local copies of the files when all of them (and a same-size output) fit the
    budget; else URLs for every one (FFmpeg streams them into the archive)."""
    from chalicelib.media.budget import needs_streaming

    readers = [_open(location, item) for location in source.locations]
    if needs_streaming(sum(r.size for r in readers), budget_mb):
        return [_readable_url(location) for location in source.locations]
    inputs = []
    for index, (location, reader) in enumerate(zip(source.locations, readers, strict=True)):
        path = scratch / f"source-{index}{_extension(location)}"
        _download(location, reader, path)
        inputs.append(str(path))
    return inputs


def _open(location: str, item: dict[str, Any]) -> Any:
    """The source's reader (its size known); an Agora file still in backup storage is waited for."""
    from chalicelib.transfer.errors import SourceGoneError
    from chalicelib.transfer.locations import open_source

    try:
        return open_source(location)
    except SourceGoneError as exc:
        if item.get("provider") == "agora":
            from chalicelib.resolve.ingest import agora_may_still_arrive

            if agora_may_still_arrive(item.get("created_at")):
                raise NotReadyError("Agora file not in the bucket yet (backup storage)", detail=location,
                                    delay_s=300) from exc
        raise


def _download(location: str, reader: Any, path: Path) -> None:
    import shutil

    from chalicelib.transfer.retry import classify

    if location.startswith("s3://"):
        _, bucket, key = split_bucket_key(location)
        try:
            clients.aws("s3").download_file(bucket, key, str(path))
        except Exception as exc:
            raise classify(exc, location) from exc
    else:
        with reader.stream() as body, open(path, "wb") as out:
            shutil.copyfileobj(body, out, 1024 * 1024)
    if path.stat().st_size != reader.size:
        from chalicelib.transfer.errors import TruncatedReadError

        raise TruncatedReadError("source shorter than announced", detail=f"{path.stat().st_size} of {reader.size}")


def _readable_url(location: str) -> str:
    if location.startswith("s3://"):
        _, bucket, key = split_bucket_key(location)
        return str(clients.aws("s3").generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key},
                                                            ExpiresIn=URL_TTL_S))
    return location  # already checked by the SSRF guard when it was opened


def _extension(location: str) -> str:
    return posixpath.splitext(location.split("?", 1)[0])[1] or ".bin"


# HLS sizes are not listed anywhere: assume up to 8 Mb/s (1 MB a second) to decide.
HLS_BYTES_PER_S = 1_000_000


def _too_big(source: Playlist, budget_mb: int) -> bool:
    """Whether the remuxed MP4 (and its copy) might not fit the ephemeral budget."""
    from chalicelib.media.budget import needs_streaming

    return source.duration_s is not None and needs_streaming(int(source.duration_s * HLS_BYTES_PER_S), budget_mb)


def _media_playlist(location: str, scratch: Path) -> str:
    """What FFmpeg reads: for S3, a local copy of the best rendition's playlist with
    presigned segment URLs; for a provider URL, its best media playlist's URL."""
    from chalicelib.media.operations import presigned_media_playlist

    if location.startswith("s3://"):
        _, bucket, key = split_bucket_key(location)
        return presigned_media_playlist(clients.aws("s3"), bucket, key, scratch, URL_TTL_S)
    return _media_playlist_url(location)


def _remux_playlist(location: str, output: str, scratch: Path) -> str:
    from chalicelib.media.operations import remux_playlist_to_mp4

    remux_playlist_to_mp4(_media_playlist(location, scratch), output, TIMEOUT_S)
    return output


def _media_playlist_url(url: str) -> str:
    """A provider's HLS URL (master or media), checked by the SSRF guard; FFmpeg reads the media playlist."""
    from urllib.parse import urljoin

    from chalicelib.media import hls
    from chalicelib.transfer.locations import open_source

    reader = open_source(url)
    with reader.stream() as body:
        text = body.read(4 * 1024 * 1024).decode("utf-8", "replace")
    return urljoin(url, hls.best_variant(text)) if hls.is_master(text) else url


def keep_originals(source: Files, layout: ArchiveLayout, vultr: Any) -> None:
    """KEEP_SOURCE: the originals under `source/`, copied by the resumable engine
    (server-side when the stores allow it); a deadline pause re-runs the job."""
    from chalicelib.pipeline.process import ContinueLater
    from chalicelib.transfer.checkpoint import DynamoCheckpoints
    from chalicelib.transfer.destination import Destination
    from chalicelib.transfer.engine import Copier, Status, TransferConfig
    from chalicelib.transfer.locations import open_source

    settings = get_settings()
    for location, name in zip(source.locations, source.keep_names, strict=True):
        copier = Copier(open_source(location, settings.transfer_workers),
                        Destination(vultr, settings.vultr_bucket, layout.key(f"source/{name}")),
                        DynamoCheckpoints(settings.catalog_table), config=TransferConfig.from_settings(settings),
                        remaining_s=deadline_clock())
        if copier.run().status is Status.CONTINUE:
            raise ContinueLater(location)
