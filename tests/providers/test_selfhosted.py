from __future__ import annotations

import pytest

from chalicelib.errors import BadRequestError, UnauthorizedError, UnsupportedMediaTypeError
from chalicelib.events import EventType, recording_id
from chalicelib.providers.mediamtx import MediaMtxAdapter
from chalicelib.providers.nginx_rtmp import NginxRtmpAdapter
from chalicelib.providers.selfhosted import IngestObject, authenticate_hook
from chalicelib.providers.srs import SrsAdapter
from tests.providers.conftest import INGEST, fixture, inbound, normalize

FORM = "application/x-www-form-urlencoded"
NGINX, SRS, MTX = NginxRtmpAdapter(), SrsAdapter(), MediaMtxAdapter()


def test_nginx_record_done_is_ready_at_the_ingest_key():
    [event] = normalize(NGINX, inbound(fixture("hooks", "nginx_record_done"), FORM)).events
    assert event.type is EventType.RECORDING_READY
    assert event.subject == recording_id("nginx-rtmp", "live/stream-abc/stream-abc-1795174490.flv")
    assert event.source == f"/nginx-rtmp/{INGEST}"
    [media] = event.data.media
    assert media.location == f"s3://{INGEST}/nginx-rtmp/live/stream-abc/stream-abc-1795174490.flv"
    assert str(media.container) == "flv"


@pytest.mark.parametrize(("name", "expected"), [
    ("nginx_publish", EventType.STREAM_STARTED), ("nginx_publish_done", EventType.STREAM_ENDED)])
def test_nginx_publish_lifecycle(name, expected):
    [event] = normalize(NGINX, inbound(fixture("hooks", name), FORM)).events
    assert event.type is expected and event.data.stream.id == "live/stream-abc"


def test_nginx_play_is_ignored():
    assert normalize(NGINX, inbound(fixture("hooks", "nginx_play"), FORM)).ignored == "call play"


def test_nginx_json_body_is_415():
    with pytest.raises(UnsupportedMediaTypeError):
        NGINX.parse(inbound({"call": "record_done"}))


def test_nginx_missing_path_names_the_field():
    with pytest.raises(BadRequestError) as caught:
        normalize(NGINX, inbound("call=record_done&app=live&name=x", FORM))
    assert caught.value.detail == "path"


def test_srs_on_dvr_is_ready_and_answers_code_zero():
    result = normalize(SRS, inbound(fixture("hooks", "srs_on_dvr")))
    [event] = result.events
    assert event.data.media[0].location == f"s3://{INGEST}/srs/live/cam-7/cam-7.1795174490000.flv"
    assert SRS.answer(result) == (200, {"code": 0})


def test_srs_ignored_actions_still_answer_code_zero():
    result = normalize(SRS, inbound(fixture("hooks", "srs_on_play")))
    assert result.events == () and SRS.answer(result) == (200, {"code": 0})


@pytest.mark.parametrize(("name", "content_type"), [
    ("mediamtx_segment_json", "application/json"), ("mediamtx_segment_form", FORM)])
def test_mediamtx_segment_complete_in_json_or_form(name, content_type):
    [event] = normalize(MTX, inbound(fixture("hooks", name), content_type)).events
    assert event.type is EventType.RECORDING_READY
    assert event.data.stream.id == "studio/cam1"
    assert str(event.data.media[0].container) == "fmp4"
    assert event.data.recording.duration_s in (3600.52, 1202.10)


def test_ingest_key_round_trips():
    obj = IngestObject.from_key("mediamtx/studio/cam1/2026-11-20_11-34-50-123456.mp4")
    assert obj is not None and obj.key == "mediamtx/studio/cam1/2026-11-20_11-34-50-123456.mp4"
    assert (obj.app, obj.stream) == ("studio", "cam1")
    assert IngestObject.from_key("agora/x/y.ts") is None
    assert IngestObject.from_key("nginx-rtmp/live/") is None


@pytest.mark.parametrize(("headers", "query"), [
    ({"authorization": "Bearer hook-secret"}, {}), ({}, {"token": "hook-secret"})])
def test_hook_token_by_bearer_or_query(headers, query):
    authenticate_hook(inbound("", FORM, headers=headers, query=query), ["hook-secret"])


def test_publisher_token_in_the_body_is_not_our_token():
    request = inbound(fixture("hooks", "nginx_record_done"), FORM)  # body carries token=PUBLISHER-TOKEN
    with pytest.raises(UnauthorizedError, match="missing"):
        authenticate_hook(request, ["PUBLISHER-TOKEN"])


def test_srs_integer_client_id_from_old_versions_is_accepted():
    payload = {**fixture("hooks", "srs_on_publish"), "client_id": 107}
    [event] = normalize(SRS, inbound(payload)).events
    assert event.type is EventType.STREAM_STARTED


def test_event_too_large_for_the_stores_is_400():
    from chalicelib.providers.base import check_size

    [event] = normalize(NGINX, inbound(f"call=publish&app=live&name={'x' * 70_000}&clientid=1", FORM)).events
    with pytest.raises(BadRequestError, match="too large"):
        check_size(event)
