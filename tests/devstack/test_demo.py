"""`make demo` against `make run`: an nginx-rtmp and an IVS recording reach `processed`."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import free_port
from tests.devstack.test_make_run import PROJECT, READY, _start, _wait_for_line

PROCESSED = re.compile(r"^\s*[\d.]+ s\s+(nginx-rtmp|ivs)\s+(rec_[a-z2-7]{16})\s+processed$", re.MULTILINE)


def _demo(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "VULTR_", "RELAY_", "JOBS_"))}
    return subprocess.run([sys.executable, "-m", "devstack.demo", *args], cwd=PROJECT, env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)


@pytest.mark.stack
def test_demo_takes_an_nginx_rtmp_and_an_ivs_recording_to_processed(tmp_path):
    ports = {"RELAY_AWS_PORT": str(free_port()), "RELAY_VULTR_PORT": str(free_port()),
             "RELAY_API_PORT": str(free_port()), "RELAY_STATE_DIR": str(tmp_path)}
    process = _start(ports)
    try:
        _wait_for_line(process, READY, 60)
        env_file = tmp_path / "local.env"  # where this `make run` writes it
        values = dict(line.split("=", 1) for line in env_file.read_text().splitlines())
        assert values["RELAY_API_URL"].endswith(f":{ports['RELAY_API_PORT']}")  # this stack's file

        done = _demo("--env", str(env_file), "--seconds", "6", "--timeout", "40")

        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        processed = dict(PROCESSED.findall(done.stdout))
        assert set(processed) == {"nginx-rtmp", "ivs"}, done.stdout[-3000:]
        assert "both recordings processed" in done.stdout
        for recording in processed.values():
            request = urllib.request.Request(f"{values['RELAY_API_URL']}/recordings/{recording}",
                                             headers={"authorization": f"Bearer {values['RELAY_API_TOKEN']}"})
            with urllib.request.urlopen(request, timeout=10) as answer:
                shown = json.loads(answer.read())
            assert shown["status"] == "processed"
            assert {"mp4", "poster", "sprite", "vtt", "manifest"} <= set(shown["urls"])
            assert shown["urls"]["mp4"].split("?")[0] in done.stdout  # presigned again, so the query differs
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def test_demo_without_a_running_stack_says_to_start_make_run(tmp_path: Path):
    env_file = tmp_path / "local.env"
    env_file.write_text(f"RELAY_API_URL=http://127.0.0.1:{free_port()}\nHOOK_TOKEN=x\nRELAY_API_TOKEN=y\n")

    done = _demo("--env", str(env_file), timeout=30)

    assert done.returncode == 1
    assert "start `make run` first" in done.stderr


def test_demo_without_an_env_file_says_to_start_make_run(tmp_path: Path):
    done = _demo("--env", str(tmp_path / "missing.env"), timeout=30)

    assert done.returncode == 1
    assert "start `make run` first" in done.stderr
