"""Failure paths, retries, deferrals, duplicates and disorder, KEEP_SOURCE and
deadline continuation, through the real handlers on the emulators."""

from __future__ import annotations

import json
import os
import subprocess
import time
import uuid

import pytest

from chalicelib import clients
from chalicelib.catalog.events import EventHistory, EventQuery
from chalicelib.catalog.recordings import Recordings
from chalicelib.events import recording_id
from chalicelib.media.binary import ffmpeg
from chalicelib.pipeline.jobs import run_job, set_deadline
from chalicelib.pipeline.process import process_job
from chalicelib.pipeline.worker import backoff_s
from chalicelib.settings import get_settings, reset_settings
from tests.ingress import requests
from tests.media.conftest import make
from tests.pipeline.checks import archived_objects, assert_processed, open_uploads
from tests.pipeline.fakes import mux_asset
from tests.pipeline.test_providers import (
    ivs_end_event,
    ivs_recording,
    mux_completed,
    nginx_record_done,
    upload,
)
from tests.providers.conftest import fixture


def nginx(pipeline, tmp_path, body: bytes | None = None, seconds: float = 2) -> str:
    """A nginx-rtmp recording announced by its hook; its FLV uploaded unless `body` is b""."""
    stream, name = f"cam-{uuid.uuid4().hex[:6]}", f"{uuid.uuid4().hex[:8]}.flv"
    key = f"nginx-rtmp/live/{stream}/{name}"
    if body is None:
        upload(make(tmp_path / name, seconds), key)
    elif body:
        (tmp_path / name).write_bytes(body)
        upload(tmp_path / name, key)
    pipeline.send(requests.nginx_rtmp(pipeline.secrets, nginx_record_done(stream, name)))
    return recording_id("nginx-rtmp", f"live/{stream}/{name}")


def item_of(rec: str) -> dict:
    found = Recordings(get_settings().catalog_table).get(rec)
    assert found is not None
    return found


def test_source_gone_fails_with_its_reason_and_leaves_nothing(pipeline, tmp_path, relay_events):
    rec = nginx(pipeline, tmp_path, body=b"")
    pipeline.drain(pipeline.reaches(rec, "processed", "failed"))
    item = item_of(rec)
    assert item["status"] == "failed" and "source not readable" in item["last_error"]
    assert archived_objects(rec) == [] and not [u for u in open_uploads() if rec in u["Key"]]
    assert ("io.recordingrelay.recording.failed", rec) in [(e["type"], e["subject"]) for e in relay_events()]


def test_corrupt_source_fails_with_the_media_error(pipeline, tmp_path):
    rec = nginx(pipeline, tmp_path, body=os.urandom(256 * 1024))
    pipeline.drain(pipeline.reaches(rec, "processed", "failed"))
    item = item_of(rec)
    assert item["status"] == "failed" and "unreadable media" in item["last_error"]
    assert archived_objects(rec) == [] and not [u for u in open_uploads() if rec in u["Key"]]


def test_provider_api_answering_500_twice_then_working_recovers(pipeline, tmp_path):
    asset_id, playback_id = f"asset{uuid.uuid4().hex}", f"play{uuid.uuid4().hex}"
    pipeline.provider.assets[asset_id] = mux_asset(asset_id, "ls-1", playback_id, 2.0)
    pipeline.provider.rendition_ready(asset_id, make(tmp_path / "highest.mp4", 2))
    pipeline.provider.fail(f"/mux-api/video/v1/assets/{asset_id}", 2)
    pipeline.send(requests.mux(pipeline.secrets, mux_completed(pipeline, asset_id, playback_id)))
    rec = recording_id("mux", asset_id)
    pipeline.drain(pipeline.reaches(rec, "processed", "failed"))
    assert_processed(rec, 2.0, tmp_path)
    assert pipeline.provider.calls_to("GET", f"/assets/{asset_id}") == 3  # 500, 500, then the asset


def test_a_redelivered_job_after_processing_changes_nothing(pipeline, tmp_path):
    rec = nginx(pipeline, tmp_path)
    pipeline.drain(pipeline.reaches(rec, "processed", "failed"))
    before = item_of(rec)
    run_job(process_job(rec))
    assert item_of(rec) == before


