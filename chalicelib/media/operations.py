"""Media operations: the runner applied to the pure command builders."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from chalicelib.media import commands, hls
from chalicelib.media.binary import ffmpeg
from chalicelib.media.errors import BadMediaError, MediaError
from chalicelib.media.mp4 import is_faststart
from chalicelib.media.probe import MediaInfo, parse_header, parse_last_time
from chalicelib.media.runner import check_segments, failure_detail, published, run, run_streaming, workspace
from chalicelib.media.thumbnails import SpritePlan, plan_sprite, poster_times, webvtt


def probe(source: str, timeout_s: float = 60.0, exact: bool = True) -> MediaInfo:
    """Header facts, with the duration measured by reading every packet when `exact`."""
    if os.path.exists(source) and os.path.getsize(source) == 0:
        raise BadMediaError("empty media file", detail=source)
    info = parse_header(run(commands.header_probe(ffmpeg(), source), timeout_s, allow_failure=True).stderr)
    if exact:
        measured = parse_last_time(run(commands.exact_duration(ffmpeg(), source), timeout_s).stderr)
        if measured:
            info = replace(info, duration_s=measured)
    return info


def to_faststart_mp4(source: str, output: str, timeout_s: float) -> tuple[str, MediaInfo]:
    """A faststart MP4 for one input: the input itself when it already is one
    (nothing written), else a stream-copy remux into `output`."""
    if is_faststart(source):
        info = probe(source, timeout_s)
        if info.container.startswith("mov,mp4"):
            return source, info
    return output, remux_to_mp4([source], output, timeout_s)


def remux_to_mp4(sources: list[str], output: str, timeout_s: float) -> MediaInfo:
    """Stream-copy one input, or segments in order, into a faststart MP4 at `output`.
    Written under a temporary name and renamed, so no partial MP4 is ever left."""
    for source in sources:
        if not os.path.exists(source) or os.path.getsize(source) == 0:
            raise BadMediaError("missing or empty input", detail=source)
    with workspace() as tmp, published(output) as partial:
        return _remux(commands.remux_to_mp4(ffmpeg(), sources, str(partial), concat_list=_concat_list(tmp, sources)),
                      timeout_s)


def _remux(argv: list[str], timeout_s: float) -> MediaInfo:
    """Run one remux and describe its output from its own stderr (the input's header
    and the last `time=` written), so no second FFmpeg has to read either file."""
    done = run(argv, timeout_s, allow_failure=True)
    facts = parse_header(done.stderr)  # BadMediaError naming why, if the input was unreadable
    if done.returncode != 0:
        raise MediaError("FFmpeg failed", detail=failure_detail(done.returncode, done.stderr))
    check_segments(done.stderr)
    if facts.video_codec is None and facts.audio_codec is None:
        raise BadMediaError("no audio or video stream", detail=argv[-1])
    written = parse_last_time(done.stderr)
    return replace(facts, container="mp4", duration_s=written if written else facts.duration_s)


def _concat_list(tmp: Path, sources: list[str]) -> str | None:
    """The concat demuxer's list file when there are several segments, else None."""
    if len(sources) < 2:
        return None
    path = tmp / "segments.txt"
    path.write_text(commands.concat_list_text([os.path.abspath(s) for s in sources]))
    return str(path)


def make_poster(source: str, info: MediaInfo, output: str, width: int = 1280, timeout_s: float = 60.0) -> float:
    """A JPEG keyframe near 10 % of the duration, skipping black frames when it can.
    Returns the time it was taken at."""
    if info.video_codec is None:
        raise BadMediaError("no video stream for a poster", detail=source)
    chosen, written = 0.0, False
    with published(output) as partial:
        for at in poster_times(info.duration_s):
            try:
                stderr = run(commands.poster(ffmpeg(), source, at, min(width, info.width or width), str(partial)),
                             timeout_s).stderr
            except MediaError:
                continue  # no keyframe decodable from there (a short recording with a long GOP)
            chosen, written = at, True
            if "pblack" not in stderr:
                break  # not a black frame: keep it (otherwise the last try stands)
        if not written:  # the first keyframe is always there
            run(commands.poster(ffmpeg(), source, 0.0, min(width, info.width or width), str(partial)), timeout_s)
    return chosen


def make_sprite(source: str, info: MediaInfo, sprite: str, vtt: str, tile_width: int = 160,
                timeout_s: float = 120.0) -> SpritePlan:
    """The thumbnail sprite and its WebVTT track; few tiles by input seeks, many in one pass."""
    if info.video_codec is None or not info.width or not info.height:
        raise BadMediaError("no video stream for thumbnails", detail=source)
    plan = plan_sprite(info.duration_s, info.width, info.height, tile_width)
    tile, grid = (plan.tile_width, plan.tile_height), (plan.columns, plan.rows)
    with published(sprite) as partial:
        if plan.use_seeks:
            argv = commands.sprite_by_seeks(ffmpeg(), source, plan.times, tile, grid, str(partial))
        else:
            argv = commands.sprite_one_pass(ffmpeg(), source, plan.interval_s, tile, grid, str(partial))
        run(argv, timeout_s)
        Path(vtt).write_text(webvtt(plan, sprite_name=Path(sprite).name))
    return plan


