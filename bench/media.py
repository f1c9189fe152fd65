"""Media speed on a 30-minute 720p30 H.264/AAC recording, as FLV and as 6-second
HLS segments:

- remux wall time through our API against the bare `ffmpeg` command line (ratio);
- speed as ×realtime and FFmpeg's peak RSS;
- poster + 100-tile sprite through our API, and the same tiles by a full-decode
  filter for contrast;
- the streaming path into a local S3 endpoint (nanio): the largest temp file.

    make bench-deps && .venv/bin/python bench/media.py [--minutes 30]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from chalicelib.media import commands  # noqa: E402
from chalicelib.media.binary import ffmpeg  # noqa: E402
from chalicelib.media.operations import (  # noqa: E402
    make_poster,
    make_sprite,
    probe,
    remux_playlist_to_mp4,
    remux_to_mp4,
    stream_to_archive,
)


def generate(root: Path, minutes: float) -> tuple[Path, Path]:
    flv = root / "rec.flv"
    subprocess.run([ffmpeg(), "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    "testsrc2=size=1280x720:rate=30", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
                    "-t", str(minutes * 60), "-c:v", "libx264", "-preset", "ultrafast", "-g", "60", "-b:v", "2500k",
                    "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k", str(flv)], check=True)
    hls = root / "hls"
    hls.mkdir()
    subprocess.run([ffmpeg(), "-hide_banner", "-loglevel", "error", "-y", "-i", str(flv), "-c", "copy", "-f", "hls",
                    "-hls_time", "6", "-hls_list_size", "0", "-hls_segment_filename", str(hls / "seg_%05d.ts"),
                    str(hls / "playlist.m3u8")], check=True)
    return flv, hls / "playlist.m3u8"


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def bare_remux(source: Path, output: Path, hls: bool) -> None:
    argv = (commands.remux_hls_to_mp4(ffmpeg(), str(source), str(output)) if hls
            else commands.remux_to_mp4(ffmpeg(), [str(source)], str(output)))
    subprocess.run(argv, check=True, capture_output=True)


def api_remux(source: Path, output: Path, hls: bool) -> None:
    """Our API end to end (it also describes the output, from the same run)."""
    if hls:
        remux_playlist_to_mp4(str(source), str(output), timeout_s=3600)
    else:
        remux_to_mp4([str(source)], str(output), timeout_s=3600)


def full_decode_sprite(source: Path, output: Path, interval_s: float) -> None:
    subprocess.run([ffmpeg(), "-hide_banner", "-loglevel", "error", "-y", "-i", str(source), "-vf",
                    f"fps=1/{interval_s:.3f},scale=160:90,tile=10x10", "-frames:v", "1", str(output)],
                   check=True)


def streaming_peak_disk(flv: Path, root: Path) -> tuple[int, float]:
    """Stream the FLV into nanio; sample the largest file in our TMPDIR meanwhile."""
    from bench.transfer import KEYS, client, start_nanio
    from chalicelib.transfer.destination import Destination
    from chalicelib.transfer.engine import TransferConfig

    (root / "nanio").mkdir()
    server, url = start_nanio(root / "nanio")
    scratch = root / "scratch"
    scratch.mkdir()
    tempfile.tempdir = str(scratch)
    peak, done = [0], threading.Event()

    def sample() -> None:
        while not done.wait(0.05):
            sizes = [f.stat().st_size for f in scratch.rglob("*") if f.is_file()]
            peak[0] = max([peak[0], *sizes])

    try:
        s3 = client(url)
        s3.create_bucket(Bucket="archive")
        os.environ.update({"AWS_ACCESS_KEY_ID": KEYS["access"], "AWS_SECRET_ACCESS_KEY": KEYS["secret"]})
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        seconds = timed(lambda: stream_to_archive([str(flv)], Destination(s3, "archive", "rec.mp4"), identity="b",
                                                  timeout_s=3600, config=TransferConfig(workers=2)))
        done.set()
        sampler.join()
        return peak[0], seconds
    finally:
        tempfile.tempdir = None
        server.terminate()
        server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--media-dir", type=Path, help="keep the generated recording here and reuse it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-media-", dir=os.environ.get("BENCH_DIR")) as tmp:
        root = Path(tmp)
        media = args.media_dir or root
        media.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        if (media / "hls" / "playlist.m3u8").exists():
            flv, playlist = media / "rec.flv", media / "hls" / "playlist.m3u8"
        else:
            flv, playlist = generate(media, args.minutes)
        print(f"{args.minutes:.0f} min 720p30: {flv.stat().st_size / 1e6:.0f} MB FLV "
              f"(ready in {time.perf_counter() - started:.0f} s)")
        duration = probe(str(flv)).duration_s
        for label, source, hls in (("FLV", flv, False), ("HLS", playlist, True)):
            ours, bare = [], []
            for round_ in range(args.rounds):  # alternate, and swap who goes first, so drift hits both alike
                runs = [(bare, lambda s=source, h=hls: bare_remux(s, root / "bare.mp4", h)),
                        (ours, lambda s=source, h=hls: api_remux(s, root / "ours.mp4", h))]
                for times, action in runs if round_ % 2 == 0 else runs[::-1]:
                    times.append(timed(action))
            o, b = statistics.median(ours), statistics.median(bare)
            print(f"remux {label}: ours {o:.2f} s, bare ffmpeg {b:.2f} s, ratio {o / b:.3f},"
                  f" {duration / o:.0f}x realtime")
        rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"FFmpeg peak RSS (largest child so far): {rss_mb:.0f} MB")
        mp4 = root / "ours.mp4"
        info = probe(str(mp4))
        thumbs = timed(lambda: (make_poster(str(mp4), info, str(root / "poster.jpg")),
                                make_sprite(str(mp4), info, str(root / "sprite.jpg"), str(root / "thumbs.vtt"))))
        contrast = timed(lambda: full_decode_sprite(mp4, root / "slow.jpg", info.duration_s / 100))
        print(f"poster + 100-tile sprite + VTT: {thumbs:.2f} s (full-decode filter for contrast: {contrast:.1f} s)")
        peak, seconds = streaming_peak_disk(flv, root)
        print(f"streaming path: {flv.stat().st_size / 1e6:.0f} MB FLV into the archive in {seconds:.1f} s,"
              f" largest temp file {peak} bytes")
    print("targets: remux ratio <= 1.05; poster + sprite <= 5 s; no temp file of recording size")


if __name__ == "__main__":
    main()
