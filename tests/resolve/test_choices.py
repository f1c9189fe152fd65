"""The pure parts of source resolution: which file, which rendition, which request."""

from __future__ import annotations

import pytest

from chalicelib.errors import GiveUpError
from chalicelib.providers.mediamtx import MediaMtxAdapter
from chalicelib.providers.selfhosted import IngestObject
from chalicelib.resolve.cloudflare import download_state
from chalicelib.resolve.ingest import _segments
from chalicelib.resolve.ivs import highest_rendition_key
from chalicelib.resolve.mux import choose, ready_rendition
from tests.providers.conftest import inbound, normalize

STREAM = "https://stream.example"


def asset(**fields) -> dict:
    return {"id": "a1", "status": "ready", "playback_ids": [{"id": "p1", "policy": "public"}], **fields}


def renditions(*files: tuple[str, str]) -> dict:
    return {"static_renditions": {"files": [{"name": n, "status": s} for n, s in files]}}


def test_mux_ready_master_wins():
    found = choose(asset(master={"status": "ready", "url": "https://master.mux.com/x.mp4?sig=1"},
                         **renditions(("highest.mp4", "ready"))), STREAM, False)
    assert found == ("url", "https://master.mux.com/x.mp4?sig=1")


def test_mux_highest_rendition_of_the_public_playback_id():
    assert choose(asset(**renditions(("720p.mp4", "ready"), ("highest.mp4", "ready"))), STREAM, False) == (
        "url", f"{STREAM}/p1/highest.mp4")


def test_mux_best_ready_resolution_when_highest_is_missing():
    found = ready_rendition(renditions(("480p.mp4", "ready"), ("1080p.mp4", "ready"), ("2160p.mp4", "preparing"),
                                       ("audio.m4a", "ready")))
    assert found == "1080p.mp4"


def test_mux_without_any_mp4_asks_for_the_rendition():
    assert choose(asset(**renditions(("highest.mp4", "preparing"))), STREAM, False) == ("request", "rendition")


def test_mux_signed_only_playback_asks_for_master_access():
    signed = asset(playback_ids=[{"id": "p1", "policy": "signed"}])
    assert choose(signed, STREAM, False) == ("request", "master")


def test_mux_prefer_master_setting():
    assert choose(asset(**renditions(("highest.mp4", "ready"))), STREAM, True) == ("request", "master")


def test_mux_errored_asset_is_a_give_up():
    with pytest.raises(GiveUpError):
        choose(asset(status="errored"), STREAM, False)


@pytest.mark.parametrize(("answer", "expected"), [
    ({"result": {"default": {"status": "inprogress", "url": "u", "percentComplete": 42.5}}}, ("inprogress", "u", 42.5)),
    ({"result": {"default": {"status": "ready", "url": "u", "percentComplete": 100}}}, ("ready", "u", 100.0)),
    ({"result": {}}, ("", "", 0.0)),
    ({"result": None}, ("", "", 0.0)),
])
def test_cloudflare_download_state(answer, expected):
    assert download_state(answer) == expected


def test_ivs_picks_the_tallest_rendition_from_the_json():
    ended = {"media": {"hls": {"path": "media/hls", "renditions": [
        {"path": "480p30", "playlist": "playlist.m3u8", "resolution_height": 480, "resolution_width": 852},
        {"path": "720p60", "playlist": "playlist.m3u8", "resolution_height": 720, "resolution_width": 1280},
        {"path": "160p30", "playlist": "playlist.m3u8", "resolution_height": 160, "resolution_width": 284}]}}}
    assert highest_rendition_key("ivs/v1/1/ch/2026/1/2/3/4/rec", ended) == \
        "ivs/v1/1/ch/2026/1/2/3/4/rec/media/hls/720p60/playlist.m3u8"


def test_ivs_without_renditions_is_a_give_up():
    with pytest.raises(GiveUpError):
        highest_rendition_key("p", {"media": {"hls": {"renditions": []}}})


def test_mediamtx_segments_are_joined_in_recording_order():
    keys = ["s3://b/mediamtx/a/s/session-1/2026-11-26_13-00-00-000000.mp4",
            "s3://b/mediamtx/a/s/session-1/2026-11-26_12-00-00-000000.mp4"]
    assert _segments(keys).locations == tuple(reversed(keys))


def test_session_keys_round_trip():
    obj = IngestObject.from_key("mediamtx/studio/live/cam/session-20261126T120000Z-42/seg.mp4")
    assert obj is not None
    assert (obj.app, obj.stream, obj.session, obj.file_name) == ("studio/live", "cam", "20261126T120000Z-42", "seg.mp4")
    assert obj.key == "mediamtx/studio/live/cam/session-20261126T120000Z-42/seg.mp4"
    assert IngestObject.from_key("mediamtx/studio/cam/seg.mp4").session == ""


def test_mediamtx_hook_with_a_session_adds_a_segment_to_the_session_recording():
    adapter = MediaMtxAdapter()
    first, second = (normalize(adapter, inbound({"path": "studio/cam", "segment": f"/rec/{n}.mp4",
                                                 "duration": "3600", "session": "s-1"})).events[0]
                     for n in ("a", "b"))
    assert first.type.short == second.type.short == "recording.started"
    assert first.subject == second.subject and first.id != second.id
    assert first.data.media[0].location.endswith("/mediamtx/studio/cam/session-s-1/a.mp4")
    [ended] = normalize(adapter, inbound({"path": "studio/cam", "session": "s-1", "action": "ended"})).events
    assert ended.type.short == "recording.ready" and ended.subject == first.subject and not ended.data.media


@pytest.mark.parametrize("payload", [{"path": "studio/cam", "action": "ended"},
                                     {"path": "studio/cam", "segment": "/a.mp4", "session": "../../etc"}])
def test_mediamtx_session_errors_name_the_field(payload):
    from chalicelib.errors import BadRequestError

    with pytest.raises(BadRequestError) as caught:
        normalize(MediaMtxAdapter(), inbound(payload))
    assert caught.value.detail == "session"
