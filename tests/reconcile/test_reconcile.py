"""Reconciliation against the emulators and the fake provider servers: webhooks
that never came, stuck work, abandoned uploads."""

from __future__ import annotations

import json
import threading
import time
import uuid

from chalicelib import clients
from chalicelib.catalog.events import EventHistory, EventQuery
from chalicelib.catalog.recordings import Recordings
from chalicelib.catalog.states import Status
from chalicelib.events import recording_id
from chalicelib.reconcile import run
from chalicelib.settings import get_settings, reset_settings
from chalicelib.transfer.checkpoint import Checkpoint, DynamoCheckpoints
from chalicelib.transfer.destination import Destination
from chalicelib.transfer.engine import copy_id_for
from tests.ingress import requests
from tests.media.conftest import make
from tests.pipeline.checks import archived_objects, assert_processed
from tests.pipeline.fakes import mux_asset
from tests.pipeline.test_providers import cloudflare_ready, ivs_recording, nginx_record_done, upload


def discover_only(since: float, *sources: str):
    return run(since=since, sources=list(sources), redrive=False, clean_up=False)


def test_a_mux_recording_whose_webhook_never_came_is_found_and_archived(pipeline, tmp_path):
    since = time.time() - 1
    asset_id, playback_id = f"asset{uuid.uuid4().hex}", f"play{uuid.uuid4().hex}"
    pipeline.provider.assets[asset_id] = mux_asset(asset_id, "ls-9", playback_id, 2.0, str(int(time.time())))
    pipeline.provider.rendition_ready(asset_id, make(tmp_path / "highest.mp4", 2))
    summary = discover_only(since, "mux")
    rec = recording_id("mux", asset_id)
    assert summary.missing_found == 1 and not summary.source_errors
    pipeline.drain(pipeline.reaches(rec, "processed", "failed"))
    item = assert_processed(rec, 2.0, tmp_path)
    assert json.loads(item["facts"])["via"] == "reconcile"


def test_a_cloudflare_live_recording_is_found_and_archived(pipeline, tmp_path):
    uid = uuid.uuid4().hex
    pipeline.provider.videos[uid] = cloudflare_ready(uid, 2.0)
    pipeline.provider.download_ready(uid, make(tmp_path / "default.mp4", 2))
    assert discover_only(time.time() - 60, "cloudflare").missing_found == 1
    rec = recording_id("cloudflare", uid)
    pipeline.drain(pipeline.reaches(rec, "processed", "failed"))
    assert_processed(rec, 2.0, tmp_path)
    pipeline.provider.videos.pop(uid)


def test_an_ivs_recording_is_found_from_its_recording_ended_json(pipeline, tmp_path):
    since = time.time() - 1
    bucket, prefix = ivs_recording(tmp_path, 2)
    assert discover_only(since, "ivs").missing_found == 1
    rec = recording_id("ivs", f"{bucket}/{prefix}")
    pipeline.drain(pipeline.reaches(rec, "processed", "failed"))
    assert_processed(rec, 2.0, tmp_path)


def test_agora_and_self_hosted_uploads_are_found_in_the_ingest_bucket(pipeline, tmp_path, monkeypatch):
    monkeypatch.setenv("UPLOAD_QUIET_SECONDS", "0")
    reset_settings()
    since = time.time() - 1
    sid, stream, name = uuid.uuid4().hex, f"cam-{uuid.uuid4().hex[:6]}", f"{uuid.uuid4().hex[:8]}.flv"
    upload(make(tmp_path / "agora.mp4", 2), f"recordings/{sid}_townhall-42_0.mp4")
    upload(make(tmp_path / name, 2), f"nginx-rtmp/live/{stream}/{name}")
    time.sleep(0.01)
    summary = discover_only(since, "ingest")
    agora, nginx = recording_id("agora", sid), recording_id("nginx-rtmp", f"live/{stream}/{name}")
    assert summary.missing_found >= 2  # other tests' uploads of the same second may count too
    pipeline.drain(lambda: {pipeline.status(agora), pipeline.status(nginx)} <= {"processed", "failed"})
    assert_processed(agora, 2.0, tmp_path)
    assert_processed(nginx, 2.0, tmp_path)


def test_archived_recordings_are_not_found_again_and_a_racing_webhook_archives_once(pipeline, tmp_path):
    since = time.time() - 1
    stream, name = f"cam-{uuid.uuid4().hex[:6]}", f"{uuid.uuid4().hex[:8]}.flv"
    upload(make(tmp_path / name, 2), f"nginx-rtmp/live/{stream}/{name}")
    rec = recording_id("nginx-rtmp", f"live/{stream}/{name}")
    assert discover_only(since, "ingest").missing_found >= 1
    pipeline.send(requests.nginx_rtmp(pipeline.secrets, nginx_record_done(stream, name)))  # the webhook, late
    pipeline.drain(pipeline.reaches(rec, "processed", "failed"))
    assert_processed(rec, 2.0, tmp_path)
    assert discover_only(since, "ingest").missing_found == 0  # a second run finds nothing new
    assert len(archived_objects(rec)) == 5
    history, _ = EventHistory(get_settings().catalog_table).list(EventQuery(subject=rec, limit=100))
    assert sorted(e["type"].rsplit(".", 1)[1] for e in history) == ["archived", "processed", "ready"]


