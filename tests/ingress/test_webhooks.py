"""Every provider route end to end through chalice.test.Client against the
emulators: the happy path, then one test per rejection reason."""

from __future__ import annotations

import json
import time

import pytest

from chalicelib import clients
from chalicelib.catalog.events import EventHistory, EventQuery
from tests.ingress.conftest import queue_depth
from tests.ingress.requests import BUILDERS, FORM, JSON, ProviderRequest

ALL = list(BUILDERS)
SIGNED_BODY = ["mux", "cloudflare", "agora"]
TIMESTAMPED = ["mux", "cloudflare"]
HEADER = {"mux": "mux-signature", "cloudflare": "webhook-signature", "cloudflare-live": "cf-webhook-auth",
          "agora": "agora-signature-v2", "nginx-rtmp": "authorization", "srs": "authorization",
          "mediamtx": "authorization"}


def post(client, request: ProviderRequest):
    answer = client.http.post(request.path, headers=request.headers, body=request.body)
    return answer.status_code, json.loads(answer.body or b"null")


def history(emulators, subject: str) -> list[dict]:
    return EventHistory(emulators.settings.catalog_table).list(EventQuery(subject=subject))[0]


@pytest.mark.parametrize("provider", ALL)
def test_valid_request_is_archived_recorded_and_enqueued(client, emulators, provider):
    request = BUILDERS[provider](emulators.secrets)
    depth = queue_depth(emulators)
    status, body = post(client, request)
    assert status == 200, body
    if provider in ("srs", "agora"):
        assert body["code"] == 0
        return assert_recorded_once(emulators, depth)
    [event_id] = body["events"]
    [stored] = EventHistory(emulators.settings.catalog_table).get(event_id)
    raw_bucket, raw_key = stored["data"]["raw"].removeprefix("s3://").split("/", 1)
    raw = json.loads(clients.aws("s3").get_object(Bucket=raw_bucket, Key=raw_key)["Body"].read())
    assert raw["body"] == request.body.decode()
    assert "authorization" not in raw["headers"] and "cf-webhook-auth" not in raw["headers"]
    assert queue_depth(emulators) == depth + 1


def assert_recorded_once(emulators, depth_before: int) -> None:
    assert queue_depth(emulators) == depth_before + 1


@pytest.mark.parametrize("provider", ALL)
def test_replay_is_acknowledged_but_not_reprocessed(client, emulators, provider):
    request = BUILDERS[provider](emulators.secrets)
    depth = queue_depth(emulators)
    first, second = post(client, request), post(client, request)
    assert first[0] == second[0] == 200
    assert queue_depth(emulators) == depth + 1


@pytest.mark.parametrize("provider", ALL)
def test_missing_credential_is_401(client, emulators, provider):
    request = BUILDERS[provider](emulators.secrets)
    request.headers.pop(HEADER[provider])
    request.headers.pop("agora-signature", None)  # Agora sends V1 beside V2
    status, body = post(client, request)
    assert status == 401 and body["error"] == "unauthorized"


@pytest.mark.parametrize("provider", TIMESTAMPED)
def test_malformed_signature_header_is_401(client, emulators, provider):
    request = BUILDERS[provider](emulators.secrets)
    request.headers[HEADER[provider]] = "not a signature"
    status, body = post(client, request)
    assert (status, body["detail"]) == (401, "item without '=': 'not a signature'")


@pytest.mark.parametrize("provider", ALL)
def test_wrong_secret_is_401(client, emulators, provider):
    wrong = {name: "wrong-" + value for name, value in emulators.secrets.items()}
    status, _ = post(client, BUILDERS[provider](wrong))
    assert status == 401


@pytest.mark.parametrize("provider", SIGNED_BODY)
def test_tampered_body_is_401(client, emulators, provider):
    request = BUILDERS[provider](emulators.secrets)
    request.body = request.body.replace(b'"ready"', b'"errored"', 1).replace(b"townhall", b"townhalm", 1)
    assert post(client, request)[0] == 401


@pytest.mark.parametrize("provider", SIGNED_BODY)
def test_reserialized_json_is_401(client, emulators, provider):
    request = BUILDERS[provider](emulators.secrets)
    request.body = json.dumps(json.loads(request.body), indent=1).encode()
    assert post(client, request)[0] == 401


