"""GET /events and GET /events/{id} behind the API token."""

from __future__ import annotations

import json
import uuid

import pytest

from tests.ingress.requests import BUILDERS, mux


def auth(emulators) -> dict[str, str]:
    return {"authorization": f"Bearer {emulators.secrets['RELAY_API_TOKEN']}"}


def get(client, emulators, path: str, headers: dict[str, str] | None = None):
    answer = client.http.get(path, headers=auth(emulators) if headers is None else headers)
    return answer.status_code, json.loads(answer.body)


@pytest.fixture
def recording_history(client, emulators) -> dict:
    """Three Mux events of one fresh recording: connected, recording, completed."""
    asset = uuid.uuid4().hex
    ids = []
    for name in ("live_stream_connected", "live_stream_recording", "live_stream_completed"):
        from tests.providers.conftest import fixture

        payload = fixture("mux", name)
        payload["id"] = str(uuid.uuid4())
        payload["data"]["active_asset_id" if name != "live_stream_completed" else "id"] = asset
        answer = client.http.post("/webhooks/mux", **_kw(mux(emulators.secrets, payload)))
        ids.append(json.loads(answer.body)["events"][0])
    [event] = get(client, emulators, f"/events/{ids[0]}")[1:]
    return {"ids": ids, "subject": event["subject"]}


def _kw(request) -> dict:
    return {"headers": request.headers, "body": request.body}


def test_events_need_the_api_token(client, emulators):
    assert get(client, emulators, "/events", headers={})[0] == 401
    assert get(client, emulators, "/events", headers={"authorization": "Bearer nope"})[0] == 401


def test_history_of_one_recording_is_newest_first(client, emulators, recording_history):
    status, body = get(client, emulators, f"/events?subject={recording_history['subject']}")
    assert status == 200
    assert [e["id"] for e in body["events"]] == recording_history["ids"][::-1]
    assert body["next"] is None


def test_paging_with_cursor_walks_every_event_once(client, emulators, recording_history):
    subject = recording_history["subject"]
    seen, cursor = [], None
    while True:
        query = f"/events?subject={subject}&limit=1" + (f"&cursor={cursor}" if cursor else "")
        body = get(client, emulators, query)[1]
        seen += [e["id"] for e in body["events"]]
        cursor = body["next"]
        if not cursor:
            break
    assert seen == recording_history["ids"][::-1]


def test_filter_by_type_and_provider(client, emulators, recording_history):
    subject = recording_history["subject"]
    body = get(client, emulators, f"/events?subject={subject}&type=recording.ready&provider=mux")[1]
    assert [e["id"] for e in body["events"]] == [recording_history["ids"][2]]
    feed = get(client, emulators, "/events?provider=mux&type=recording.started&limit=100")[1]
    assert recording_history["ids"][1] in [e["id"] for e in feed["events"]]
    assert {e["data"]["provider"] for e in feed["events"]} == {"mux"}


def test_unfiltered_feed_merges_providers_newest_first(client, emulators):
    for provider in ("srs", "nginx-rtmp"):
        request = BUILDERS[provider](emulators.secrets)
        client.http.post(request.path, headers=request.headers, body=request.body)
    events = get(client, emulators, "/events?limit=20")[1]["events"]
    times = [e["time"] for e in events]
    assert times == sorted(times, reverse=True)
    assert len({e["data"]["provider"] for e in events}) >= 2


def test_since_excludes_older_events(client, emulators, recording_history):
    body = get(client, emulators, f"/events?subject={recording_history['subject']}&since=2999-01-01T00:00:00Z")[1]
    assert body["events"] == []


def test_get_one_event_and_404(client, emulators, recording_history):
    status, event = get(client, emulators, f"/events/{recording_history['ids'][2]}")
    assert status == 200 and event["type"] == "io.recordingrelay.recording.ready"
    status, body = get(client, emulators, "/events/no-such-event")
    assert (status, body["error"]) == (404, "not_found")


@pytest.mark.parametrize(("query", "field"), [
    ("limit=0", "limit: 1..100"), ("limit=abc", "limit"), ("provider=youtube", "provider"),
    ("type=recording.exploded", "type"), ("since=yesterday", "since"), ("cursor=%%%", "cursor"),
])
def test_bad_parameters_are_400_naming_the_field(client, emulators, query, field):
    status, body = get(client, emulators, f"/events?{query}")
    assert (status, body["detail"]) == (400, field)


def test_since_after_the_cursor_is_an_empty_page(client, emulators, recording_history):
    subject = recording_history["subject"]
    first = get(client, emulators, f"/events?subject={subject}&limit=1")[1]
    query = f"/events?subject={subject}&cursor={first['next']}&since=2999-01-01T00:00:00Z"
    status, body = get(client, emulators, query)
    assert (status, body) == (200, {"events": [], "next": None})


def test_overlong_subject_and_id_are_client_errors(client, emulators):
    assert get(client, emulators, f"/events?subject={'x' * 3000}")[0] == 400
    assert get(client, emulators, f"/events/{'x' * 3000}")[0] == 404
