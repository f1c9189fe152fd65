"""The whole pipeline on a 30-minute 720p recording, through the local stack,
against a bare copy plus a bare `ffmpeg` remux of the same file.

- pipeline: the local stack (`python -m devstack`, as `make run` starts it, on free
  ports) with the FLV already in the ingest bucket; wall time from the signed
  nginx-rtmp `record_done` POST until `GET /recordings/{id}` says `processed`
  (polled every 0.2 s). That includes the queue, the fetch, the remux, the upload,
  the probe, the poster, sprite, VTT and manifest.
- bare copy: what `aws s3 cp` does, twice: boto3 `download_file` from the "AWS"
  emulator, then `upload_file` to the "Vultr" emulator (default s3transfer
  settings, the Vultr client path-style as chalicelib.clients makes it).
- bare remux: `ffmpeg -i in.flv -c copy -movflags +faststart out.mp4`.

Ratio = pipeline / (copy + remux); target <= 1.3. Generating the recording is not
measured; it is cached in bench/.cache/ (`--keep` reuses it).

    .venv/bin/python bench/pipeline.py [--minutes 30] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from chalicelib.media.binary import ffmpeg  # noqa: E402

CACHE = PROJECT / "bench" / ".cache"
READY = "recording-relay ready on http://127.0.0.1:"
TARGET = 1.3
POLL_S = 0.2


def recording(minutes: float, keep: bool) -> Path:
    """A 720p30 H.264/AAC FLV of `minutes` (testsrc2 + sine, ultrafast, GOP 60, 2.5 Mbps)."""
    flv = CACHE / f"pipeline-720p30-{minutes:g}min.flv"
    if keep and flv.exists():
        return flv
    CACHE.mkdir(parents=True, exist_ok=True)
    partial = flv.with_suffix(".partial.flv")
    subprocess.run([ffmpeg(), "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
                    "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30",
                    "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", str(minutes * 60),
                    "-c:v", "libx264", "-preset", "ultrafast", "-g", "60", "-b:v", "2500k", "-maxrate", "3000k",
                    "-bufsize", "5000k", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k", str(partial)],
                   check=True)
    partial.replace(flv)
    return flv


class Stack:
    """The local stack as a subprocess on free ports; its output kept for the end."""

    def __init__(self, root: Path) -> None:
        self.env_file = root / "local.env"
        self.ports = {"RELAY_AWS_PORT": str(free_port()), "RELAY_VULTR_PORT": str(free_port()),
                      "RELAY_API_PORT": str(free_port())}
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "VULTR_", "RELAY_", "JOBS_"))}
        # Its env file goes to our temp dir, not over the one of a `make run` in another terminal.
        env.update(self.ports, RELAY_STATE_DIR=str(root), RELAY_RECONCILE_SECONDS="3600",
                   POWERTOOLS_LOG_LEVEL="WARNING")
        self.process = subprocess.Popen([sys.executable, "-m", "devstack"], cwd=PROJECT, env=env,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                        start_new_session=True)
        self.lines: list[str] = []
        self.values: dict[str, str] = {}

    def wait_ready(self, timeout: float = 60) -> None:
        ready = threading.Event()
        threading.Thread(target=self._read, args=(ready,), daemon=True).start()
        deadline = time.monotonic() + timeout
        while not ready.wait(0.2):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the local stack did not start:\n" + "".join(self.lines[-30:]))
        self.values = dict(ln.split("=", 1) for ln in self.env_file.read_text().splitlines() if "=" in ln)

    def _read(self, ready: threading.Event) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)
            if READY in line:
                ready.set()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    @property
    def api(self) -> str:
        return self.values["RELAY_API_URL"]

    def aws_s3(self) -> Any:
        import boto3

        return boto3.client("s3", endpoint_url=self.values["AWS_ENDPOINT_URL"], region_name="us-east-1",
                            aws_access_key_id="local", aws_secret_access_key="local")

    def vultr_s3(self) -> Any:
        import boto3

        from chalicelib.clients import s3_compatible_config

        return boto3.client("s3", endpoint_url=self.values["VULTR_ENDPOINT"],
                            region_name=self.values.get("VULTR_REGION", "us-east-1"),
                            aws_access_key_id=self.values.get("VULTR_ACCESS_KEY", "local"),
                            aws_secret_access_key=self.values.get("VULTR_SECRET_KEY", "local"),
                            config=s3_compatible_config())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def call(url: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(url, data=body, headers=headers or {}, method="POST" if body else "GET")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as answer:
        return answer.code, answer.read().decode(errors="replace")


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def upload(stack: Stack, flv: Path) -> tuple[str, str]:
    """The recording into the ingest bucket, where nginx-rtmp's upload script puts it: (stream, file name)."""
    stream, name = f"bench-{uuid.uuid4().hex[:6]}", f"{uuid.uuid4().hex[:8]}.flv"
    stack.aws_s3().upload_file(str(flv), stack.values["INGEST_BUCKET"], f"nginx-rtmp/live/{stream}/{name}")
    return stream, name


