"""Media the tests make with FFmpeg's lavfi sources: short clips, real codecs."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from chalicelib.media.binary import ffmpeg


def make(path: Path, seconds: float = 3.0, *, video: bool = True, audio: bool = True, fmt: str | None = None,
         extra: tuple[str, ...] = ()) -> Path:
    inputs, codecs = [], []
    if video:
        inputs += ["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30"]
        codecs += ["-c:v", "libx264", "-g", "30", "-pix_fmt", "yuv420p", "-preset", "ultrafast"]
    if audio:
        inputs += ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"]
        codecs += ["-c:a", "aac"]
    subprocess.run([ffmpeg(), "-hide_banner", "-loglevel", "error", "-y", *inputs, "-t", str(seconds), *codecs,
                    *extra, *(["-f", fmt] if fmt else []), str(path)], check=True)
    return path


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("clips")
    return {
        "flv": make(root / "rec.flv"),
        "mp4": make(root / "rec.mp4"),
        "ts": make(root / "rec.ts"),
        "audio_only": make(root / "audio.flv", video=False),
    }