def test_every_event_twice_in_reverse_order_gives_one_archive_and_a_clean_history(pipeline, tmp_path):
    bucket, prefix = ivs_recording(tmp_path, 3)
    start = fixture("eventbridge", "ivs_recording_start")
    start["id"] = str(uuid.uuid4())
    start["detail"].update(recording_s3_bucket_name=bucket, recording_s3_key_prefix=prefix)
    ended_object = fixture("eventbridge", "s3_ivs_recording_ended")
    ended_object["id"] = str(uuid.uuid4())
    ended_object["detail"]["bucket"]["name"] = bucket
    ended_object["detail"]["object"]["key"] = f"{prefix}/events/recording-ended.json"
    events = [("ivs_events", start), ("ivs_events", ivs_end_event(bucket, prefix)), ("object_created", ended_object)]
    for handler, envelope in reversed(events + events):
        pipeline.eventbridge(envelope, handler)
    rec = recording_id("ivs", f"{bucket}/{prefix}")
    pipeline.drain(lambda: pipeline.status(rec) in ("processed", "failed") and not _queued(pipeline.queue_url))
    assert_processed(rec, 3.0, tmp_path)
    assert len(archived_objects(rec)) == 5
    history, _ = EventHistory(get_settings().catalog_table).list(EventQuery(subject=rec, limit=100))
    ids = [e["id"] for e in history]
    assert len(ids) == len(set(ids)) == 5  # three provider events once each, then archived and processed
    assert {e["type"].rsplit(".", 2)[-2] + "." + e["type"].rsplit(".", 1)[-1] for e in history} == {
        "recording.started", "recording.ready", "recording.archived", "recording.processed"}


def _queued(queue_url: str) -> int:
    attributes = clients.aws("sqs").get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                                            "ApproximateNumberOfMessagesDelayed"])["Attributes"]
    return sum(int(v) for v in attributes.values())


def _delayed(queue_url: str) -> int:
    return int(clients.aws("sqs").get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessagesDelayed"])["Attributes"][
        "ApproximateNumberOfMessagesDelayed"])


def agora_uploaded(pipeline, key: str, sid: str, notify_s: float) -> None:
    payload = fixture("agora", "uploaded")
    payload["payload"].update(sid=sid)
    payload["payload"]["details"]["fileList"] = [{**payload["payload"]["details"]["fileList"][0], "fileName": key}]
    payload["noticeId"], payload["notifyMs"] = str(uuid.uuid4()), int(notify_s * 1000)
    pipeline.send(requests.agora(pipeline.secrets, payload))


def test_agora_file_still_in_backup_storage_is_waited_for_not_failed(pipeline, tmp_path):
    sid = uuid.uuid4().hex
    key = f"recordings/{sid}_townhall-42_0.mp4"
    agora_uploaded(pipeline, key, sid, time.time())
    rec = recording_id("agora", sid)
    pipeline.drain(lambda: _delayed(pipeline.queue_url) > 0)  # the process job deferred itself
    assert pipeline.status(rec) in ("ready", "archiving") and "last_error" not in item_of(rec)
    upload(make(tmp_path / "late.mp4", 2), key)  # Agora moves it over from backup storage
    pipeline.drain(pipeline.reaches(rec, "processed", "failed"))
    assert_processed(rec, 2.0, tmp_path)


def test_agora_file_missing_past_the_grace_period_fails(pipeline, tmp_path, monkeypatch):
    monkeypatch.setenv("AGORA_BACKUP_GRACE_SECONDS", "0")
    reset_settings()
    sid = uuid.uuid4().hex
    agora_uploaded(pipeline, f"recordings/{sid}_townhall-42_0.mp4", sid, time.time())
    rec = recording_id("agora", sid)
    pipeline.drain(pipeline.reaches(rec, "processed", "failed"))
    assert "source not readable" in item_of(rec)["last_error"]


def test_keep_source_archives_the_original_beside_the_mp4(pipeline, tmp_path, monkeypatch):
    monkeypatch.setenv("KEEP_SOURCE", "true")
    reset_settings()
    stream, name = f"cam-{uuid.uuid4().hex[:6]}", f"{uuid.uuid4().hex[:8]}.flv"
    flv = make(tmp_path / name, 2)
    upload(flv, f"nginx-rtmp/live/{stream}/{name}")
    pipeline.send(requests.nginx_rtmp(pipeline.secrets, nginx_record_done(stream, name)))
    rec = recording_id("nginx-rtmp", f"live/{stream}/{name}")
    pipeline.drain(pipeline.reaches(rec, "processed", "failed"))
    assert_processed(rec, 2.0, tmp_path)
    [kept] = [k for k in archived_objects(rec) if "/source/" in k]
    assert kept.endswith(f"/source/{name}")
    body = clients.vultr().get_object(Bucket=get_settings().vultr_bucket, Key=kept)["Body"].read()
    assert body == flv.read_bytes()


