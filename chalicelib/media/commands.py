"""FFmpeg command lines, built as argument lists (pure: nothing here runs them)."""

from __future__ import annotations

from collections.abc import Sequence

QUIET = ("-hide_banner", "-nostdin", "-y")


def header_probe(ffmpeg: str, source: str) -> list[str]:
    """`ffmpeg -i` alone: prints the header facts and exits non-zero (no output named)."""
    return [ffmpeg, "-hide_banner", "-nostdin", "-i", source]


def exact_duration(ffmpeg: str, source: str) -> list[str]:
    """Read every packet without decoding; the last `time=` is the real duration."""
    return [ffmpeg, *QUIET, "-i", source, "-map", "0", "-c", "copy", "-f", "null", "-"]


def remux_to_mp4(ffmpeg: str, sources: Sequence[str], output: str, *, concat_list: str | None = None,
                 adts_audio: bool = True) -> list[str]:
    """Stream copy into a faststart MP4. FLV and MPEG-TS carry AAC as ADTS, which MP4
    stores as raw AAC (`aac_adtstoasc`; harmless on audio that is already raw)."""
    if concat_list:
        inputs = ["-f", "concat", "-safe", "0", "-i", concat_list]
    else:
        inputs = [item for source in sources for item in ("-i", source)]
    audio_filter = ["-bsf:a", "aac_adtstoasc"] if adts_audio else []
    return [ffmpeg, *QUIET, "-fflags", "+genpts", *inputs, "-map", "0:v?", "-map", "0:a?", "-c", "copy",
            *audio_filter, "-movflags", "+faststart", "-f", "mp4", output]


def concat_list_text(paths: Sequence[str]) -> str:
    """The concat demuxer's list file for segments played in order."""
    return "".join("file '{}'\n".format(p.replace("'", "'\\''")) for p in paths)
