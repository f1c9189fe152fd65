"""`make run` end to end: ready within 60 s, serves the schema, stops clean."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from chalicelib.events.schema import schema
from devstack.moto import port_open
from tests.conftest import free_port
from tests.providers.conftest import fixture

PROJECT = Path(__file__).resolve().parents[2]
READY = "recording-relay ready on http://127.0.0.1:"


def _session_members(sid: int) -> list[int]:
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] != "Z":
            members.append(int(stat.parent.name))
    return members


def _wait_for_line(process: subprocess.Popen[str], text: str, timeout: float) -> float:
    """Seconds until `text` is printed. A reader thread keeps draining the pipe after
    (a select on it can miss a line Python already buffered, and a full pipe would
    block the server's access log)."""
    started, seen, lines = time.monotonic(), threading.Event(), []

    def read() -> None:
        for line in process.stdout:
            lines.append(line)
            if text in line:
                seen.set()

    threading.Thread(target=read, daemon=True).start()
    if not seen.wait(timeout):
        pytest.fail(f"no {text!r} within {timeout} s: {''.join(lines[-20:])}")
    return time.monotonic() - started


def local_env(ports: dict[str, str]) -> dict[str, str]:
    text = (Path(ports["RELAY_STATE_DIR"]) / "local.env").read_text()
    return dict(line.split("=", 1) for line in text.splitlines())


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=5) as answer:
        return answer.read()


@pytest.fixture
def stack_ports(tmp_path) -> dict[str, str]:
    """Free ports, and a state directory of its own: a developer's `make run` keeps its `.relay/local.env`."""
    return {"RELAY_AWS_PORT": str(free_port()), "RELAY_VULTR_PORT": str(free_port()),
            "RELAY_API_PORT": str(free_port()), "RELAY_STATE_DIR": str(tmp_path)}


def _start(ports: dict[str, str]) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "VULTR_", "RELAY_", "JOBS_"))}
    env.update(ports, RELAY_RECONCILE_SECONDS="1")
    return subprocess.Popen(["make", "--no-print-directory", "run"], cwd=PROJECT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_make_run_is_ready_serves_schema_and_stops_everything(stack_ports, stop_signal):
    process = _start(stack_ports)
    try:
        assert _wait_for_line(process, READY, 60) < 60
        api = f"http://127.0.0.1:{stack_ports['RELAY_API_PORT']}"
        assert json.loads(_get(f"{api}/schemas/recording-event.v1.json")) == schema()
        assert all(port_open("127.0.0.1", int(stack_ports[k])) for k in ("RELAY_AWS_PORT", "RELAY_VULTR_PORT"))
        if stop_signal == signal.SIGINT:
            os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C does: the whole foreground group
        else:
            service = [p for p in _session_members(process.pid) if p != process.pid]
            for pid in service:
                if b"devstack" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    os.kill(pid, signal.SIGTERM)
        process.wait(timeout=60)
        deadline = time.monotonic() + 10
        while _session_members(process.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _session_members(process.pid) == []
        assert not any(port_open("127.0.0.1", int(stack_ports[k]))
                       for k in ("RELAY_AWS_PORT", "RELAY_VULTR_PORT", "RELAY_API_PORT"))
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)


def _request(url: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=body, headers=headers or {}, method="POST" if body else "GET")
    with urllib.request.urlopen(request, timeout=10) as answer:
        return answer.status, json.loads(answer.read())


def test_make_run_takes_eventbridge_and_hooks_and_lists_them(stack_ports):
    process = _start(stack_ports)
    try:
        _wait_for_line(process, READY, 60)
        values = local_env(stack_ports)
        api = values["RELAY_API_URL"]
        envelope = fixture("eventbridge", "ivs_recording_end")
        status, body = _request(f"{api}/_local/eventbridge", json.dumps(envelope).encode(),
                                {"content-type": "application/json"})
        assert (status, body["events"]) == (200, [envelope["id"]])
        hook = b"call=record_done&app=live&name=cam&path=/rec/cam-1.flv&clientid=1"
        status, _ = _request(f"{api}/hooks/nginx-rtmp?token={values['HOOK_TOKEN']}", hook,
                             {"content-type": "application/x-www-form-urlencoded"})
        assert status == 200
        auth = {"authorization": f"Bearer {values['RELAY_API_TOKEN']}"}
        status, listed = _request(f"{api}/events?limit=10", headers=auth)
        assert {e["data"]["provider"] for e in listed["events"]} == {"ivs", "nginx-rtmp"}
    finally:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=60)


def test_make_run_writes_local_env(stack_ports):
    process = _start(stack_ports)
    try:
        _wait_for_line(process, READY, 60)
        values = local_env(stack_ports)
        assert values["RELAY_API_URL"] == f"http://127.0.0.1:{stack_ports['RELAY_API_PORT']}"
        assert values["AWS_ENDPOINT_URL"] == f"http://127.0.0.1:{stack_ports['RELAY_AWS_PORT']}"
        assert values["VULTR_ENDPOINT"] == f"http://127.0.0.1:{stack_ports['RELAY_VULTR_PORT']}"
        assert values["JOBS_QUEUE_URL"].startswith(values["AWS_ENDPOINT_URL"])
        assert oct((Path(stack_ports["RELAY_STATE_DIR"]) / "local.env").stat().st_mode & 0o777) == "0o600"
    finally:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=60)