def test_two_concurrent_runs_find_a_missing_recording_once(pipeline, tmp_path):
    since = time.time() - 1
    stream, name = f"cam-{uuid.uuid4().hex[:6]}", f"{uuid.uuid4().hex[:8]}.flv"
    upload(make(tmp_path / name, 1), f"nginx-rtmp/live/{stream}/{name}")
    rec = recording_id("nginx-rtmp", f"live/{stream}/{name}")
    runs = [threading.Thread(target=lambda: discover_only(since, "ingest")) for _ in range(2)]
    for thread in runs:
        thread.start()
    for thread in runs:
        thread.join()
    sqs, jobs = clients.aws("sqs"), []
    while messages := sqs.receive_message(QueueUrl=pipeline.queue_url, MaxNumberOfMessages=10,
                                          VisibilityTimeout=60).get("Messages", []):
        jobs += [json.loads(m["Body"]) for m in messages]
    assert [j["event"]["subject"] for j in jobs if j["kind"] == "recording-event"].count(rec) == 1


def backdate(rec: str, status: Status, seconds: float) -> None:
    """Make a recording look untouched for `seconds`, in `status`."""
    when = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(time.time() - seconds))
    clients.aws("dynamodb").update_item(
        TableName=get_settings().catalog_table, Key={"pk": {"S": rec}, "sk": {"S": "META"}},
        UpdateExpression="SET #s = :s, updated_at = :t, gsi2pk = :g, gsi2sk = :t",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": {"S": str(status)}, ":t": {"S": when}, ":g": {"S": f"STATUS#{status}"}})


def stuck_recording(pipeline, tmp_path) -> str:
    """A recording whose worker died mid-archive: `archiving`, two hours ago, no job left."""
    stream, name = f"cam-{uuid.uuid4().hex[:6]}", f"{uuid.uuid4().hex[:8]}.flv"
    upload(make(tmp_path / name, 2), f"nginx-rtmp/live/{stream}/{name}")
    pipeline.send(requests.nginx_rtmp(pipeline.secrets, nginx_record_done(stream, name)))
    rec = recording_id("nginx-rtmp", f"live/{stream}/{name}")
    pipeline.drain(pipeline.reaches(rec, "ready"))
    clients.aws("sqs").purge_queue(QueueUrl=pipeline.queue_url)
    backdate(rec, Status.ARCHIVING, 2 * 3600)
    return rec


def test_a_recording_stuck_in_archiving_is_redriven_to_processed(pipeline, tmp_path):
    rec = stuck_recording(pipeline, tmp_path)
    summary = run(since=time.time(), sources=[], clean_up=False)
    assert summary.redriven >= 1 and summary.oldest_non_terminal_age_s >= 2 * 3600 - 5
    assert run(since=time.time(), sources=[], clean_up=False).redriven == 0  # not twice within the threshold
    pipeline.drain(pipeline.reaches(rec, "processed", "failed"))
    assert_processed(rec, 2.0, tmp_path)


def test_past_the_attempt_cap_a_stuck_recording_is_failed(pipeline, tmp_path, monkeypatch, relay_events):
    monkeypatch.setenv("REDRIVE_MAX_ATTEMPTS", "0")
    reset_settings()
    rec = stuck_recording(pipeline, tmp_path)
    assert run(since=time.time(), sources=[], clean_up=False).failed >= 1
    item = Recordings(get_settings().catalog_table).get(rec)
    assert item["status"] == "failed" and "stuck after re-drives" in item["last_error"]
    assert ("io.recordingrelay.recording.failed", rec) in [(e["type"], e["subject"]) for e in relay_events()]


def test_an_abandoned_upload_is_aborted_and_a_live_one_is_not(pipeline):
    vultr, bucket = clients.vultr(), get_settings().vultr_bucket
    abandoned, live = (f"recordings/test/{uuid.uuid4().hex}/recording.mp4" for _ in range(2))
    uploads = {key: vultr.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"] for key in (abandoned, live)}
    DynamoCheckpoints(get_settings().catalog_table).create(
        copy_id_for(Destination(vultr, bucket, live)),
        Checkpoint(upload_id=uploads[live], source_identity="etag", size=1, part_size=1, integrity="md5"))
    summary = run(since=time.time(), now=time.time() + 2 * 24 * 3600, sources=[], redrive=False)
    assert summary.uploads_aborted >= 1
    left = {u["Key"] for u in vultr.list_multipart_uploads(Bucket=bucket).get("Uploads", [])}
    assert live in left and abandoned not in left
    vultr.abort_multipart_upload(Bucket=bucket, Key=live, UploadId=uploads[live])


def test_discovery_stops_at_its_time_budget_and_the_other_steps_still_run(pipeline, tmp_path, monkeypatch):
    monkeypatch.setenv("DISCOVERY_BUDGET_SECONDS", "0")
    reset_settings()
    since = time.time() - 1
    stream, name = f"cam-{uuid.uuid4().hex[:6]}", f"{uuid.uuid4().hex[:8]}.flv"
    upload(make(tmp_path / name, 1), f"nginx-rtmp/live/{stream}/{name}")
    rec = stuck_recording(pipeline, tmp_path)
    summary = run(since=since, sources=["ingest"], clean_up=False)
    assert summary.missing_found == 0 and "time budget" in summary.source_errors["ingest"]
    assert summary.redriven >= 1
    pipeline.drain(pipeline.reaches(rec, "processed", "failed"))
