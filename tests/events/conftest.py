from __future__ import annotations

import pytest

from chalicelib.events import (
    Container,
    ErrorInfo,
    EventData,
    EventType,
    MediaKind,
    MediaRef,
    Provider,
    RecordingEvent,
    RecordingRef,
    StreamRef,
    Via,
    recording_id,
)


def ivs_ready_event() -> RecordingEvent:
    rec = recording_id("ivs", "d1dbd1d1-8e8b-4b0b-9a5e-4e1a3b1e7c55")
    return RecordingEvent(
        id="2c3c0b6e-1a1f-4d3e-b8a1-6d2b3e7f9a10",
        source="/aws-ivs/123456789012/us-west-2",
        type=EventType.RECORDING_READY,
        subject=rec,
        time="2026-11-20T18:04:11Z",
        data=EventData(
            provider=Provider.IVS,
            via=Via.EVENTBRIDGE,
            stream=StreamRef(id="st-1Abc", channel="arn:aws:ivs:us-west-2:123456789012:channel/AbCdEf"),
            recording=RecordingRef(
                id=rec,
                provider_ids={"recording_session_id": "d1dbd1d1-8e8b-4b0b-9a5e-4e1a3b1e7c55"},
                started_at="2026-11-20T17:34:10Z",
                ended_at="2026-11-20T18:04:10Z",
                duration_s=1800.0,
            ),
            media=(MediaRef(MediaKind.HLS, "s3://ivs-recordings/ivs/v1/123456789012/AbCdEf/2026/11/20/17/34/"
                                          "x1/media/hls/master.m3u8", Container.HLS, rendition="1080p30"),),
            playback={"hls": "https://example.live-video.net/hls/master.m3u8"},
            raw="s3://raw/raw/ivs/2026/11/20/2c3c0b6e.json",
        ),
    )


def failed_event() -> RecordingEvent:
    rec = recording_id("agora", "sid-38f8e3cfdc474cd56fc1ceba380d7e1a")
    return RecordingEvent(
        id="agora-notice-1", source="/agora/app-1", type=EventType.RECORDING_FAILED, subject=rec,
        time=1763661851.5,
        data=EventData(provider=Provider.AGORA, via=Via.WEBHOOK, recording=RecordingRef(id=rec),
                       error=ErrorInfo(code="upload_failed", message="upload to vendor 11 failed")),
    )


@pytest.fixture
def ready_event() -> RecordingEvent:
    return ivs_ready_event()


@pytest.fixture(params=["ready", "failed"])
def any_event(request: pytest.FixtureRequest) -> RecordingEvent:
    return ivs_ready_event() if request.param == "ready" else failed_event()
