"""The less common paths through the pipeline: sources beyond the ephemeral budget
(streamed, never written to /tmp) and a long Cloudflare recording remuxed from HLS."""

from __future__ import annotations

import uuid

from chalicelib.events import recording_id
from chalicelib.settings import reset_settings
from tests.ingress import requests
from tests.media.conftest import make
from tests.pipeline.checks import assert_processed
from tests.pipeline.fakes import mux_asset
from tests.pipeline.test_providers import cloudflare_ready, mux_completed, nginx_record_done, upload


def test_an_s3_source_over_the_budget_is_streamed_into_the_archive(pipeline, tmp_path, monkeypatch):
    monkeypatch.setenv("EPHEMERAL_BUDGET_MB", "0")
    reset_settings()
    stream, name = f"cam-{uuid.uuid4().hex[:6]}", f"{uuid.uuid4().hex[:8]}.flv"
    upload(make(tmp_path / name, 3), f"nginx-rtmp/live/{stream}/{name}")
    pipeline.send(requests.nginx_rtmp(pipeline.secrets, nginx_record_done(stream, name)))
    rec = recording_id("nginx-rtmp", f"live/{stream}/{name}")
    pipeline.drain(pipeline.reaches(rec, "processed", "failed"))
    assert_processed(rec, 3.0, tmp_path)


def test_an_http_source_over_the_budget_is_streamed_into_the_archive(pipeline, tmp_path, monkeypatch):
    monkeypatch.setenv("EPHEMERAL_BUDGET_MB", "0")
    reset_settings()
    asset_id, playback_id = f"asset{uuid.uuid4().hex}", f"play{uuid.uuid4().hex}"
    pipeline.provider.assets[asset_id] = mux_asset(asset_id, "ls-1", playback_id, 3.0)
    pipeline.provider.rendition_ready(asset_id, make(tmp_path / "highest.mp4", 3))
    pipeline.send(requests.mux(pipeline.secrets, mux_completed(pipeline, asset_id, playback_id)))
    rec = recording_id("mux", asset_id)
    pipeline.drain(pipeline.reaches(rec, "processed", "failed"))
    assert_processed(rec, 3.0, tmp_path)
    assert pipeline.provider.calls_to("POST", "/static-renditions") == 0  # it was ready: nothing asked


def test_a_cloudflare_recording_of_four_hours_or_more_is_remuxed_from_hls(pipeline, tmp_path):
    uid = uuid.uuid4().hex
    hls = tmp_path / "hls"
    hls.mkdir()
    make(hls / "video.m3u8", 3, fmt="hls",
         extra=("-hls_time", "1", "-hls_list_size", "0", "-hls_segment_filename", str(hls / "seg_%d.ts")))
    provider = pipeline.provider
    base = f"/cf-media/{uid}/manifest"
    (tmp_path / "master.m3u8").write_text(
        "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=900000,RESOLUTION=320x240\nvideo.m3u8\n")
    provider.files[f"{base}/master.m3u8"] = tmp_path / "master.m3u8"
    for path in hls.iterdir():
        provider.files[f"{base}/{path.name}"] = path
    video = cloudflare_ready(uid, 4 * 3600 + 5.0)  # what Cloudflare says; the test media is short
    video["playback"] = {"hls": f"{provider.base}{base}/master.m3u8", "dash": f"{provider.base}/{uid}/x.mpd"}
    pipeline.send(requests.cloudflare(pipeline.secrets, video))
    rec = recording_id("cloudflare", uid)
    pipeline.drain(pipeline.reaches(rec, "processed", "failed"))
    assert_processed(rec, 3.0, tmp_path)
    assert provider.calls_to("POST", "/downloads") == 0  # no MP4 download exists for these
    assert provider.calls_to("GET", f"{base}/seg_0.ts") >= 1


def test_an_hls_recording_too_long_for_the_budget_is_streamed(pipeline, tmp_path, monkeypatch):
    from tests.pipeline.test_providers import ivs_end_event, ivs_recording

    monkeypatch.setenv("EPHEMERAL_BUDGET_MB", "0")
    reset_settings()
    bucket, prefix = ivs_recording(tmp_path, 3)
    pipeline.eventbridge(ivs_end_event(bucket, prefix))
    rec = recording_id("ivs", f"{bucket}/{prefix}")
    pipeline.drain(pipeline.reaches(rec, "processed", "failed"))
    assert_processed(rec, 3.0, tmp_path)


def test_an_audio_only_recording_is_processed_without_pictures(pipeline, tmp_path):
    from chalicelib.catalog.recordings import Recordings
    from chalicelib.settings import get_settings
    from tests.pipeline.checks import archived_objects

    stream, name = f"cam-{uuid.uuid4().hex[:6]}", f"{uuid.uuid4().hex[:8]}.flv"
    upload(make(tmp_path / name, 3, video=False), f"nginx-rtmp/live/{stream}/{name}")
    pipeline.send(requests.nginx_rtmp(pipeline.secrets, nginx_record_done(stream, name)))
    rec = recording_id("nginx-rtmp", f"live/{stream}/{name}")
    pipeline.drain(pipeline.reaches(rec, "processed", "failed"))
    item = Recordings(get_settings().catalog_table).get(rec)
    assert item["status"] == "processed" and item["thumbnails"] == "none"
    assert [k.rsplit("/", 1)[1] for k in archived_objects(rec)] == ["manifest.json", "recording.mp4"]
    with pipeline.client as client:
        shown = client.http.get(f"/recordings/{rec}",
                                headers={"authorization": f"Bearer {pipeline.secrets['RELAY_API_TOKEN']}"})
    assert set(shown.json_body["urls"]) == {"mp4", "manifest"}
