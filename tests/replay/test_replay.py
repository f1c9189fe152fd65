"""Replay of archived raw requests (`python -m chalicelib.cli replay`) against the
emulators, fed by the real HTTP routes and the EventBridge handler.

What legitimately differs after a replay: `data.via` (`webhook` / `eventbridge`
before, `replay` after) in the recordings' facts and in the event history, and
the write times of the recording items (`created_at`, `updated_at` and the index
sort keys `gsi1sk`/`gsi2sk`, which are those times). Everything else is equal,
`facts.raw` included: a replayed event points at the archived document it came
from, which is where the original pointed.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from chalicelib.events import recording_id, rfc3339
from chalicelib.ingress.archive import archive_key
from chalicelib.replay.window import day_prefixes, parse_moment
from chalicelib.settings import get_settings
from tests.ingress import requests
from tests.providers.conftest import fixture

PROJECT = Path(__file__).resolve().parents[2]
WRITE_TIMES = {"created_at", "updated_at", "gsi1sk", "gsi2sk"}
PROVIDERS = ("mux", "agora", "nginx-rtmp", "ivs")


@dataclass
class Traffic:
    since: float
    until: float = 0.0
    recordings: dict[str, str] = field(default_factory=dict)  # recording id -> expected status
    documents: dict[str, int] = field(default_factory=dict)  # provider -> raw documents archived
    events: dict[str, list[str]] = field(default_factory=dict)  # provider -> event ids answered
    ignored: dict[str, int] = field(default_factory=dict)


def _uid() -> str:
    return str(uuid.uuid4())


def _mux(relay, traffic: Traffic) -> None:
    asset, live = uuid.uuid4().hex, uuid.uuid4().hex
    recording = {**fixture("mux", "live_stream_recording"), "id": _uid()}
    recording["data"].update(id=live, active_asset_id=asset)
    recording["object"]["id"] = live
    connected = {**fixture("mux", "live_stream_connected"), "id": _uid()}
    connected["data"]["id"] = live
    completed = {**fixture("mux", "live_stream_completed"), "id": _uid()}
    completed["data"].update(id=asset, live_stream_id=live)
    unused = {"type": "video.upload.created", "id": _uid(), "created_at": "2026-11-20T12:00:00Z",
              "environment": {"id": "j0863n"}, "data": {"id": uuid.uuid4().hex}}
    for payload in (connected, recording, completed, unused):
        answer = relay.send(requests.mux(relay.secrets, payload))
        traffic.events.setdefault("mux", []).extend(answer.get("events", []))
    traffic.recordings[recording_id("mux", asset)] = "ready"
    traffic.documents["mux"], traffic.ignored["mux"] = 4, 1


def _agora(relay, traffic: Traffic) -> None:
    sid, failed_sid, now_ms = uuid.uuid4().hex, uuid.uuid4().hex, int(time.time() * 1000)
    started, uploaded, exited = (fixture("agora", name) for name in ("recorder_started", "uploaded",
                                                                      "session_exit_abnormal"))
    for payload, session in ((started, sid), (uploaded, sid), (exited, failed_sid)):
        payload.update(noticeId=_uid(), notifyMs=now_ms)
        payload["payload"]["sid"] = session
        answer = relay.send(requests.agora(relay.secrets, payload))
        assert answer["status"] == "accepted"
    traffic.recordings[recording_id("agora", sid)] = "ready"
    traffic.recordings[recording_id("agora", failed_sid)] = "failed"
    traffic.documents["agora"], traffic.ignored["agora"] = 3, 0


def _nginx_rtmp(relay, traffic: Traffic) -> None:
    name = f"cam-{uuid.uuid4().hex[:8]}"
    publish = {"app": "live", "flashver": "FMLE/3.0", "tcurl": "rtmp://ingest.example.com/live",
               "addr": "203.0.113.7", "clientid": "42", "call": "publish", "name": name, "type": "live",
               "token": "PUBLISHER-TOKEN"}
    done = {**publish, "call": "record_done", "path": f"/var/rec/{name}-{uuid.uuid4().hex}.flv"}
    for payload in (publish, done):
        answer = relay.send(requests.nginx_rtmp(relay.secrets, payload))
        traffic.events.setdefault("nginx-rtmp", []).extend(answer["events"])
    traffic.documents["nginx-rtmp"], traffic.ignored["nginx-rtmp"] = 2, 0


def _ivs(relay, traffic: Traffic) -> None:
    bucket, prefix = get_settings().ivs_bucket, f"ivs/v1/111122223333/AbCdef1G2hij/2026/11/26/12/0/{uuid.uuid4().hex}"
    for name in ("ivs_recording_start", "ivs_recording_end"):
        envelope = fixture("eventbridge", name)
        envelope["id"] = _uid()
        envelope["detail"].update(recording_s3_bucket_name=bucket, recording_s3_key_prefix=prefix)
        relay.eventbridge(envelope)
    traffic.recordings[recording_id("ivs", f"{bucket}/{prefix}")] = "ready"
    traffic.documents["ivs"], traffic.ignored["ivs"] = 2, 0


def send_traffic(relay) -> Traffic:
    traffic = Traffic(since=time.time() - 1)
    for send in (_mux, _agora, _nginx_rtmp, _ivs):
        send(relay, traffic)
    traffic.until = time.time() + 1
    return traffic


def counts(output: str) -> dict[str, int]:
    """The summary's `  name: N` lines."""
    return {m[1]: int(m[2]) for m in re.finditer(r"^  ([a-z ()]+?):\s+(\d+)", output, re.MULTILINE)}


