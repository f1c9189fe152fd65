"""`make demo`: one nginx-rtmp and one AWS IVS recording through the running local
stack (`make run`), from "recording ready" to `processed`.

Reads `.relay/local.env` (written by `make run`), makes two short test recordings
with FFmpeg, then:

- nginx-rtmp: the FLV into the ingest bucket, then the `record_done` hook
  (`Authorization: Bearer HOOK_TOKEN`) to `POST /hooks/nginx-rtmp`;
- IVS: an auto-record-to-S3 layout (HLS renditions and
  `events/recording-ended.json`) into the IVS bucket, then the `Recording End`
  EventBridge envelope to the local stage's `POST /_local/eventbridge`;

and polls `GET /recordings/{id}` for both until `processed`, printing each state
change, then the presigned URLs and the manifest.

    python -m devstack.demo [--env .relay/local.env] [--seconds 10] [--timeout 120]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

PROJECT = Path(__file__).resolve().parent.parent
TERMINAL = ("processed", "failed")
# IVS-like renditions: (directory, width, height); the pipeline archives the tallest.
RENDITIONS = (("720p30", 1280, 720), ("360p30", 640, 360))


class DemoError(Exception):
    """Something the person running the demo has to act on (the message says what)."""


def default_env_file() -> Path:
    """`$RELAY_STATE_DIR/local.env` when set, else the repository's `.relay/local.env`."""
    return Path(os.environ.get("RELAY_STATE_DIR") or PROJECT / ".relay") / "local.env"


def read_env_file(path: Path) -> dict[str, str]:
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise DemoError(f"{path} does not exist: start `make run` first (in another terminal)") from None
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line and not line.startswith("#"))


# --- HTTP ------------------------------------------------------------------------------------------------------


def request(url: str, body: bytes | None = None, headers: Mapping[str, str] | None = None,
            timeout: float = 10.0) -> tuple[int, Any]:
    """(status, decoded JSON body) for any answer; DemoError when nothing answers."""
    call = urllib.request.Request(url, data=body, headers=dict(headers or {}),  # noqa: S310 - loopback URLs
                                  method="POST" if body is not None else "GET")
    try:
        with urllib.request.urlopen(call, timeout=timeout) as answer:  # noqa: S310
            return answer.status, _json(answer.read())
    except urllib.error.HTTPError as answer:
        return answer.code, _json(answer.read())
    except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, ConnectionRefusedError):
            raise DemoError(f"nothing answers on {url.split('/', 3)[2]}: start `make run` first "
                            "(in another terminal)") from None
        raise DemoError(f"{url}: {reason}") from None


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return body.decode(errors="replace")


def expect(what: str, answer: tuple[int, Any], status: int = 200) -> Any:
    if answer[0] != status:
        raise DemoError(f"{what}: HTTP {answer[0]} {answer[1]}")
    return answer[1]


# --- media -----------------------------------------------------------------------------------------------------


def ffmpeg_run(*args: str) -> None:
    from chalicelib.media.binary import ffmpeg

    subprocess.run([ffmpeg(), "-hide_banner", "-loglevel", "error", "-nostdin", "-y", *args], check=True)


def lavfi_args(seconds: float, width: int, height: int) -> list[str]:
    """FFmpeg input and codec arguments for a test pattern with a tone."""
    return ["-f", "lavfi", "-i", f"testsrc2=size={width}x{height}:rate=30",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", f"{seconds:g}",
            "-c:v", "libx264", "-preset", "ultrafast", "-g", "60", "-b:v", f"{width * height * 5 // 2000}k",
            "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "96k"]


def make_flv(path: Path, seconds: float) -> Path:
    ffmpeg_run(*lavfi_args(seconds, 1280, 720), "-f", "flv", str(path))
    return path


def make_hls(directory: Path, seconds: float, width: int, height: int) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    ffmpeg_run(*lavfi_args(seconds, width, height), "-f", "hls", "-hls_time", "2", "-hls_list_size", "0",
               "-hls_playlist_type", "vod", "-hls_segment_filename", str(directory / "%d.ts"),
               str(directory / "playlist.m3u8"))
    return directory / "playlist.m3u8"


# --- the two providers -----------------------------------------------------------------------------------------


@dataclass
class Stack:
    values: dict[str, str]

    @property
    def api(self) -> str:
        return self.values.get("RELAY_API_URL", "http://127.0.0.1:8000").rstrip("/")

    def s3(self) -> Any:
        import boto3

        return boto3.session.Session().client(
            "s3", endpoint_url=self.values["AWS_ENDPOINT_URL"], region_name=self.values.get("AWS_REGION", "us-east-1"),
            aws_access_key_id=self.values.get("AWS_ACCESS_KEY_ID", "local"),
            aws_secret_access_key=self.values.get("AWS_SECRET_ACCESS_KEY", "local"))

    def api_headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.values['RELAY_API_TOKEN']}"}


