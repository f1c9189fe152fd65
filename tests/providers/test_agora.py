from __future__ import annotations

import pytest

from chalicelib.errors import UnauthorizedError
from chalicelib.events import EventType, recording_id
from chalicelib.providers.agora import AgoraAdapter
from tests.providers.conftest import INGEST, fixture, inbound, normalize

AGORA = AgoraAdapter()
SID = "38f8e3cfdc474cd56fc1ceba380d7e1a"


def test_uploaded_is_recording_ready_mp4_first():
    [event] = normalize(AGORA, inbound(fixture("agora", "uploaded"))).events
    assert event.type is EventType.RECORDING_READY
    assert event.id == "2000001428:4330:107"
    assert event.subject == recording_id("agora", SID)
    assert event.source == "/agora/app-1"
    assert event.time == "2026-11-20T12:35:29.000Z"
    assert event.data.stream.channel == "townhall-42"
    assert [(str(m.kind), m.location) for m in event.data.media] == [
        ("s3", f"s3://{INGEST}/recordings/{SID}_townhall-42_0.mp4"),
        ("hls", f"s3://{INGEST}/recordings/{SID}_townhall-42.m3u8"),
    ]


def test_backuped_with_only_hls_is_ready_with_the_playlist():
    [event] = normalize(AGORA, inbound(fixture("agora", "backuped"))).events
    assert event.type is EventType.RECORDING_READY
    assert [str(m.container) for m in event.data.media] == ["hls"]


@pytest.mark.parametrize(("name", "expected"), [
    ("recorder_started", EventType.RECORDING_STARTED),
    ("recorder_leave", EventType.STREAM_ENDED),
    ("session_exit_abnormal", EventType.RECORDING_FAILED),
    ("fatal_error", EventType.RECORDING_FAILED),
])
def test_lifecycle_events(name, expected):
    [event] = normalize(AGORA, inbound(fixture("agora", name))).events
    assert event.type is expected


def test_fatal_error_keeps_code_and_message():
    [event] = normalize(AGORA, inbound(fixture("agora", "fatal_error"))).events
    assert (event.data.error.code, event.data.error.message) == ("65", "upload to storage failed")


def test_progress_is_ignored_but_answered_with_json():
    result = normalize(AGORA, inbound(fixture("agora", "uploading_progress")))
    assert result.events == ()
    assert AGORA.answer(result) == (200, {"code": 0, "status": "ignored"})


def test_notify_older_than_a_day_is_refused():
    payload = fixture("agora", "uploaded")
    with pytest.raises(UnauthorizedError, match="too old"):
        AGORA.parse(inbound(payload, received_at=payload["notifyMs"] / 1000 + 24 * 3600 + 1))


def test_unreadable_event_time_is_400():
    from chalicelib.errors import BadRequestError

    payload = fixture("agora", "recorder_started")
    payload["payload"]["sendts"] = 10**20
    with pytest.raises(BadRequestError, match="timestamp"):
        normalize(AGORA, inbound(payload))
