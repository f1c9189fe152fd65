"""End to end, one test per provider: a provider's real request (signed, through
the HTTP routes or the EventBridge handlers) → catalog → jobs drained into the
worker → MP4, poster, sprite, VTT and manifest in "Vultr". Media is made by FFmpeg;
provider APIs are fakes on loopback."""

from __future__ import annotations

import json
import subprocess
import uuid
from pathlib import Path

from chalicelib import clients
from chalicelib.events import recording_id
from chalicelib.media.binary import ffmpeg
from chalicelib.providers.selfhosted import IngestObject
from chalicelib.settings import get_settings
from tests.ingress import requests
from tests.media.conftest import make
from tests.pipeline.checks import assert_processed
from tests.pipeline.fakes import mux_asset
from tests.providers.conftest import fixture


def upload(path: Path, key: str, bucket: str | None = None) -> None:
    clients.aws("s3").upload_file(str(path), bucket or get_settings().ingest_bucket, key)


def test_nginx_rtmp_flv_and_record_done(pipeline, tmp_path, relay_events):
    flv = make(tmp_path / "rec.flv", 4)
    stream, name = f"cam-{uuid.uuid4().hex[:6]}", f"{uuid.uuid4().hex[:8]}.flv"
    upload(flv, f"nginx-rtmp/live/{stream}/{name}")
    pipeline.send(requests.nginx_rtmp(pipeline.secrets, nginx_record_done(stream, name)))
    rec = recording_id("nginx-rtmp", IngestObject.from_key(f"nginx-rtmp/live/{stream}/{name}").identity)
    pipeline.drain(pipeline.reaches(rec, "processed", "failed"))
    assert_processed(rec, 4.0, tmp_path, relay_events)


def nginx_record_done(stream: str, name: str) -> dict:
    return {"app": "live", "flashver": "FMLE/3.0", "tcurl": "rtmp://ingest.example.com/live", "addr": "203.0.113.7",
            "clientid": "42", "call": "record_done", "recorder": "", "name": stream, "path": f"/var/rec/{name}"}


def test_srs_on_dvr(pipeline, tmp_path, relay_events):
    flv = make(tmp_path / "rec.flv", 3)
    stream, name = f"cam-{uuid.uuid4().hex[:6]}", f"{stream_file()}.flv"
    upload(flv, f"srs/live/{stream}/{name}")
    payload = {**fixture("hooks", "srs_on_dvr"), "stream": stream, "file": f"./objs/live/{name}"}
    pipeline.send(requests.srs(pipeline.secrets, payload))
    rec = recording_id("srs", f"live/{stream}/{name}")
    pipeline.drain(pipeline.reaches(rec, "processed", "failed"))
    assert_processed(rec, 3.0, tmp_path, relay_events)


def stream_file() -> str:
    return f"cam.{uuid.uuid4().int % 10**13}"


def fmp4_segment(path: Path, seconds: float, offset_s: float) -> Path:
    """One MediaMTX-style fragmented MP4 segment (its own init, then fragments)."""
    src = make(path.with_suffix(".src.mp4"), seconds)
    subprocess.run([ffmpeg(), "-hide_banner", "-loglevel", "error", "-y", "-i", str(src), "-c", "copy",
                    "-output_ts_offset", str(offset_s),
                    "-movflags", "frag_keyframe+empty_moov+default_base_moof", str(path)], check=True)
    return path


