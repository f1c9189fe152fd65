"""The recordings query API behind the API token: listing and paging, one recording
with presigned archive URLs that really download, its event history, and retry."""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import parse_qs, quote, urlparse

import pytest
import urllib3
from chalice.test import Client

from app import app
from chalicelib import clients
from chalicelib.catalog.events import EventHistory
from chalicelib.catalog.recordings import Recordings
from chalicelib.catalog.states import Status
from chalicelib.events import EventType, Via, rfc3339
from chalicelib.pipeline.layout import ArchiveLayout
from chalicelib.providers.base import Context
from chalicelib.providers.selfhosted import IngestObject, recording_ready
from chalicelib.settings import reset_settings

ARCHIVE_FILES = {"mp4": b"mp4 bytes", "poster": b"poster jpeg", "sprite": b"sprite jpeg",
                 "vtt": b"WEBVTT\n", "manifest": b'{"recording_id": "x"}'}


@pytest.fixture
def client(emulators) -> Iterator[Client]:
    with Client(app) as test_client:
        yield test_client


def auth(emulators) -> dict[str, str]:
    return {"authorization": f"Bearer {emulators.secrets['RELAY_API_TOKEN']}"}


def get(client, emulators, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict]:
    answer = client.http.get(path, headers=auth(emulators) if headers is None else headers)
    return answer.status_code, json.loads(answer.body)


def post(client, emulators, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict]:
    answer = client.http.post(path, headers=auth(emulators) if headers is None else headers)
    return answer.status_code, json.loads(answer.body)


def now() -> str:
    return rfc3339(datetime.now(UTC))


def ready_event(emulators, server: str = "nginx-rtmp", stream: str | None = None, **data):
    """A self-hosted server's recording.ready of a fresh file, as the ingress builds it."""
    key = f"{server}/live/{stream or 'cam-' + uuid.uuid4().hex[:8]}/rec-{uuid.uuid4().hex}.flv"
    obj = IngestObject.from_key(key)
    assert obj is not None
    ctx = Context(received_at=1795173290.0, raw="s3://raw/x.json", via=Via.WEBHOOK,
                  ingest_bucket=emulators.settings.ingest_bucket)
    event = recording_ready(obj, ctx, time=1795173290.0)
    return dataclasses.replace(event, data=dataclasses.replace(event.data, **data)) if data else event


def make_recording(emulators, status: Status = Status.READY, server: str = "nginx-rtmp",
                   stream: str | None = None, **data) -> str:
    """A recording moved to `status` by the pipeline's own catalog steps; processed ones
    have small stand-ins for their archive files in the Vultr bucket."""
    event = ready_event(emulators, server, stream, **data)
    recordings = Recordings(emulators.settings.catalog_table)
    assert recordings.move(event, Status.READY)
    rec = event.subject
    if status is Status.FAILED:
        assert recordings.advance(rec, Status.FAILED, last_error="GiveUpError: source gone")
    elif status in (Status.ARCHIVED, Status.PROCESSED):
        layout = ArchiveLayout.of(server, rec, recordings.get(rec)["created_at"])
        assert recordings.advance(rec, Status.ARCHIVING)
        assert recordings.advance(rec, Status.ARCHIVED, archive_key=layout.mp4)
        for kind, body in ARCHIVE_FILES.items():
            if kind == "mp4" or status is Status.PROCESSED:
                clients.vultr().put_object(Bucket=emulators.settings.vultr_bucket, Key=getattr(layout, kind),
                                           Body=body)
        if status is Status.PROCESSED:
            assert recordings.advance(rec, Status.PROCESSED, duration_s="12.345", manifest_key=layout.manifest)
    return rec


def walk(client, emulators, query: str) -> list[list[dict]]:
    """Every page of GET /recordings?{query}, following `next`."""
    pages, cursor = [], None
    while True:
        status, body = get(client, emulators, f"/recordings?{query}" + (f"&cursor={cursor}" if cursor else ""))
        assert status == 200, body
        pages.append(body["recordings"])
        cursor = body["next"]
        if not cursor:
            return pages