def remux_hls_from_s3(client: Any, bucket: str, key: str, output: str, timeout_s: float,
                      url_ttl_s: int = 3600) -> MediaInfo:
    """An HLS recording in S3 (master or media playlist) to a faststart MP4.

    Only the chosen rendition's segments are read, each through a presigned URL,
    so FFmpeg streams them and nothing else of the recording is downloaded."""
    with workspace() as tmp:
        return remux_playlist_to_mp4(presigned_media_playlist(client, bucket, key, tmp, url_ttl_s), output,
                                     timeout_s)


def presigned_media_playlist(client: Any, bucket: str, key: str, tmp: Path, url_ttl_s: int = 3600) -> str:
    """A local copy of the best rendition's media playlist (from a master or media
    playlist in S3) whose segments are presigned URLs; returns its path."""
    text = _read_text(client, bucket, key)
    if hls.is_master(text):
        key = hls.relative_key(key, hls.best_variant(text))
        text = _read_text(client, bucket, key)

    def presign(uri: str) -> str:
        if "://" in uri:
            return uri
        return str(client.generate_presigned_url("get_object", ExpiresIn=url_ttl_s,
                                                  Params={"Bucket": bucket, "Key": hls.relative_key(key, uri)}))

    playlist = tmp / "media.m3u8"
    playlist.write_text(hls.rewrite_media_playlist(text, presign))
    return str(playlist)


def remux_playlist_to_mp4(playlist: str, output: str, timeout_s: float) -> MediaInfo:
    """A media playlist (local file; segments local or URLs) into a faststart MP4."""
    with published(output) as partial:
        return _remux(commands.remux_hls_to_mp4(ffmpeg(), playlist, str(partial)), timeout_s)


def _read_text(client: Any, bucket: str, key: str) -> str:
    from chalicelib.transfer.retry import classify

    try:
        return str(client.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8"))
    except Exception as exc:
        raise classify(exc, f"s3://{bucket}/{key}") from exc


def stream_to_archive(sources: list[str], destination: Any, *, identity: str, timeout_s: float,
                      hls_playlist: bool = False, config: Any = None) -> int:
    """Remux to fragmented MP4 straight into a multipart upload: no file of the
    recording's size is ever written. Returns the bytes archived."""
    from chalicelib.transfer.engine import TransferConfig
    from chalicelib.transfer.streaming import upload_stream

    with workspace() as tmp:
        argv = commands.fragmented_mp4_to_pipe(ffmpeg(), sources, concat_list=_concat_list(tmp, sources),
                                               hls_playlist=hls_playlist)
        return run_streaming(argv, timeout_s, lambda pipe, finished: upload_stream(
            pipe, destination, identity=identity, source_uri=sources[0], config=config or TransferConfig(),
            before_complete=finished))


@dataclass(frozen=True)
class Archived:
    how: str  # "copied" (already a faststart MP4), "remuxed" or "streamed"
    size: int
    local_mp4: str | None  # the archived MP4, still on disk for thumbnails (None when streamed)


def archive_mp4(sources: list[str], destination: Any, *, identity: str, budget_mb: int, timeout_s: float,
                scratch: str, config: Any = None) -> Archived:
    """Put a faststart MP4 of `sources` at `destination`: remux on local disk and
    upload with the transfer engine when input plus output fit `budget_mb`, else
    stream fragmented MP4 straight into the archive (always for URL inputs: they
    are URLs because they did not fit). The local MP4 is left in `scratch`."""
    from chalicelib.media.budget import needs_streaming
    from chalicelib.transfer.checkpoint import MemoryCheckpoints
    from chalicelib.transfer.engine import Copier, TransferConfig
    from chalicelib.transfer.sources import FileSource

    config = config or TransferConfig()
    if any("://" in s for s in sources) or needs_streaming(sum(os.path.getsize(s) for s in sources), budget_mb):
        size = stream_to_archive(sources, destination, identity=identity, timeout_s=timeout_s, config=config)
        return Archived("streamed", size, None)
    local = os.path.join(scratch, "recording.mp4")
    path, _ = to_faststart_mp4(sources[0], local, timeout_s) if len(sources) == 1 else (
        local, remux_to_mp4(sources, local, timeout_s))
    Copier(FileSource(path), destination, MemoryCheckpoints(), config=config).run()
    return Archived("remuxed" if path == local else "copied", os.path.getsize(path), path)