@dataclass
class Prepared:
    """A recording whose media is in place; `send` announces it the provider's way."""

    provider: str
    recording_id: str
    send: Callable[[], str]


def nginx_rtmp(stack: Stack, work: Path, seconds: float, say: Callable[[str], None]) -> Prepared:
    from chalicelib.events import recording_id

    stream = f"demo-{uuid.uuid4().hex[:6]}"
    file_name = f"{stream}-{int(time.time())}.flv"
    flv = make_flv(work / file_name, seconds)
    key = f"nginx-rtmp/live/{stream}/{file_name}"
    stack.s3().upload_file(str(flv), stack.values["INGEST_BUCKET"], key)
    say(f"nginx-rtmp  uploaded s3://{stack.values['INGEST_BUCKET']}/{key} ({flv.stat().st_size / 1e6:.1f} MB)")
    form = {"app": "live", "flashver": "FMLE/3.0", "tcurl": "rtmp://127.0.0.1/live", "addr": "127.0.0.1",
            "clientid": "1", "call": "record_done", "recorder": "", "name": stream,
            "path": f"/var/rec/{file_name}"}

    def send() -> str:
        answer = expect("POST /hooks/nginx-rtmp", request(
            f"{stack.api}/hooks/nginx-rtmp", urlencode(form).encode(),
            {"content-type": "application/x-www-form-urlencoded",
             "authorization": f"Bearer {stack.values['HOOK_TOKEN']}"}))
        return f"POST /hooks/nginx-rtmp (record_done) → 200 {json.dumps(answer)}"

    return Prepared("nginx-rtmp", recording_id("nginx-rtmp", f"live/{stream}/{file_name}"), send)


def ivs_layout(stack: Stack, work: Path, seconds: float) -> tuple[str, str]:
    """What IVS auto-record-to-S3 writes: HLS renditions and events/recording-ended.json."""
    bucket, s3 = stack.values["IVS_BUCKET"], stack.s3()
    now = datetime.now(UTC)
    prefix = f"ivs/v1/000000000000/demoChannel/{now:%Y/%m/%d/%H/%M}/{uuid.uuid4().hex[:12]}"
    master = ["#EXTM3U", "#EXT-X-VERSION:3"]
    for rendition, width, height in RENDITIONS:
        local = make_hls(work / rendition, seconds, width, height).parent
        for path in sorted(local.iterdir()):
            s3.upload_file(str(path), bucket, f"{prefix}/media/hls/{rendition}/{path.name}")
        master += [f"#EXT-X-STREAM-INF:BANDWIDTH={width * height * 3},RESOLUTION={width}x{height}",
                   f"{rendition}/playlist.m3u8"]
    s3.put_object(Bucket=bucket, Key=f"{prefix}/media/hls/master.m3u8", Body="\n".join(master).encode() + b"\n")
    started = datetime.fromtimestamp(now.timestamp() - seconds, UTC)
    ended = {"version": "v1", "channel_arn": "arn:aws:ivs:us-east-1:000000000000:channel/demoChannel",
             "recording_status": "RECORDING_ENDED", "recording_started_at": f"{started:%Y-%m-%dT%H:%M:%SZ}",
             "recording_ended_at": f"{now:%Y-%m-%dT%H:%M:%SZ}",
             "media": {"hls": {"duration_ms": int(seconds * 1000), "path": "media/hls", "playlist": "master.m3u8",
                               "renditions": [{"path": rendition, "playlist": "playlist.m3u8",
                                               "resolution_height": height, "resolution_width": width}
                                              for rendition, width, height in RENDITIONS]}}}
    s3.put_object(Bucket=bucket, Key=f"{prefix}/events/recording-ended.json", Body=json.dumps(ended).encode())
    return bucket, prefix


def recording_end_envelope(bucket: str, prefix: str, seconds: float) -> dict[str, Any]:
    return {
        "version": "0", "id": str(uuid.uuid4()), "detail-type": "IVS Recording State Change", "source": "aws.ivs",
        "account": "000000000000", "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "region": "us-east-1",
        "resources": ["arn:aws:ivs:us-east-1:000000000000:channel/demoChannel"],
        "detail": {"channel_name": "demo", "stream_id": f"st-{uuid.uuid4().hex[:12]}",
                   "recording_status": "Recording End", "recording_status_reason": "",
                   "recording_s3_bucket_name": bucket, "recording_s3_key_prefix": prefix,
                   "recording_duration_ms": int(seconds * 1000), "recording_session_id": uuid.uuid4().hex[:12]},
    }


def ivs(stack: Stack, work: Path, seconds: float, say: Callable[[str], None]) -> Prepared:
    from chalicelib.events import recording_id

    bucket, prefix = ivs_layout(stack, work, seconds)
    say(f"ivs         wrote s3://{bucket}/{prefix}/ "
        f"(media/hls/{{{','.join(r[0] for r in RENDITIONS)}}}/, events/recording-ended.json)")

    def send() -> str:
        envelope = recording_end_envelope(bucket, prefix, seconds)
        answer = expect("POST /_local/eventbridge", request(
            f"{stack.api}/_local/eventbridge", json.dumps(envelope).encode(), {"content-type": "application/json"}))
        return f"POST /_local/eventbridge (IVS Recording State Change, Recording End) → 200 {json.dumps(answer)}"

    return Prepared("ivs", recording_id("ivs", f"{bucket}/{prefix}"), send)