# --- rejections ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/recordings"), ("GET", "/recordings/rec_x"), ("GET", "/recordings/rec_x/events"),
    ("POST", "/recordings/rec_x/retry"),
])
@pytest.mark.parametrize("headers", [{}, {"authorization": "Bearer nope"}])
def test_every_route_needs_the_api_token(client, emulators, method, path, headers):
    status, body = (get if method == "GET" else post)(client, emulators, path, headers=headers)
    assert (status, body["error"]) == (401, "unauthorized")


@pytest.mark.parametrize(("query", "detail"), [
    ("provider=youtube", "provider"), ("provider=", "provider"), ("status=exploded", "status"),
    ("limit=0", "limit: 1..100"), ("limit=101", "limit: 1..100"), ("limit=abc", "limit"),
    ("since=yesterday", "since"), ("cursor=%25%25%25", "cursor"), ("cursor=bm90LWEtY3Vyc29y", "cursor"),
    ("stream=live/cam-1", "stream"), ("provider=srs&stream=", "stream"),
])
def test_bad_parameters_are_400_naming_the_parameter(client, emulators, query, detail):
    status, body = get(client, emulators, f"/recordings?{query}")
    assert (status, body) == (400, {"error": "bad_request", "detail": detail})


@pytest.mark.parametrize("path", ["/recordings/rec_nosuchrecording0", "/recordings/rec_nosuchrecording0/events",
                                  f"/recordings/{'x' * 3000}"])
def test_unknown_recording_is_404(client, emulators, path):
    status, body = get(client, emulators, path)
    assert (status, body["error"]) == (404, "not_found")


def test_retry_of_unknown_recording_is_404(client, emulators):
    status, body = post(client, emulators, "/recordings/rec_nosuchrecording0/retry")
    assert (status, body["error"]) == (404, "not_found")


@pytest.mark.parametrize("state", [Status.ARCHIVED, Status.PROCESSED])
def test_retry_of_a_recording_that_is_not_failed_is_409(client, emulators, state):
    rec = make_recording(emulators, state)
    before = Recordings(emulators.settings.catalog_table).get(rec)
    status, body = post(client, emulators, f"/recordings/{rec}/retry")
    assert (status, body) == (409, {"error": "conflict", "detail": f"status: {state}"})
    assert Recordings(emulators.settings.catalog_table).get(rec) == before


# --- listing ------------------------------------------------------------------------------------------------------

def test_paging_walks_every_recording_once_newest_first(client, emulators):
    since = now()
    made = {make_recording(emulators, status, server="srs")
            for status in (Status.READY, Status.FAILED, Status.PROCESSED, Status.READY, Status.ARCHIVED)}
    pages = walk(client, emulators, f"provider=srs&since={since}&limit=2")
    assert len(pages) >= 3 and all(len(page) <= 2 for page in pages)
    listed = [r for page in pages for r in page]
    ids = [r["id"] for r in listed]
    assert len(ids) == len(set(ids))  # no duplicates across pages
    assert made <= set(ids)
    assert {r["provider"] for r in listed} == {"srs"}
    stamps = [r["updated_at"] for r in listed]
    assert stamps == sorted(stamps, reverse=True) and min(stamps) >= since


def test_status_filter(client, emulators):
    since = now()
    failed = make_recording(emulators, Status.FAILED)
    ready = make_recording(emulators, Status.READY)
    listed = [r for page in walk(client, emulators, f"status=failed&since={since}&limit=100") for r in page]
    assert failed in {r["id"] for r in listed} and ready not in {r["id"] for r in listed}
    assert {r["status"] for r in listed} == {"failed"}
    both = walk(client, emulators, f"provider=nginx-rtmp&status=ready&since={since}")
    assert [r["id"] for r in both[0]] == [ready]


