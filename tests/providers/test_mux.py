from __future__ import annotations

import pytest

from chalicelib.errors import BadRequestError
from chalicelib.events import EventType, recording_id
from chalicelib.providers.mux import MuxAdapter
from tests.providers.conftest import fixture, inbound, normalize

MUX = MuxAdapter()
ASSET = "JaJCAFO8nVs01mPdrSzzxPwYYYuH02N9iMZAZdTO2rmVk"
LIVE = "ZBjbC02OiRuF4Dx1ILEh2ZpFEtN00MSBdiyJ3Yx00I2GGk"


def one(name: str):
    result = normalize(MUX, inbound(fixture("mux", name)))
    assert len(result.events) == 1
    return result.events[0]


def test_live_stream_completed_is_recording_ready_with_the_static_rendition():
    event = one("live_stream_completed")
    assert event.type is EventType.RECORDING_READY
    assert event.id == "3a56ac3d-33da-4366-855b-f592d898409d"
    assert event.source == "/mux/environments/j0863n"
    assert event.time == "2026-11-20T12:34:56.000Z"
    assert event.subject == recording_id("mux", ASSET)
    recording = event.data.recording
    assert recording.provider_ids == {"asset_id": ASSET, "live_stream_id": LIVE}
    assert recording.duration_s == 3605.42
    assert recording.started_at == "2026-11-20T11:14:50.000Z"
    assert recording.ended_at == "2026-11-20T12:14:55.420Z"
    [media] = event.data.media  # audio.m4a is still preparing
    assert media.location == "https://stream.mux.com/rrFNw1rZqCn1PdqoXgTvI1HGX9hMnJ7w5UTQkbU3Nx00/highest.mp4"
    assert (media.size, media.rendition, str(media.container)) == (2034567890, "highest.mp4", "mp4")
    assert event.data.stream.id == LIVE
    assert event.data.raw == "s3://raw/raw/x.json"



def test_static_rendition_ready_names_the_same_recording_without_a_url():
    event = one("static_rendition_ready")
    assert event.type is EventType.RECORDING_READY
    assert event.subject == recording_id("mux", ASSET)
    assert event.data.recording.provider_ids == {"asset_id": ASSET, "static_rendition": "highest.mp4"}
    assert event.data.media == ()


def test_master_ready_carries_the_temporary_master_url():
    [media] = one("master_ready").data.media
    assert media.location.startswith("https://master.mux.com/") and media.rendition == "master"


def test_asset_errored_on_a_live_stream_is_recording_failed():
    event = one("asset_errored")
    assert event.type is EventType.RECORDING_FAILED
    assert event.data.error.code == "invalid_input"
    assert "could not be decoded" in event.data.error.message


@pytest.mark.parametrize(("name", "expected"), [
    ("live_stream_connected", EventType.STREAM_STARTED),
    ("live_stream_recording", EventType.RECORDING_STARTED),
    ("live_stream_idle", EventType.STREAM_ENDED),
])
def test_live_stream_lifecycle(name, expected):
    event = one(name)
    assert event.type is expected
    assert event.data.stream.id == LIVE


def test_connected_is_about_the_active_asset():
    assert one("live_stream_connected").subject == recording_id("mux", ASSET)


def test_idle_without_active_asset_is_about_the_stream():
    assert one("live_stream_idle").subject.startswith("str_")


@pytest.mark.parametrize("name", ["live_stream_disconnected", "track_ready"])
def test_events_that_mean_nothing_to_us_are_ignored(name):
    result = normalize(MUX, inbound(fixture("mux", name)))
    assert result.events == () and result.ignored == fixture("mux", name)["type"]


def test_missing_environment_is_a_400_naming_the_field():
    payload = fixture("mux", "live_stream_completed")
    del payload["environment"]
    with pytest.raises(BadRequestError) as caught:
        normalize(MUX, inbound(payload))
    assert caught.value.detail == "environment.id"


def test_master_ready_of_an_uploaded_vod_asset_is_ignored():
    payload = fixture("mux", "master_ready")
    del payload["data"]["live_stream_id"]
    result = normalize(MUX, inbound(payload))
    assert result.events == () and "not a live recording" in result.ignored
