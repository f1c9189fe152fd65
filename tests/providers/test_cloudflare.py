from __future__ import annotations

import pytest

from chalicelib.errors import BadRequestError, UnsupportedMediaTypeError
from chalicelib.events import EventType, recording_id
from chalicelib.providers.cloudflare import CloudflareLiveAdapter, CloudflareStreamAdapter
from tests.providers.conftest import fixture, inbound, normalize

STREAM, LIVE = CloudflareStreamAdapter(), CloudflareLiveAdapter()
INPUT = "66be4bf738797e01e1fca35a7bdecdcd"


def test_ready_live_recording_is_recording_ready():
    [event] = normalize(STREAM, inbound(fixture("cloudflare", "video_ready_live"))).events
    assert event.type is EventType.RECORDING_READY
    assert event.subject == recording_id("cloudflare", "ea95132c15732412d22c1476fa83f27a")
    assert event.source == "/cloudflare-stream/023e105f4ecef8ad9ca31a8372d0c353"
    assert event.time == "2026-11-20T12:40:00.000Z"
    assert event.data.recording.provider_ids == {"video_uid": "ea95132c15732412d22c1476fa83f27a", "live_input": INPUT}
    assert event.data.recording.duration_s == 3605.4
    assert event.data.stream.id == INPUT
    [media] = event.data.media
    assert (str(media.kind), str(media.container)) == ("hls", "hls")
    assert event.data.playback["dash"].endswith("video.mpd")


def test_event_id_is_stable_across_redelivery_and_changes_with_state():
    payload = fixture("cloudflare", "video_ready_live")
    first = normalize(STREAM, inbound(payload)).events[0].id
    assert normalize(STREAM, inbound(payload, received_at=1)).events[0].id == first
    payload["modified"] = "2026-11-20T12:41:00.000000Z"
    assert normalize(STREAM, inbound(payload)).events[0].id != first


def test_errored_live_recording_is_recording_failed_with_either_spelling():
    [event] = normalize(STREAM, inbound(fixture("cloudflare", "video_error_live"))).events
    assert event.type is EventType.RECORDING_FAILED
    assert event.data.error.code == "ERR_MALFORMED_VIDEO"
    assert event.data.recording.duration_s is None  # -1 means unknown


def test_vod_video_is_ignored():
    result = normalize(STREAM, inbound(fixture("cloudflare", "video_ready_vod")))
    assert result.events == () and "not a live recording" in result.ignored


@pytest.mark.parametrize(("name", "expected"), [
    ("live_connected", EventType.STREAM_STARTED),
    ("live_disconnected", EventType.STREAM_ENDED),
    ("live_errored", EventType.STREAM_ENDED),
])
def test_live_input_notifications(name, expected):
    [event] = normalize(LIVE, inbound(fixture("cloudflare", name))).events
    assert event.type is expected
    assert event.data.stream.id == INPUT
    assert event.subject.startswith("str_")


def test_nanosecond_timestamps_are_truncated_not_rejected():
    [event] = normalize(LIVE, inbound(fixture("cloudflare", "live_disconnected"))).events
    assert event.time == "2026-11-20T12:34:10.855Z"


def test_live_input_error_is_kept():
    [event] = normalize(LIVE, inbound(fixture("cloudflare", "live_errored"))).events
    assert event.data.error.code == "ERR_GOP_OUT_OF_RANGE"


def test_hello_world_test_message_answers_200():
    result = normalize(LIVE, inbound(fixture("cloudflare", "hello_world")))
    assert result.events == ()
    assert LIVE.answer(result)[0] == 200


def test_notification_without_event_type_is_400():
    with pytest.raises(BadRequestError) as caught:
        normalize(LIVE, inbound({"name": "x", "text": "something else"}))
    assert caught.value.detail == "data.event_type"


def test_form_body_is_415():
    with pytest.raises(UnsupportedMediaTypeError):
        normalize(STREAM, inbound("a=b", content_type="application/x-www-form-urlencoded"))