def test_mediamtx_session_of_two_segments_is_joined_in_order(pipeline, tmp_path, relay_events):
    stream, session = f"cam-{uuid.uuid4().hex[:6]}", uuid.uuid4().hex[:12]
    names = ["2026-11-26_12-00-00-000000.mp4", "2026-11-26_12-00-03-000000.mp4"]
    for index, name in enumerate(names):
        segment = fmp4_segment(tmp_path / name, 3, 3 * index)
        upload(segment, f"mediamtx/studio/{stream}/session-{session}/{name}")
    # The second segment's hook comes first: order of arrival must not matter.
    for name in reversed(names):
        pipeline.send(requests.mediamtx(pipeline.secrets, {
            "path": f"studio/{stream}", "segment": f"./recordings/studio/{stream}/{name}", "duration": "3.0",
            "session": session}))
    pipeline.send(requests.mediamtx(pipeline.secrets, {"path": f"studio/{stream}", "session": session,
                                                       "action": "ended"}))
    rec = recording_id("mediamtx", f"studio/{stream}/session-{session}")
    pipeline.drain(pipeline.reaches(rec, "processed", "failed"))
    item = assert_processed(rec, 6.0, tmp_path, relay_events)
    assert len(item["segments"]) == 2
    # A segment after the join is kept in the catalog (and logged), never a second archive.
    pipeline.send(requests.mediamtx(pipeline.secrets, {
        "path": f"studio/{stream}", "segment": f"./recordings/studio/{stream}/late.mp4", "duration": "1.0",
        "session": session}))
    pipeline.drain(lambda: len((catalog_item(rec) or {}).get("segments", [])) == 3)
    assert catalog_item(rec)["status"] == "processed" and catalog_item(rec)["updated_at"] == item["updated_at"]


def test_agora_uploaded_with_an_mp4_in_the_file_list(pipeline, tmp_path, relay_events):
    mp4 = make(tmp_path / "agora.mp4", 3)
    sid = uuid.uuid4().hex
    payload = fixture("agora", "uploaded")
    key = f"recordings/{sid}_townhall-42_0.mp4"
    payload["payload"].update(sid=sid)
    payload["payload"]["details"]["fileList"] = [{**payload["payload"]["details"]["fileList"][0], "fileName": key}]
    payload["noticeId"] = str(uuid.uuid4())
    payload["notifyMs"] = int(__import__("time").time() * 1000)
    upload(mp4, key)
    pipeline.send(requests.agora(pipeline.secrets, payload))
    rec = recording_id("agora", sid)
    pipeline.drain(pipeline.reaches(rec, "processed", "failed"))
    assert_processed(rec, 3.0, tmp_path, relay_events)


def ivs_recording(tmp_path: Path, seconds: float) -> tuple[str, str]:
    """An IVS auto-record-to-S3 layout (two renditions, recording-ended.json) in the IVS bucket."""
    bucket, s3 = get_settings().ivs_bucket, clients.aws("s3")
    prefix = f"ivs/v1/111122223333/AbCdef1G2hij/2026/11/26/12/0/{uuid.uuid4().hex[:12]}"
    for rendition, size in (("160p30", "320x240"), ("120p30", "160x120")):
        local = tmp_path / rendition
        local.mkdir()
        make(local / "playlist.m3u8", seconds, fmt="hls",
             extra=("-s", size, "-hls_time", "1", "-hls_list_size", "0",
                    "-hls_segment_filename", str(local / "%d.ts")))
        for path in local.iterdir():
            s3.put_object(Bucket=bucket, Key=f"{prefix}/media/hls/{rendition}/{path.name}", Body=path.read_bytes())
    ended = {"version": "v1", "channel_arn": "arn:aws:ivs:us-west-2:111122223333:channel/AbCdef1G2hij",
             "recording_status": "RECORDING_ENDED", "recording_started_at": "2026-11-26T12:00:00Z",
             "recording_ended_at": "2026-11-26T12:00:05Z",
             "media": {"hls": {"duration_ms": int(seconds * 1000), "path": "media/hls", "playlist": "master.m3u8",
                               "renditions": [
                                   {"path": "120p30", "playlist": "playlist.m3u8", "resolution_height": 120,
                                    "resolution_width": 160},
                                   {"path": "160p30", "playlist": "playlist.m3u8", "resolution_height": 240,
                                    "resolution_width": 320}]}}}
    s3.put_object(Bucket=bucket, Key=f"{prefix}/events/recording-ended.json", Body=json.dumps(ended).encode())
    return bucket, prefix


def ivs_end_event(bucket: str, prefix: str) -> dict:
    envelope = fixture("eventbridge", "ivs_recording_end")
    envelope["id"] = str(uuid.uuid4())
    envelope["detail"].update(recording_s3_bucket_name=bucket, recording_s3_key_prefix=prefix)
    return envelope


