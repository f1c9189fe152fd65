"""Which FFmpeg: the Lambda layer's, else `FFMPEG_BINARY`, else the imageio-ffmpeg wheel's."""

from __future__ import annotations

import functools
import os
from pathlib import Path

from chalicelib.media.errors import FfmpegMissingError

LAYER_BINARY = Path("/opt/bin/ffmpeg")


@functools.cache
def ffmpeg() -> str:
    if LAYER_BINARY.is_file() and os.access(LAYER_BINARY, os.X_OK):
        return str(LAYER_BINARY)
    configured = os.environ.get("FFMPEG_BINARY")
    if configured:
        if not os.access(configured, os.X_OK):
            raise FfmpegMissingError("FFMPEG_BINARY is not executable", detail=configured)
        return configured
    try:
        import imageio_ffmpeg
    except ImportError:
        raise FfmpegMissingError("no FFmpeg found",
                                 detail="no /opt/bin/ffmpeg, FFMPEG_BINARY or imageio-ffmpeg") from None
    return str(imageio_ffmpeg.get_ffmpeg_exe())