def test_a_copy_paused_at_the_deadline_is_continued_by_a_new_job(pipeline, tmp_path, monkeypatch):
    monkeypatch.setenv("KEEP_SOURCE", "true")
    monkeypatch.setenv("TRANSFER_PART_SIZE_MIB", "8")
    reset_settings()
    stream, name = f"cam-{uuid.uuid4().hex[:6]}", f"{uuid.uuid4().hex[:8]}.flv"
    big = tmp_path / name  # near-lossless 720p: over one 8 MiB part, so the copy is multipart
    subprocess.run([ffmpeg(), "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
                    "testsrc2=size=1280x720:rate=30", "-c:v", "libx264", "-qp", "4", "-g", "60", "-preset",
                    "ultrafast", "-f", "flv", "-t", "5", str(big)], check=True)  # qp 4: big, yet plain High profile
    assert big.stat().st_size > 9 * 1024 * 1024
    upload(big, f"nginx-rtmp/live/{stream}/{name}")
    pipeline.send(requests.nginx_rtmp(pipeline.secrets, nginx_record_done(stream, name)))
    rec = recording_id("nginx-rtmp", f"live/{stream}/{name}")
    pipeline.drain(pipeline.reaches(rec, "ready"))
    set_deadline(lambda: 10.0)  # inside the engine's 30 s margin: no part may start
    try:
        run_job(process_job(rec))
    finally:
        set_deadline(lambda: float("inf"))
    assert pipeline.status(rec) == "archiving"
    bodies = [json.loads(m["Body"]) for m in clients.aws("sqs").receive_message(
        QueueUrl=pipeline.queue_url, MaxNumberOfMessages=10, VisibilityTimeout=0).get("Messages", [])]
    assert {"kind": "process-recording", "recording_id": rec, "continued": 1} in bodies
    pipeline.drain(pipeline.reaches(rec, "processed", "failed"))
    assert_processed(rec, 5.0, tmp_path)
    [kept] = [k for k in archived_objects(rec) if "/source/" in k]
    assert clients.vultr().head_object(Bucket=get_settings().vultr_bucket, Key=kept)["ContentLength"] == \
        big.stat().st_size


@pytest.mark.parametrize(("count", "expected"), [(1, 30), (2, 60), (3, 120), (6, 900), (400, 900)])
def test_retry_backoff_doubles_up_to_fifteen_minutes(count, expected):
    assert backoff_s(count, 30) == expected


def test_manifest_repeats_the_catalog_entry(pipeline, tmp_path):
    rec = nginx(pipeline, tmp_path)
    pipeline.drain(pipeline.reaches(rec, "processed", "failed"))
    item = item_of(rec)
    manifest = json.loads(clients.vultr().get_object(Bucket=get_settings().vultr_bucket,
                                                     Key=item["manifest_key"])["Body"].read())
    assert manifest["recording"] == json.loads(item["facts"])["recording"]
    assert manifest["status"] == item["status"] == "processed"


def test_a_recording_another_worker_is_archiving_is_deferred_not_done_twice(pipeline, tmp_path):
    stream, name = f"cam-{uuid.uuid4().hex[:6]}", f"{uuid.uuid4().hex[:8]}.flv"
    upload(make(tmp_path / name, 2), f"nginx-rtmp/live/{stream}/{name}")
    pipeline.send(requests.nginx_rtmp(pipeline.secrets, nginx_record_done(stream, name)))
    rec = recording_id("nginx-rtmp", f"live/{stream}/{name}")
    pipeline.drain(pipeline.reaches(rec, "ready"))
    recordings = Recordings(get_settings().catalog_table)
    assert recordings.lease(rec, "the-other-worker", 600)
    run_job(process_job(rec))  # deferred: the other worker holds the lease
    assert pipeline.status(rec) == "ready" and archived_objects(rec) == []
    assert not recordings.lease(rec, "a-third-worker", 600)
    recordings.release(rec, "the-other-worker")
    pipeline.drain(pipeline.reaches(rec, "processed", "failed"))
    assert_processed(rec, 2.0, tmp_path)
    assert "lease" not in item_of(rec)  # released when the job ended