def pipeline(stack: Stack, stream: str, name: str) -> tuple[float, list[tuple[float, str]], dict[str, Any]]:
    """Signed record_done → processed: (wall s, [(t, status)], the recording as the API shows it)."""
    from chalicelib.events import recording_id

    rec = recording_id("nginx-rtmp", f"live/{stream}/{name}")
    form = {"app": "live", "flashver": "FMLE/3.0", "tcurl": "rtmp://127.0.0.1/live", "addr": "127.0.0.1",
            "clientid": "1", "call": "record_done", "recorder": "", "name": stream, "path": f"/var/rec/{name}"}
    auth = {"authorization": f"Bearer {stack.values['RELAY_API_TOKEN']}"}
    started = time.perf_counter()
    status, answer = call(f"{stack.api}/hooks/nginx-rtmp", urlencode(form).encode(),
                          {"content-type": "application/x-www-form-urlencoded",
                           "authorization": f"Bearer {stack.values['HOOK_TOKEN']}"})
    if status != 200:
        raise RuntimeError(f"record_done: HTTP {status} {answer}")
    changes: list[tuple[float, str]] = []
    while True:
        status, shown = call(f"{stack.api}/recordings/{rec}", headers=auth)
        now = time.perf_counter() - started
        if status == 200 and (not changes or changes[-1][1] != shown["status"]):
            changes.append((now, shown["status"]))
            print(f"  {now:7.1f} s  {shown['status']}", flush=True)
            if shown["status"] == "failed":
                raise RuntimeError(f"the pipeline failed: {shown.get('last_error')}")
            if shown["status"] == "processed":
                return now, changes, shown
        elif status not in (200, 404):
            raise RuntimeError(f"GET /recordings/{rec}: HTTP {status} {shown}")
        time.sleep(POLL_S)


def bare_copy(stack: Stack, key: str, root: Path) -> float:
    """`aws s3 cp` twice: download to a temp file, upload it (default transfer settings)."""
    aws, vultr = stack.aws_s3(), stack.vultr_s3()
    local, target = root / "copy.flv", f"bench/{uuid.uuid4().hex}.flv"
    seconds = timed(lambda: (aws.download_file(stack.values["INGEST_BUCKET"], key, str(local)),
                             vultr.upload_file(str(local), stack.values["VULTR_BUCKET"], target)))
    local.unlink()
    return seconds


def bare_remux(flv: Path, root: Path) -> float:
    out = root / "remux.mp4"
    seconds = timed(lambda: subprocess.run([ffmpeg(), "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
                                            "-i", str(flv), "-c", "copy", "-movflags", "+faststart", str(out)],
                                           check=True))
    out.unlink()
    return seconds


STEPS = {"ready": "hook → ready (ingress, catalog, enqueue)", "archiving": "ready → archiving (queue pickup)",
         "archived": "archiving → archived (fetch, remux, upload)",
         "processed": "archived → processed (probe, poster, sprite, VTT, manifest)"}


@dataclass
class Round:
    wall: float
    changes: list[tuple[float, str]]
    copy: float
    remux: float
    duration_s: Any


def one_round(stack: Stack, flv: Path, root: Path, number: int) -> Round:
    print(f"round {number}: pipeline (record_done → processed)", flush=True)
    stream, name = upload(stack, flv)
    wall, changes, shown = pipeline(stack, stream, name)
    copy = bare_copy(stack, f"nginx-rtmp/live/{stream}/{name}", root)
    remux = bare_remux(flv, root)
    print(f"round {number}: pipeline {wall:.1f} s, copy {copy:.1f} s, remux {remux:.1f} s", flush=True)
    return Round(wall, changes, copy, remux, shown.get("duration_s"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--keep", action="store_true", help="reuse the cached recording in bench/.cache/")
    parser.add_argument("--rounds", type=int, default=1, help="repeat and report medians (default 1)")
    args = parser.parse_args()

    started = time.perf_counter()
    flv = recording(args.minutes, args.keep)
    size_mb = flv.stat().st_size / 1e6
    print(f"{args.minutes:g} min 720p30 FLV: {size_mb:.0f} MB ({flv.relative_to(PROJECT)}, "
          f"ready in {time.perf_counter() - started:.0f} s; not measured)", flush=True)
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-pipeline-", dir=os.environ.get("BENCH_DIR")) as tmp:
        root = Path(tmp)
        stack = Stack(root)
        try:
            stack.wait_ready()
            print(f"local stack up on {stack.api}", flush=True)
            rounds = [one_round(stack, flv, root, n + 1) for n in range(args.rounds)]
        finally:
            stack.stop()
    wall = statistics.median(r.wall for r in rounds)
    copy = statistics.median(r.copy for r in rounds)
    remux = statistics.median(r.remux for r in rounds)
    baseline = copy + remux
    ratio = wall / baseline
    print()
    print(f"{'':<36}{'seconds':>9}" + (f"   (medians of {args.rounds} rounds)" if args.rounds > 1 else ""))
    for label, value in (("pipeline (record_done → processed)", wall), ("bare copy (download + upload)", copy),
                         ("bare remux (ffmpeg -c copy)", remux), ("copy + remux", baseline)):
        print(f"{label:<36}{value:>9.1f}")
    print(f"{'ratio pipeline / (copy + remux)':<36}{ratio:>9.2f}   target ≤ {TARGET}  "
          f"{'PASS' if ratio <= TARGET else 'MISS'}")
    middle = min(rounds, key=lambda r: abs(r.wall - wall))
    print(f"\npipeline breakdown (from the {POLL_S} s status polls; {middle.duration_s} s archived):")
    previous = 0.0
    for at, state in middle.changes:
        print(f"  {STEPS.get(state, state):<62}{at - previous:>7.1f} s")
        previous = at
    print(f"\nload average (1 min) at the start / end: {load:.2f} / {os.getloadavg()[0]:.2f} "
          f"on {os.cpu_count()} CPUs (other work on the machine skews every figure)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