@pytest.mark.parametrize("provider", TIMESTAMPED)
@pytest.mark.parametrize("skew", [-301, 301])
def test_timestamp_outside_tolerance_is_401(client, emulators, provider, skew):
    request = BUILDERS[provider](emulators.secrets, now=int(time.time()) + skew)
    status, body = post(client, request)
    assert status == 401 and body["detail"].startswith(HEADER[provider])


def test_stale_agora_notification_is_401(client, emulators):
    request = BUILDERS["agora"](emulators.secrets, now=int(time.time() - 25 * 3600))
    status, body = post(client, request)
    assert status == 401 and "24 h" in body["detail"]


@pytest.mark.parametrize("provider", ALL)
def test_oversize_body_is_413(client, emulators, provider):
    request = BUILDERS[provider](emulators.secrets)
    padded = dict(request.payload, padding="x" * (1024 * 1024))
    request = BUILDERS[provider](emulators.secrets, payload=padded)
    status, body = post(client, request)
    assert (status, body["error"]) == (413, "payload_too_large")


@pytest.mark.parametrize("provider", ALL)
def test_wrong_content_type_is_415(client, emulators, provider):
    request = BUILDERS[provider](emulators.secrets)
    request.headers["content-type"] = "text/plain" if request.headers["content-type"] in (JSON, FORM) else JSON
    if provider == "mediamtx":
        request.headers["content-type"] = "text/plain"
    status, body = post(client, request)
    assert (status, body["error"]) == (415, "unsupported_media_type")


@pytest.mark.parametrize("provider", ["mux", "srs", "agora"])
def test_malformed_json_is_400_with_detail(client, emulators, provider):
    request = BUILDERS[provider](emulators.secrets)
    request = BUILDERS[provider](emulators.secrets, payload={"unexpected": True})
    status, body = post(client, request)
    assert status == 400
    assert body["error"] == "bad_request" and body["detail"]


def test_unknown_hook_is_404(client, emulators):
    answer = client.http.post("/hooks/wowza", headers={"content-type": JSON}, body=b"{}")
    assert answer.status_code == 404 and json.loads(answer.body)["error"] == "not_found"


def test_unlisted_content_type_gets_our_error_contract(client, emulators):
    answer = client.http.post("/webhooks/mux", headers={"content-type": "image/png"}, body=b"\x89PNG")
    assert answer.status_code == 415
    assert set(json.loads(answer.body)) == {"error", "detail"}


def test_publisher_tokens_in_hook_bodies_are_redacted_in_the_archive(client, emulators):
    request = BUILDERS["nginx-rtmp"](emulators.secrets)
    request.body += b"&token=PUBLISHER-SECRET"
    status, body = post(client, request)
    assert status == 200
    [stored] = EventHistory(emulators.settings.catalog_table).get(body["events"][0])
    raw_bucket, raw_key = stored["data"]["raw"].removeprefix("s3://").split("/", 1)
    raw = json.loads(clients.aws("s3").get_object(Bucket=raw_bucket, Key=raw_key)["Body"].read())
    assert "PUBLISHER-SECRET" not in raw["body"] and "token=REDACTED" in raw["body"]


def test_event_too_large_to_store_is_400_not_500(client, emulators):
    request = BUILDERS["nginx-rtmp"](emulators.secrets, payload={
        "call": "publish", "app": "live", "name": "x" * 70_000, "clientid": "1"})
    status, body = post(client, request)
    assert (status, body["error"]) == (400, "bad_request")


def test_the_ingest_key_of_relay_upload_is_kept_for_replay_and_a_stream_key_is_not():
    from chalicelib.ingress.archive import raw_document
    from tests.providers.conftest import inbound

    body = ("key=nginx-rtmp%2Flive%2Fcam%2Fcam-1.flv&call=record_done&app=live&name=cam&path=%2Frec%2Fcam-1.flv"
            "&args=x&key=PUBLISHER-KEY")
    stored = raw_document("nginx-rtmp", "nginx-rtmp", inbound(body, "application/x-www-form-urlencoded"))["body"]
    assert stored.startswith("key=nginx-rtmp%2Flive%2Fcam%2Fcam-1.flv&")
    assert "PUBLISHER-KEY" not in stored and stored.endswith("&key=REDACTED")