def window(traffic: Traffic) -> list[str]:
    return ["--since", rfc3339(traffic.since), "--until", rfc3339(traffic.until)]


def comparable(items: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Recording items minus what legitimately differs after a replay: write times and `via`."""
    result = {}
    for pk, item in items.items():
        facts = json.loads(item["facts"])
        facts.pop("via")
        result[pk] = {**{k: v for k, v in item.items() if k not in WRITE_TIMES}, "facts": facts}
    return result


def without_via(events: dict[tuple[str, str], dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {key: {**event, "data": {k: v for k, v in event["data"].items() if k != "via"}}
            for key, event in events.items()}


def test_replay_after_the_catalog_is_wiped_rebuilds_the_same_catalog(relay):
    traffic = send_traffic(relay)
    applied = relay.drain()
    recordings, history = relay.recordings(), relay.events()
    statuses = {pk: item["status"] for pk, item in recordings.items()}
    nginx = [pk for pk, item in recordings.items() if item["provider"] == "nginx-rtmp"]
    assert len(nginx) == 1 and statuses.pop(nginx[0]) == "ready"
    assert statuses == traffic.recordings
    assert len(history) == len(applied) == 10  # every normalized event, each applied once
    assert {json.loads(item["facts"])["via"] for item in recordings.values()} == {"webhook", "eventbridge"}

    relay.wipe_catalog()
    assert relay.recordings() == {} and relay.events() == {}

    for provider in PROVIDERS:
        code, output = relay.replay("--provider", provider, *window(traffic), "--force")
        assert code == 0, output
        summary = counts(output)
        events = traffic.documents[provider] - traffic.ignored[provider]
        assert summary == {"documents read": traffic.documents[provider], "events normalized": events,
                           "new (enqueued)": events, "duplicates": 0, "ignored": traffic.ignored[provider],
                           "refused": 0}, output
    relay.drain()

    rebuilt, rebuilt_history = relay.recordings(), relay.events()
    assert comparable(rebuilt) == comparable(recordings)
    assert {json.loads(item["facts"])["via"] for item in rebuilt.values()} == {"replay"}
    assert without_via(rebuilt_history) == without_via(history)
    assert {event["data"]["via"] for event in rebuilt_history.values()} == {"replay"}
    assert relay.queued() == 0


def test_replay_without_force_enqueues_nothing_the_ledger_has_seen(relay):
    traffic = send_traffic(relay)
    relay.drain()
    relay.wipe_catalog()
    for provider in PROVIDERS:
        code, output = relay.replay("--provider", provider, *window(traffic))
        assert code == 0, output
        events = traffic.documents[provider] - traffic.ignored[provider]
        assert counts(output)["new (enqueued)"] == 0
        assert counts(output)["duplicates"] == events
    assert relay.queued() == 0
    assert relay.recordings() == {} and relay.events() == {}  # which is what --force is for


def test_dry_run_lists_what_would_be_replayed_and_changes_nothing(relay):
    traffic = send_traffic(relay)
    relay.drain()
    relay.wipe_catalog()
    ledger, raw = relay.ledger_size(), sorted(relay.raw_keys())
    code, output = relay.replay("--provider", "mux", *window(traffic), "--dry-run")
    assert code == 0, output
    for event_id in traffic.events["mux"]:
        assert event_id in output
    for short in ("stream.started", "recording.started", "recording.ready", "ignored: video.upload.created"):
        assert short in output
    assert "raw/mux/" in output and "dry run" in output
    assert counts(output) == {"documents read": 4, "events normalized": 3, "ignored": 1, "refused": 0}
    assert relay.queued() == 0
    assert relay.recordings() == {} and relay.events() == {}
    assert relay.ledger_size() == ledger and sorted(relay.raw_keys()) == raw


def test_a_window_that_excludes_the_documents_replays_nothing(relay):
    traffic = send_traffic(relay)
    relay.drain()
    relay.wipe_catalog()
    before = ["--since", rfc3339(traffic.since - 3600), "--until", rfc3339(traffic.since)]
    after = ["--since", rfc3339(traffic.until), "--until", rfc3339(traffic.until + 3600)]
    for provider in PROVIDERS:
        for bounds in (before, after):
            code, output = relay.replay("--provider", provider, *bounds, "--force")
            assert code == 0, output
            assert counts(output)["documents read"] == 0
            assert counts(output)["new (enqueued)"] == 0
    assert relay.queued() == 0 and relay.recordings() == {}


def test_documents_that_no_longer_parse_are_refused_and_the_rest_replayed(relay):
    traffic = send_traffic(relay)
    relay.drain()
    now = time.time()
    base = {"provider": "mux", "route": "mux", "received_at": now, "headers": {"content-type": "application/json"},
            "query": {}}
    broken = {
        "not-json": {**base, "body": "{not json"},
        "wrong-type": {**base, "headers": {"content-type": "text/plain"}, "body": "{}"},
        "no-body": base,
        "unknown-route": {**base, "route": "myspace", "body": "{}"},
        "no-type": {**base, "body": json.dumps({"id": "x"})},
        "bad-envelope": {"provider": "mux", "route": "eventbridge", "received_at": now, "envelope": [1]},
        "no-time": {**base, "received_at": "yesterday", "body": "{}"},
    }
    for name, document in broken.items():
        relay.put_raw(archive_key("mux", name, now), document)
    relay.put_raw(archive_key("mux", "garbage", now), b"\x00not a document")
    traffic.until = time.time() + 1

    code, output = relay.replay("--provider", "mux", *window(traffic), "--force")
    assert code == 1, output  # some documents were refused: scripts must see it
    summary = counts(output)
    assert summary["refused"] == len(broken) + 1
    assert summary["documents read"] == 4 + len(broken) + 1
    assert summary["new (enqueued)"] == 3  # the good documents went through
    for name in (*broken, "garbage"):
        assert f"/{name}.json: " in output
    assert "body is not JSON" in output and "unsupported content type" in output and "unknown route" in output


def test_cli_shows_a_progress_bar(relay):
    traffic = send_traffic(relay)
    done = subprocess.run([sys.executable, "-m", "chalicelib.cli", "replay", "--provider", "agora",
                           *window(traffic), "--dry-run"],
                          cwd=PROJECT, env=dict(os.environ), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "replay agora" in done.stderr and "3/3" in done.stderr
    assert counts(done.stdout)["events normalized"] == 3


def test_cli_refuses_an_empty_window(relay, capsys):
    code, _ = relay.replay("--provider", "mux", "--since", "2026-11-20T12:00:00Z", "--until", "2026-11-20")
    assert code == 2
    assert "--until must be after --since" in capsys.readouterr().err


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-11-20", 1795132800.0),
    ("2026-11-20T12:00:00Z", 1795176000.0),
    ("2026-11-20T13:00:00+01:00", 1795176000.0),
    ("2026-11-20T12:00:00.250", 1795176000.25),
    ("90m", 1795176000.0 - 5400),
    ("48h", 1795176000.0 - 172800),
    ("7d", 1795176000.0 - 604800),
])
def test_parse_moment(text, expected):
    assert parse_moment(text, now=1795176000.0) == expected


@pytest.mark.parametrize("text", ["", "yesterday", "12x", "2026-13-01"])
def test_parse_moment_refuses(text):
    with pytest.raises(ValueError, match="neither a date/time"):
        parse_moment(text)


def test_day_prefixes_cover_each_utc_day_of_the_window():
    midnight = 1795132800.0  # 2026-11-20T00:00:00Z
    assert day_prefixes("mux", midnight + 60, midnight + 120) == ["raw/mux/2026/11/20/"]
    assert day_prefixes("mux", midnight - 1, midnight + 86400) == ["raw/mux/2026/11/19/", "raw/mux/2026/11/20/"]
    assert day_prefixes("ivs", midnight + 9 * 86400, midnight + 11 * 86400 + 1) == [
        "raw/ivs/2026/11/29/", "raw/ivs/2026/11/30/", "raw/ivs/2026/12/01/"]
    assert day_prefixes("mux", midnight, midnight) == []


def test_no_progress_bar_without_tqdm(monkeypatch, capsys):
    from chalicelib.replay.progress import document_bar

    monkeypatch.setitem(sys.modules, "tqdm", None)  # tqdm is a dev dependency only
    with document_bar(3) as advance:
        advance(3)
    assert capsys.readouterr().err == ""


def test_a_busy_day_is_replayed_oldest_first_with_few_documents_in_memory(relay, monkeypatch):
    import random
    import threading
    import weakref

    from chalicelib.replay.documents import RawReader

    noon = 1795176000.0  # 2026-11-20T12:00:00Z: one UTC day, listed in key order, which is not time order
    inside = {f"{uuid.uuid4()}": noon + i * 0.75 for i in range(60)}
    outside = {f"{uuid.uuid4()}": noon - 60 - i for i in range(5)}
    for name, received_at in {**inside, **outside}.items():
        payload = {"type": "video.upload.created", "id": name, "created_at": rfc3339(received_at),
                   "environment": {"id": "j0863n"}, "data": {"id": name, "padding": "x" * 20_000}}
        relay.put_raw(archive_key("mux", name, received_at),
                      {"provider": "mux", "route": "mux", "received_at": received_at,
                       "headers": {"content-type": "application/json"}, "query": {}, "body": json.dumps(payload)})

    lock, alive, peak = threading.Lock(), [0, 0], [0, 0]  # [parsed documents alive, reads in flight]
    read_one = RawReader.read_one

    def gone() -> None:
        with lock:
            alive[0] -= 1

    def counted(self: RawReader, key: str):
        with lock:
            alive[1] += 1
            peak[1] = max(peak[1], alive[1])
        time.sleep(random.uniform(0, 0.01))  # reads finish out of order
        doc = read_one(self, key)
        with lock:
            alive[0], alive[1] = alive[0] + 1, alive[1] - 1
            peak[0] = max(peak[0], alive[0])
        weakref.finalize(doc, gone)
        return doc

    monkeypatch.setattr(RawReader, "read_one", counted)
    code, output = relay.replay("--provider", "mux", "--since", rfc3339(noon), "--until", rfc3339(noon + 60),
                                "--dry-run")
    assert code == 0, output
    bound = RawReader("bucket").workers
    assert bound == 8
    assert 0 < peak[1] <= bound and 0 < peak[0] <= bound, peak  # not the day's 65 documents
    assert alive == [0, 0]
    assert counts(output) == {"documents read": 60, "events normalized": 0, "ignored": 60, "refused": 0}
    assert "(and 5 outside the window)" in output
    replayed = re.findall(r"^\S+  raw/mux/2026/11/20/(\S+)\.json$", output, re.MULTILINE)
    assert replayed == sorted(inside, key=inside.__getitem__)  # oldest first by received_at
