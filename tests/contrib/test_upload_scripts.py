"""The contrib upload scripts, run for real: bash + curl against the relay's
routes served on loopback, with an `aws` stand-in that writes to the emulator."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from chalicelib import clients
from chalicelib.catalog.events import EventHistory
from chalicelib.events import event_id
from tests.conftest import free_port

PROJECT = Path(__file__).resolve().parents[2]
CONTRIB = PROJECT / "contrib"
AWS_STANDIN = f"""#!{sys.executable}
# `aws s3 cp [--only-show-errors] [--] SRC s3://bucket/key`, done with boto3 against AWS_ENDPOINT_URL.
import sys, boto3
args = [a for a in sys.argv[1:] if a not in ("--only-show-errors", "--")]
assert args[:2] == ["s3", "cp"], args
bucket, key = args[3].removeprefix("s3://").split("/", 1)
boto3.client("s3").upload_file(args[2], bucket, key)
"""


@pytest.fixture(scope="module")
def relay_url(emulators) -> Iterator[str]:
    from chalice.config import Config
    from chalice.local import create_local_server

    import app as relay

    port = free_port()
    server = create_local_server(relay.app, Config.create(chalice_stage="dev", app_name="recording-relay"),
                                 "127.0.0.1", port)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()


@pytest.fixture
def script_env(emulators, relay_url, tmp_path) -> dict[str, str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "aws").write_text(AWS_STANDIN)
    (bin_dir / "aws").chmod(0o755)
    return {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "RELAY_URL": relay_url,
            "RELAY_HOOK_TOKEN": emulators.secrets["HOOK_TOKEN"],
            "RELAY_INGEST_BUCKET": emulators.settings.ingest_bucket}


def recording(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.write_bytes(os.urandom(4096))
    return path


def uploaded(emulators, key: str) -> bytes:
    return clients.aws("s3").get_object(Bucket=emulators.settings.ingest_bucket, Key=key)["Body"].read()


def recorded(emulators, provider: str, identity: str) -> dict:
    [event] = EventHistory(emulators.settings.catalog_table).get(event_id(provider, "recording.ready", identity))
    return event


def test_nginx_rtmp_exec_record_done(emulators, script_env, tmp_path):
    flv = recording(tmp_path, f"stream-{uuid.uuid4().hex[:8]}.flv")
    content = flv.read_bytes()
    subprocess.run([CONTRIB / "nginx-rtmp/relay-upload-nginx-rtmp", str(flv), "live", "stream"],
                   env=script_env, check=True)
    key = f"nginx-rtmp/live/stream/{flv.name}"
    assert uploaded(emulators, key) == content
    event = recorded(emulators, "nginx-rtmp", f"live/stream/{flv.name}")
    assert event["data"]["media"][0]["location"] == f"s3://{emulators.settings.ingest_bucket}/{key}"
    assert not flv.exists()  # handed over, so the server's disk is freed


def test_mediamtx_segment_complete(emulators, script_env, tmp_path):
    segment = recording(tmp_path, f"2026-11-20_11-34-50-{uuid.uuid4().hex[:6]}.mp4")
    env = {**script_env, "MTX_PATH": "studio/cam1", "MTX_SEGMENT_PATH": str(segment),
           "MTX_SEGMENT_DURATION": "12.50", "RELAY_KEEP_LOCAL": "1"}
    subprocess.run([CONTRIB / "mediamtx/relay-upload-mediamtx"], env=env, check=True)
    assert uploaded(emulators, f"mediamtx/studio/cam1/{segment.name}") == segment.read_bytes()
    event = recorded(emulators, "mediamtx", f"studio/cam1/{segment.name}")
    assert event["data"]["recording"]["duration_s"] == 12.5
    assert segment.exists()


def test_mediamtx_session_groups_its_segments_and_ends(emulators, script_env, tmp_path):
    stream = f"cam-{uuid.uuid4().hex[:6]}"
    env = {**script_env, "MTX_PATH": f"studio/{stream}", "RELAY_STATE_DIR": str(tmp_path / "state"),
           "RELAY_SESSION_SETTLE": "0"}
    script = CONTRIB / "mediamtx/relay-upload-mediamtx"
    subprocess.run([script, "ready"], env=env, check=True)
    session = (tmp_path / "state" / f"mediamtx-studio_{stream}.session").read_text().strip()
    segments = [recording(tmp_path, f"2026-11-20_11-3{i}-50-000000.mp4") for i in range(2)]
    for segment in segments:
        subprocess.run([script, "segment"], env={**env, "MTX_SEGMENT_PATH": str(segment),
                                                 "MTX_SEGMENT_DURATION": "3600.00"}, check=True)
    in_flight = tmp_path / "state" / f"mediamtx-studio_{stream}.session.last.mp4.uploading"
    in_flight.touch()  # a last segment still uploading: `ended` must wait for it
    ended = subprocess.Popen([script, "ended"], env=env)
    time.sleep(2.5)
    assert ended.poll() is None
    in_flight.unlink()
    assert ended.wait(timeout=15) == 0
    for segment in segments:
        assert uploaded(emulators, f"mediamtx/studio/{stream}/session-{session}/{segment.name}")
        [added] = EventHistory(emulators.settings.catalog_table).get(
            event_id("mediamtx", "segment", f"studio/{stream}/{session}/{segment.name}"))
        assert added["type"] == "io.recordingrelay.recording.started"
    [ended] = EventHistory(emulators.settings.catalog_table).get(
        event_id("mediamtx", "session.ended", "studio", stream, session))
    assert ended["type"] == "io.recordingrelay.recording.ready"
    assert ended["subject"] == added["subject"]  # one recording for the whole session


def test_srs_forwarder_answers_code_zero_then_uploads(emulators, script_env, tmp_path):
    port = free_port()
    forwarder = subprocess.Popen([sys.executable, CONTRIB / "srs/relay-srs-forwarder.py", "--port", str(port)],
                                 env=script_env)
    try:
        flv = recording(tmp_path, f"cam-7.{uuid.uuid4().hex[:8]}.flv")
        hook = {"action": "on_dvr", "app": "live", "stream": "cam-7", "cwd": str(tmp_path), "file": f"./{flv.name}"}
        deadline = time.monotonic() + 10
        while True:
            try:
                request = urllib.request.Request(f"http://127.0.0.1:{port}/on_dvr", json.dumps(hook).encode(),
                                                 {"content-type": "application/json"})
                with urllib.request.urlopen(request, timeout=5) as answer:
                    assert json.loads(answer.read()) == {"code": 0}
                break
            except urllib.error.URLError:
                assert time.monotonic() < deadline
                time.sleep(0.05)
        while flv.exists() and time.monotonic() < deadline + 10:
            time.sleep(0.05)
        assert recorded(emulators, "srs", f"live/cam-7/{flv.name}")["data"]["provider"] == "srs"
    finally:
        forwarder.terminate()
        forwarder.wait()
