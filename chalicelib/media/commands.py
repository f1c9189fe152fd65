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


def poster(ffmpeg: str, source: str, at_s: float, width: int, output: str) -> list[str]:
    """One keyframe at or before `at_s` (input seek, keyframes only: no decode of the GOP),
    with black-frame detection reported on stderr."""
    return [ffmpeg, *QUIET, "-noaccurate_seek", "-skip_frame", "nokey", "-ss", f"{at_s:.3f}", "-i", source,
            "-map", "0:v:0", "-frames:v", "1", "-vf", f"blackframe=amount=98:threshold=32,scale={width}:-2",
            "-q:v", "3", "-f", "image2", output]


def sprite_by_seeks(ffmpeg: str, source: str, times: Sequence[float], tile: tuple[int, int],
                    grid: tuple[int, int], output: str) -> list[str]:
    """Few tiles: one keyframe per input seek, all in one process, tiled."""
    inputs: list[str] = []
    for at in times:
        inputs += ["-noaccurate_seek", "-skip_frame", "nokey", "-ss", f"{at:.3f}", "-i", source]
    width, height = tile
    # setpts=N: one-frame segments from different seek points need fresh timestamps for concat.
    scaled = ";".join(f"[{i}:v:0]trim=end_frame=1,setpts=N,scale={width}:{height},setsar=1[t{i}]"
                      for i in range(len(times)))
    joined = "".join(f"[t{i}]" for i in range(len(times)))
    graph = f"{scaled};{joined}concat=n={len(times)}:v=1:a=0,tile={grid[0]}x{grid[1]}[out]"
    return [ffmpeg, *QUIET, *inputs, "-filter_complex", graph, "-map", "[out]", "-frames:v", "1", "-q:v", "4",
            "-f", "image2", output]


def sprite_one_pass(ffmpeg: str, source: str, interval_s: float, tile: tuple[int, int], grid: tuple[int, int],
                    output: str) -> list[str]:
    """Many tiles: decode keyframes only, keep the first one per interval, tile."""
    width, height = tile
    select = f"select='isnan(prev_selected_t)+gte(t-prev_selected_t\\,{interval_s:.3f})'"
    graph = f"{select},scale={width}:{height},setsar=1,tile={grid[0]}x{grid[1]}"
    return [ffmpeg, *QUIET, "-skip_frame", "nokey", "-i", source, "-map", "0:v:0", "-vf", graph,
            "-fps_mode", "vfr", "-frames:v", "1", "-q:v", "4", "-f", "image2", output]


HLS_INPUT = ("-protocol_whitelist", "file,http,https,tcp,tls,crypto", "-allowed_extensions", "ALL")


def remux_hls_to_mp4(ffmpeg: str, playlist: str, output: str) -> list[str]:
    """A local media playlist whose segments are URLs, stream-copied into a faststart MP4."""
    return [ffmpeg, *QUIET, *HLS_INPUT, "-i", playlist, "-map", "0:v?", "-map", "0:a?", "-c", "copy",
            "-bsf:a", "aac_adtstoasc", "-movflags", "+faststart", "-f", "mp4", output]


def fragmented_mp4_to_pipe(ffmpeg: str, sources: Sequence[str], *, concat_list: str | None = None,
                           hls_playlist: bool = False) -> list[str]:
    """Stream copy into fragmented MP4 on stdout: playable, but not faststart (the index
    is spread over the fragments), which is the price of never holding the file."""
    if concat_list:
        inputs = ["-f", "concat", "-safe", "0", "-i", concat_list]
    elif hls_playlist:
        inputs = [*HLS_INPUT, "-i", sources[0]]
    else:
        inputs = [item for source in sources for item in ("-i", source)]
    return [ffmpeg, *QUIET, "-fflags", "+genpts", *inputs, "-map", "0:v?", "-map", "0:a?", "-c", "copy",
            "-bsf:a", "aac_adtstoasc", "-movflags", "frag_keyframe+empty_moov+default_base_moof", "-f", "mp4",
            "pipe:1"]
