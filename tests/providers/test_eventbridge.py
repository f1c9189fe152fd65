from __future__ import annotations

import pytest

from chalicelib.events import EventType, Via, recording_id
from chalicelib.providers.eventbridge import normalize_envelope, provider_of
from chalicelib.providers.nginx_rtmp import NginxRtmpAdapter
from chalicelib.providers.selfhosted import IngestObject
from tests.providers.conftest import IVS, context, fixture, inbound

PREFIX = "ivs/v1/111122223333/AbCdef1G2hij/2026/11/20/11/34/j8Z9O91ndcVs"


def events(name: str):
    from chalicelib.events.schema import validate

    result = normalize_envelope(fixture("eventbridge", name), context(), IVS)
    for event in result.events:
        validate(event.to_dict())
    return result


def test_recording_end_is_ready_with_the_master_playlist():
    [event] = events("ivs_recording_end").events
    assert event.type is EventType.RECORDING_READY
    assert event.id == "e3f0f8c4-91a1-4e52-9d49-4a0b5b1e7f01"
    assert event.source == "/aws-ivs/111122223333/us-west-2"
    assert event.data.via is Via.EVENTBRIDGE
    assert event.subject == recording_id("ivs", f"{IVS}/{PREFIX}")
    assert event.data.recording.duration_s == 3605.42
    assert event.data.media[0].location == f"s3://{IVS}/{PREFIX}/media/hls/master.m3u8"
    assert event.data.stream.channel == "arn:aws:ivs:us-west-2:111122223333:channel/AbCdef1G2hij"


def test_recording_ended_json_object_is_the_same_recording():
    [from_event] = events("ivs_recording_end").events
    [from_object] = events("s3_ivs_recording_ended").events
    assert from_object.type is EventType.RECORDING_READY
    assert from_object.subject == from_event.subject


def test_recording_start_and_start_failure():
    assert events("ivs_recording_start").events[0].type is EventType.RECORDING_STARTED
    [failed] = events("ivs_recording_start_failure").events
    assert failed.type is EventType.RECORDING_FAILED
    assert failed.data.error.message == "ValidationException"


@pytest.mark.parametrize(("name", "expected"), [
    ("ivs_stream_start", EventType.STREAM_STARTED), ("ivs_stream_failure", EventType.STREAM_ENDED)])
def test_stream_state(name, expected):
    [event] = events(name).events
    assert event.type is expected and event.data.stream.id.startswith("st-")


def test_session_created_is_ignored():
    assert events("ivs_session_created").ignored == "Session Created"


def test_ingest_upload_and_nginx_hook_are_one_event():
    [from_s3] = events("s3_ingest_flv").events
    request = inbound(fixture("hooks", "nginx_record_done"), "application/x-www-form-urlencoded")
    adapter = NginxRtmpAdapter()
    [from_hook] = adapter.normalize(adapter.parse(request), request, context()).events
    assert (from_s3.source, from_s3.id, from_s3.subject) == (from_hook.source, from_hook.id, from_hook.subject)
    assert from_s3.data.media[0].size == 73400320


def test_ingest_object_outside_the_layout_is_ignored():
    assert events("s3_ingest_other").events == ()


def test_provider_of_routes_archive_paths():
    assert str(provider_of(fixture("eventbridge", "s3_ingest_flv"), IVS)) == "nginx-rtmp"
    assert str(provider_of(fixture("eventbridge", "s3_ivs_recording_ended"), IVS)) == "ivs"
    assert str(provider_of(fixture("eventbridge", "ivs_stream_start"), IVS)) == "ivs"


def test_url_encoded_keys_are_decoded():
    envelope = fixture("eventbridge", "s3_ingest_flv")
    envelope["detail"]["object"]["key"] = "srs/live/cam+7/cam%2B7.flv"
    [event] = normalize_envelope(envelope, context(), IVS).events
    assert event.data.media[0].location.endswith("srs/live/cam 7/cam+7.flv")
    assert IngestObject.from_key("srs/live/cam 7/cam+7.flv") is not None