# --- following the recordings ----------------------------------------------------------------------------------


def follow(stack: Stack, sent: Sequence[Prepared], started: float, timeout_s: float, every_s: float,
           say: Callable[[str], None]) -> dict[str, dict[str, Any]]:
    """Poll GET /recordings/{id} until every recording is processed or failed; print each change."""
    last: dict[str, str] = {}
    shown: dict[str, dict[str, Any]] = {}
    deadline = time.monotonic() + timeout_s
    while True:
        for item in sent:
            if last.get(item.recording_id) in TERMINAL:
                continue
            status, body = request(f"{stack.api}/recordings/{item.recording_id}", headers=stack.api_headers())
            if status == 404:
                continue  # not in the catalog yet
            body = expect(f"GET /recordings/{item.recording_id}", (status, body))
            state = str(body.get("status"))
            if state != last.get(item.recording_id):
                last[item.recording_id] = state
                error = f"  ({body.get('last_error')})" if state == "failed" else ""
                say(f"{time.monotonic() - started:6.1f} s  {item.provider:<10}  {item.recording_id}  {state}{error}")
            shown[item.recording_id] = body
        if all(last.get(s.recording_id) in TERMINAL for s in sent):
            return shown
        if time.monotonic() > deadline:
            waiting = ", ".join(f"{s.provider} {last.get(s.recording_id, 'not in the catalog')}" for s in sent
                                if last.get(s.recording_id) not in TERMINAL)
            raise DemoError(f"not processed within {timeout_s:g} s: {waiting}")
        time.sleep(every_s)


def report(sent: Sequence[Prepared], shown: Mapping[str, dict[str, Any]], say: Callable[[str], None]) -> None:
    for item in sent:
        body = shown[item.recording_id]
        say("")
        say(f"{item.provider} {item.recording_id}: {body.get('status')}, {body.get('duration_s')} s, "
            f"archived as {body.get('archive_key')}")
        urls = body.get("urls") or {}
        for kind in ("mp4", "poster", "sprite", "vtt", "manifest"):
            if kind in urls:
                say(f"  {kind:<8} {urls[kind]}")
        if "playback" in urls:
            say(f"  playback {urls['playback']}")
        if "manifest" in urls:
            status, manifest = request(urls["manifest"])
            if status == 200:
                say("  manifest.json:")
                for line in json.dumps(manifest, indent=2, sort_keys=True).splitlines():
                    say(f"    {line}")


def run(env_file: Path, seconds: float, timeout_s: float, every_s: float, say: Callable[[str], None]) -> int:
    stack = Stack(read_env_file(env_file))
    expect("GET /health", request(f"{stack.api}/health", timeout=5))
    say(f"recording-relay on {stack.api} (from {env_file})")
    with tempfile.TemporaryDirectory(prefix="relay-demo-") as scratch:
        work = Path(scratch)
        say(f"making two {seconds:g} s test recordings with FFmpeg and putting them where the providers would")
        (work / "nginx").mkdir()
        (work / "ivs").mkdir()
        sent = [nginx_rtmp(stack, work / "nginx", seconds, say), ivs(stack, work / "ivs", seconds, say)]
    started = time.monotonic()
    for item in sent:
        say(f"{time.monotonic() - started:6.1f} s  {item.provider:<10}  {item.send()}")
    shown = follow(stack, sent, started, timeout_s, every_s, say)
    report(sent, shown, say)
    failed = [s for s in sent if shown[s.recording_id].get("status") != "processed"]
    say("")
    if failed:
        say(f"FAILED: {', '.join(f'{s.provider} {s.recording_id}' for s in failed)}")
        return 1
    say(f"both recordings processed in {time.monotonic() - started:.1f} s")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--env", type=Path, default=None,
                        help="the env file `make run` wrote "
                             "(default: $RELAY_STATE_DIR/local.env, else .relay/local.env)")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each test recording (default 10)")
    parser.add_argument("--timeout", type=float, default=120.0, help="give up after this many seconds (default 120)")
    parser.add_argument("--every", type=float, default=0.25, help="poll interval in seconds (default 0.25)")
    args = parser.parse_args(argv)

    def say(line: str) -> None:
        print(line, flush=True)

    try:
        return run(args.env or default_env_file(), args.seconds, args.timeout, args.every, say)
    except DemoError as exc:
        print(f"make demo: {exc}", file=sys.stderr, flush=True)
        return 1
    except subprocess.CalledProcessError as exc:
        print(f"make demo: FFmpeg failed ({exc.returncode}): {' '.join(map(str, exc.cmd))}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