def test_ivs_recording_end_remuxes_the_highest_rendition(pipeline, tmp_path, relay_events):
    bucket, prefix = ivs_recording(tmp_path, 4)
    pipeline.eventbridge(ivs_end_event(bucket, prefix))
    rec = recording_id("ivs", f"{bucket}/{prefix}")
    pipeline.drain(pipeline.reaches(rec, "processed", "failed"))
    item = assert_processed(rec, 4.0, tmp_path, relay_events)
    from chalicelib.media.operations import probe
    from tests.pipeline.checks import download

    assert probe(str(download(item["archive_key"], tmp_path))).height == 240  # the tallest rendition


def mux_completed(pipeline, asset_id: str, playback_id: str) -> dict:
    payload = fixture("mux", "live_stream_completed")
    payload["id"] = str(uuid.uuid4())
    payload["object"]["id"] = asset_id
    data = payload["data"]
    data.update(id=asset_id, playback_ids=[{"id": playback_id, "policy": "public"}], duration=3.0)
    data["master_access"] = "none"
    data.pop("master")
    data["static_renditions"] = {"status": "disabled", "files": []}
    return payload


def test_mux_completed_asset_waits_for_its_static_rendition(pipeline, tmp_path, relay_events):
    asset_id, playback_id = f"asset{uuid.uuid4().hex}", f"play{uuid.uuid4().hex}"
    pipeline.provider.assets[asset_id] = mux_asset(asset_id, "ls-1", playback_id, 3.0)
    pipeline.send(requests.mux(pipeline.secrets, mux_completed(pipeline, asset_id, playback_id)))
    rec = recording_id("mux", asset_id)
    pipeline.drain(lambda: pipeline.provider.calls_to("POST", f"/assets/{asset_id}/static-renditions") == 1)
    pipeline.drain(lambda: (catalog_item(rec) or {}).get("waiting_for") == "rendition")
    assert pipeline.status(rec) == "ready"

    pipeline.provider.rendition_ready(asset_id, make(tmp_path / "highest.mp4", 3))
    ready = fixture("mux", "static_rendition_ready")
    ready["id"] = str(uuid.uuid4())
    ready["object"]["id"] = ready["data"]["asset_id"] = asset_id
    pipeline.send(requests.mux(pipeline.secrets, ready))
    pipeline.drain(pipeline.reaches(rec, "processed", "failed"))
    assert_processed(rec, 3.0, tmp_path, relay_events)
    assert pipeline.provider.calls_to("GET", f"/mux-stream/{playback_id}/highest.mp4") >= 1
    assert pipeline.provider.calls_to("POST", "static-renditions") == 1  # asked once


def catalog_item(rec: str) -> dict | None:
    from chalicelib.catalog.recordings import Recordings

    return Recordings(get_settings().catalog_table).get(rec)


def cloudflare_ready(uid: str, duration: float) -> dict:
    payload = fixture("cloudflare", "video_ready_live")
    payload.update(uid=uid, duration=duration)
    return payload


def test_cloudflare_live_recording_through_the_downloads_api(pipeline, tmp_path, relay_events):
    uid = uuid.uuid4().hex
    media = make(tmp_path / "default.mp4", 3)
    pipeline.send(requests.cloudflare(pipeline.secrets, cloudflare_ready(uid, 3.0)))
    rec = recording_id("cloudflare", uid)
    provider = pipeline.provider
    # The download is created in progress; the job defers itself until it is ready.
    pipeline.drain(lambda: provider.calls_to("GET", f"/stream/{uid}/downloads") >= 2)
    assert pipeline.status(rec) == "ready" and provider.downloads[uid]["status"] == "inprogress"
    provider.download_ready(uid, media)
    pipeline.drain(pipeline.reaches(rec, "processed", "failed"))
    assert_processed(rec, 3.0, tmp_path, relay_events)
    assert provider.calls_to("POST", f"/stream/{uid}/downloads") == 1
