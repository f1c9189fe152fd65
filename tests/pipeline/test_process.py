"""From a provider's ready event to a processed recording, through the real job
handlers, with media the test generates and the two emulators."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from chalicelib import clients
from chalicelib.catalog.recordings import Recordings
from chalicelib.events import Via
from chalicelib.media.operations import probe
from chalicelib.pipeline.jobs import run_job
from chalicelib.pipeline.layout import ArchiveLayout
from chalicelib.pipeline.process import process_job
from chalicelib.pipeline.queue import event_job
from chalicelib.providers.base import Context
from chalicelib.providers.selfhosted import IngestObject, recording_ready
from tests.media.conftest import make


def ready_event(emulators, key: str):
    ctx = Context(received_at=1795173290.0, raw="s3://raw/x.json", via=Via.WEBHOOK,
                  ingest_bucket=emulators.settings.ingest_bucket)
    obj = IngestObject.from_key(key)
    assert obj is not None
    return recording_ready(obj, ctx, time=1795173290.0)


def archived(emulators, key: str, tmp_path) -> str:
    path = tmp_path / key.rsplit("/", 1)[1]
    answer = clients.vultr().get_object(Bucket=emulators.settings.vultr_bucket, Key=key)
    path.write_bytes(answer["Body"].read())
    return str(path)


@pytest.mark.parametrize("server", ["nginx-rtmp", "srs"])
def test_flv_in_the_ingest_bucket_becomes_a_processed_recording(emulators, tmp_path, server, relay_events):
    flv = make(tmp_path / "rec.flv", 5)
    key = f"{server}/live/cam-{uuid.uuid4().hex[:6]}/rec-1.flv"
    clients.aws("s3").upload_file(str(flv), emulators.settings.ingest_bucket, key)
    event = ready_event(emulators, key)
    run_job(event_job(event.to_dict()))  # moves it to ready and enqueues processing
    run_job(process_job(event.subject))

    item = Recordings(emulators.settings.catalog_table).get(event.subject)
    assert item["status"] == "processed"
    layout = ArchiveLayout.of(server, event.subject, item["created_at"])
    assert item["archive_key"] == layout.mp4
    mp4 = probe(archived(emulators, layout.mp4, tmp_path))
    assert abs(mp4.duration_s - probe(str(flv)).duration_s) <= 0.5
    manifest = json.loads(Path(archived(emulators, layout.manifest, tmp_path)).read_text())
    assert manifest["recording_id"] == event.subject and manifest["archive"]["mp4"] == item["archive_key"]
    vtt = Path(archived(emulators, layout.vtt, tmp_path)).read_text()
    assert vtt.startswith("WEBVTT") and "sprite.jpg#xywh=" in vtt
    assert probe(archived(emulators, layout.poster, tmp_path), exact=False).video_codec == "mjpeg"
    emitted = [(e["type"], e["subject"]) for e in relay_events()]
    assert ("io.recordingrelay.recording.archived", event.subject) in emitted
    assert ("io.recordingrelay.recording.processed", event.subject) in emitted


def test_redelivered_process_job_is_a_no_op_once_processed(emulators, tmp_path):
    flv = make(tmp_path / "rec.flv", 2)
    key = f"nginx-rtmp/live/cam-{uuid.uuid4().hex[:6]}/rec.flv"
    clients.aws("s3").upload_file(str(flv), emulators.settings.ingest_bucket, key)
    event = ready_event(emulators, key)
    run_job(event_job(event.to_dict()))
    run_job(process_job(event.subject))
    before = Recordings(emulators.settings.catalog_table).get(event.subject)
    run_job(process_job(event.subject))
    assert Recordings(emulators.settings.catalog_table).get(event.subject)["updated_at"] == before["updated_at"]


def test_source_gone_marks_the_recording_failed_and_archives_nothing(emulators, tmp_path, relay_events):
    from chalicelib.errors import GiveUpError

    key = f"nginx-rtmp/live/cam-{uuid.uuid4().hex[:6]}/never-uploaded.flv"
    event = ready_event(emulators, key)
    run_job(event_job(event.to_dict()))
    with pytest.raises(GiveUpError):
        run_job(process_job(event.subject))
    item = Recordings(emulators.settings.catalog_table).get(event.subject)
    assert item["status"] == "failed" and "never-uploaded.flv" in item["last_error"]
    listed = clients.vultr().list_objects_v2(Bucket=emulators.settings.vultr_bucket,
                                             Prefix="recordings/nginx-rtmp/").get("Contents", [])
    assert all(event.subject not in o["Key"] for o in listed)
    assert ("io.recordingrelay.recording.failed", event.subject) in [(e["type"], e["subject"]) for e in relay_events()]


def test_ivs_hls_recording_in_s3_is_processed_from_its_playlist(emulators, tmp_path):
    from chalicelib.providers.eventbridge import normalize_envelope
    from tests.providers.conftest import fixture

    local = tmp_path / "hls"
    local.mkdir()
    make(local / "playlist.m3u8", 4, fmt="hls",
         extra=("-hls_time", "1", "-hls_list_size", "0", "-hls_segment_filename", str(local / "seg_%d.ts")))
    prefix = f"ivs/v1/111122223333/AbCdef1G2hij/2026/11/20/11/34/{uuid.uuid4().hex[:10]}"
    bucket, s3 = emulators.settings.ivs_bucket, clients.aws("s3")
    s3.put_object(Bucket=bucket, Key=f"{prefix}/media/hls/master.m3u8",
                  Body=b"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=900000,RESOLUTION=320x240\n160p30/playlist.m3u8\n")
    for path in local.iterdir():
        s3.put_object(Bucket=bucket, Key=f"{prefix}/media/hls/160p30/{path.name}", Body=path.read_bytes())
    envelope = fixture("eventbridge", "ivs_recording_end")
    envelope["id"] = str(uuid.uuid4())
    envelope["detail"].update(recording_s3_bucket_name=bucket, recording_s3_key_prefix=prefix)
    ctx = Context(received_at=1795173290.0, ingest_bucket=emulators.settings.ingest_bucket)
    [event] = normalize_envelope(envelope, ctx, bucket).events
    run_job(event_job(event.to_dict()))
    run_job(process_job(event.subject))
    item = Recordings(emulators.settings.catalog_table).get(event.subject)
    assert item["status"] == "processed"
    assert abs(float(item["duration_s"]) - 4.0) <= 0.5
