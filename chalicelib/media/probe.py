"""Probe: container, duration, video and audio codecs, resolution, frame rate,
bitrate. The imageio-ffmpeg wheel ships no ffprobe and PyAV would add its own
copy of the FFmpeg libraries, so this parses `ffmpeg -i` (header facts) and,
for an exact duration, the last timestamp of a stream-copy pass to null."""

from __future__ import annotations

import re
from dataclasses import dataclass

from chalicelib.media.errors import BadMediaError

_INPUT = re.compile(r"^Input #0, ([\w,]+), from", re.M)
_DURATION = re.compile(r"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)")
_BITRATE = re.compile(r"Duration: [^\n]*bitrate: (\d+) kb/s")
_VIDEO = re.compile(r"Stream #0:\d+[^:]*: Video: (\w+)[^\n]*?, (\d{2,5})x(\d{2,5})[^\n]*?(?:, ([\d.]+) fps)?")
_FPS = re.compile(r"Stream #0:\d+[^:]*: Video:[^\n]*?, ([\d.]+) (?:fps|tbr)")
_AUDIO = re.compile(r"Stream #0:\d+[^:]*: Audio: (\w+)")
_PROGRESS_TIME = re.compile(r"time=(-?\d+):(\d\d):(\d\d(?:\.\d+)?)")
_FAILURES = ("Invalid data found when processing input", "could not find codec parameters",
             "moov atom not found", "End of file", "Invalid argument")


@dataclass(frozen=True)
class MediaInfo:
    container: str
    duration_s: float
    video_codec: str | None
    width: int | None
    height: int | None
    fps: float | None
    audio_codec: str | None
    bitrate_kbps: int | None


def _seconds(h: str, m: str, s: str) -> float:
    return int(h) * 3600 + int(m) * 60 + float(s)


def parse_header(stderr: str) -> MediaInfo:
    """Facts from `ffmpeg -i INPUT` output; BadMediaError if it names no readable input."""
    container = _INPUT.search(stderr)
    if not container:
        reason = next((f for f in _FAILURES if f in stderr), "no readable input")
        raise BadMediaError("unreadable media", detail=reason)
    duration = _DURATION.search(stderr)
    video, audio = _VIDEO.search(stderr), _AUDIO.search(stderr)
    fps = _FPS.search(stderr)
    bitrate = _BITRATE.search(stderr)
    return MediaInfo(
        container=container[1],
        duration_s=_seconds(*duration.groups()) if duration else 0.0,
        video_codec=video[1] if video else None,
        width=int(video[2]) if video else None,
        height=int(video[3]) if video else None,
        fps=float(fps[1]) if fps else None,
        audio_codec=audio[1] if audio else None,
        bitrate_kbps=int(bitrate[1]) if bitrate else None,
    )


def parse_last_time(stderr: str) -> float | None:
    """The last `time=` of an FFmpeg run: how much media it actually read."""
    times = _PROGRESS_TIME.findall(stderr)
    return _seconds(*times[-1]) if times else None