def test_stream_filter_lists_that_streams_recordings_only(client, emulators):
    stream = f"cam-{uuid.uuid4().hex[:8]}"
    mine = [make_recording(emulators, status, stream=stream) for status in (Status.READY, Status.FAILED,
                                                                            Status.PROCESSED)]
    make_recording(emulators, Status.READY)  # another stream
    make_recording(emulators, Status.READY, server="srs", stream=stream)  # same name, other provider
    query = f"provider=nginx-rtmp&stream={quote('live/' + stream, safe='')}"
    pages = walk(client, emulators, f"{query}&limit=1")
    assert [r["id"] for page in pages for r in page] == mine[::-1]  # newest first, across 3 pages
    assert all(r["facts"]["stream"]["id"] == f"live/{stream}" for page in pages for r in page)
    status, body = get(client, emulators, f"/recordings?{query}&status=failed")
    assert (status, [r["id"] for r in body["recordings"]], body["next"]) == (200, [mine[1]], None)


def test_since_after_the_cursor_is_an_empty_page(client, emulators):
    stream = f"cam-{uuid.uuid4().hex[:8]}"
    for _ in range(2):
        make_recording(emulators, stream=stream)
    query = f"provider=nginx-rtmp&stream={quote('live/' + stream, safe='')}"
    first = get(client, emulators, f"/recordings?{query}&limit=1")[1]
    status, body = get(client, emulators, f"/recordings?{query}&cursor={first['next']}&since=2999-01-01T00:00:00Z")
    assert (status, body) == (200, {"recordings": [], "next": None})


# --- one recording ------------------------------------------------------------------------------------------------

def download(url: str) -> tuple[int, bytes]:
    answer = urllib3.PoolManager().request("GET", url, retries=False)
    return answer.status, answer.data


def test_processed_recording_has_presigned_urls_that_download(client, emulators):
    rec = make_recording(emulators, Status.PROCESSED, playback={"hls": "https://stream.example.com/x.m3u8"})
    status, body = get(client, emulators, f"/recordings/{rec}")
    assert status == 200
    assert (body["id"], body["status"], body["provider"], body["duration_s"]) == (rec, "processed", "nginx-rtmp",
                                                                                  12.345)
    assert body["facts"]["recording"]["id"] == rec and body["facts"]["media"][0]["container"] == "flv"
    assert not {"pk", "sk", "rank", "gsi1pk", "gsi2pk"} & set(body)
    urls = body["urls"]
    assert urls.pop("playback") == {"hls": "https://stream.example.com/x.m3u8"}
    assert set(urls) == set(ARCHIVE_FILES)
    for kind, url in urls.items():
        assert urlparse(url).hostname == "127.0.0.1"
        assert parse_qs(urlparse(url).query)["X-Amz-Expires"] == ["3600"]
        assert download(url) == (200, ARCHIVE_FILES[kind])
    assert urlparse(urls["manifest"]).path.endswith(body["manifest_key"])


def test_archived_recording_has_only_the_mp4(client, emulators):
    rec = make_recording(emulators, Status.ARCHIVED)
    urls = get(client, emulators, f"/recordings/{rec}")[1]["urls"]
    assert list(urls) == ["mp4"]
    assert download(urls["mp4"]) == (200, ARCHIVE_FILES["mp4"])


@pytest.mark.parametrize("state", [Status.READY, Status.FAILED])
def test_recording_without_archive_has_no_urls(client, emulators, state):
    rec = make_recording(emulators, state)
    status, body = get(client, emulators, f"/recordings/{rec}")
    assert (status, body["status"], body["urls"]) == (200, str(state), {})
    if state is Status.FAILED:
        assert body["last_error"] == "GiveUpError: source gone"


def test_presign_ttl_setting(client, emulators, monkeypatch):
    rec = make_recording(emulators, Status.ARCHIVED)
    monkeypatch.setenv("PRESIGN_TTL", "120")
    reset_settings()
    try:
        url = get(client, emulators, f"/recordings/{rec}")[1]["urls"]["mp4"]
    finally:
        monkeypatch.undo()
        reset_settings()
    assert parse_qs(urlparse(url).query)["X-Amz-Expires"] == ["120"]


def test_event_history_of_a_recording_newest_first(client, emulators):
    event = ready_event(emulators)
    rec = event.subject
    Recordings(emulators.settings.catalog_table).move(event, Status.READY)
    started = dataclasses.replace(event, id=f"evt_{uuid.uuid4().hex}", type=EventType.RECORDING_STARTED,
                                  time="2026-11-20T11:00:00.000Z")
    history = EventHistory(emulators.settings.catalog_table)
    for e in (started, event):
        history.append(e)
    status, body = get(client, emulators, f"/recordings/{rec}/events")
    assert (status, [e["id"] for e in body["events"]], body["next"]) == (200, [event.id, started.id], None)
    first = get(client, emulators, f"/recordings/{rec}/events?limit=1")[1]
    second = get(client, emulators, f"/recordings/{rec}/events?limit=1&cursor={first['next']}")[1]
    assert [e["id"] for e in first["events"] + second["events"]] == [event.id, started.id]
    assert second["next"] is None
    assert get(client, emulators, f"/recordings/{rec}/events?limit=0")[0] == 400


# --- retry --------------------------------------------------------------------------------------------------------

def take_job(emulators, recording_id: str) -> dict | None:
    """Receive the queue's messages until this recording's job turns up; every other
    message is made visible again for whoever reads the queue next."""
    sqs, url = clients.aws("sqs"), emulators.settings.jobs_queue_url
    others, found = [], None
    try:
        for _ in range(50):
            messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30,
                                           WaitTimeSeconds=1).get("Messages", [])
            if not messages:
                return None
            for message in messages:
                job = json.loads(message["Body"])
                if found is None and job.get("recording_id") == recording_id:
                    found = job
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                else:
                    others.append(message["ReceiptHandle"])
            if found is not None:
                return found
        return None
    finally:
        for handle in others:
            sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=0)


def test_retry_moves_failed_to_ready_and_enqueues_processing(client, emulators):
    rec = make_recording(emulators, Status.FAILED)
    table = Recordings(emulators.settings.catalog_table)
    before = table.get(rec)
    status, body = post(client, emulators, f"/recordings/{rec}/retry")
    assert (status, body) == (202, {"recording_id": rec, "status": "ready"})
    after = table.get(rec)
    assert (after["status"], after["attempts"], after["last_error"]) == ("ready", "1", before["last_error"])
    assert after["facts"] == before["facts"] and after["updated_at"] >= before["updated_at"]
    assert take_job(emulators, rec) == {"kind": "process-recording", "recording_id": rec}
    assert rec in [r["id"] for r in get(client, emulators, "/recordings?status=ready&limit=100")[1]["recordings"]]
    assert post(client, emulators, f"/recordings/{rec}/retry")[0] == 202  # repeated: the job is sent again
    assert table.get(rec)["attempts"] == "1"  # but no second attempt is counted

    assert table.advance(rec, Status.FAILED, last_error="GiveUpError: again")  # fails once more
    assert post(client, emulators, f"/recordings/{rec}/retry")[0] == 202
    shown = get(client, emulators, f"/recordings/{rec}")[1]
    assert (shown["status"], shown["attempts"], shown["last_error"]) == ("ready", 2, "GiveUpError: again")
    assert take_job(emulators, rec) == {"kind": "process-recording", "recording_id": rec}


def test_retry_repeated_while_ready_sends_the_job_again(client, emulators):
    rec = make_recording(emulators, Status.READY)
    before = Recordings(emulators.settings.catalog_table).get(rec)
    status, body = post(client, emulators, f"/recordings/{rec}/retry")
    assert (status, body["status"]) == (202, "ready")
    assert Recordings(emulators.settings.catalog_table).get(rec) == before  # no attempt counted
