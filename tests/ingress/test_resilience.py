"""Bad input never yields a 5xx; a store outage yields 503 and loses nothing;
duplicates in any order give exactly one event each."""

from __future__ import annotations

import dataclasses
import json
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.catalog.events import EventHistory
from chalicelib.ingress import service
from chalicelib.ingress.archive import RawArchive
from chalicelib.ingress.ledger import EventLedger
from chalicelib.pipeline.queue import JobQueue
from tests.ingress.conftest import queue_depth
from tests.ingress.requests import BUILDERS, FORM, JSON

ROUTES = ["/webhooks/mux", "/webhooks/cloudflare", "/webhooks/cloudflare-live", "/webhooks/agora",
          "/hooks/nginx-rtmp", "/hooks/srs", "/hooks/mediamtx"]


def ingress_with(emulators, raw_bucket: str | None = None, queue_url: str | None = None) -> service.Ingress:
    base = emulators.settings
    settings = dataclasses.replace(base, raw_bucket=raw_bucket or base.raw_bucket)
    ledger = EventLedger(base.idempotency_table, EventHistory(base.catalog_table),
                         JobQueue(queue_url or base.jobs_queue_url), base.idempotency_ttl_s)
    return service.Ingress(settings, RawArchive(settings.raw_bucket), ledger)


@pytest.mark.parametrize("provider", ["mux", "agora", "srs"])
def test_raw_archive_down_is_503_and_the_retry_archives_without_reprocessing(client, emulators, monkeypatch,
                                                                            provider):
    monkeypatch.setattr(service, "default_ingress", lambda: ingress_with(emulators, raw_bucket="no-such-bucket"))
    request = BUILDERS[provider](emulators.secrets)
    depth = queue_depth(emulators)
    answer = client.http.post(request.path, headers=request.headers, body=request.body)
    assert answer.status_code == 503
    assert json.loads(answer.body)["error"] == "unavailable"
    monkeypatch.setattr(service, "default_ingress", lambda: ingress_with(emulators))
    raw_before = _raw_count(emulators, provider)
    assert client.http.post(request.path, headers=request.headers, body=request.body).status_code == 200
    assert _raw_count(emulators, provider) == raw_before + 1
    assert queue_depth(emulators) == depth + 1  # recorded once, whichever attempt got there first


def _raw_count(emulators, provider: str) -> int:
    from chalicelib import clients

    pages = clients.aws("s3").get_paginator("list_objects_v2").paginate(
        Bucket=emulators.settings.raw_bucket, Prefix=f"raw/{provider}/")
    return sum(page.get("KeyCount", 0) for page in pages)


def test_queue_down_is_503_and_the_retry_succeeds_once(client, emulators, monkeypatch):
    request = BUILDERS["mux"](emulators.secrets)
    missing_queue = emulators.settings.jobs_queue_url + "-missing"
    monkeypatch.setattr(service, "default_ingress", lambda: ingress_with(emulators, queue_url=missing_queue))
    assert client.http.post(request.path, headers=request.headers, body=request.body).status_code == 503
    monkeypatch.setattr(service, "default_ingress", lambda: ingress_with(emulators))
    depth = queue_depth(emulators)
    for _ in range(2):  # the provider's retry, then a duplicate
        assert client.http.post(request.path, headers=request.headers, body=request.body).status_code == 200
    assert queue_depth(emulators) == depth + 1


HEADER_NAMES = st.sampled_from(["content-type", "mux-signature", "webhook-signature", "cf-webhook-auth",
                                "agora-signature", "agora-signature-v2", "authorization", "x-other"])
HEADER_VALUES = st.one_of(st.sampled_from([JSON, FORM, "text/plain", "t=1,v1=ab", "time=x,sig1=", "Bearer x"]),
                          st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=60))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(route=st.sampled_from(ROUTES), body=st.binary(max_size=512),
       headers=st.dictionaries(HEADER_NAMES, HEADER_VALUES, max_size=5))
def test_arbitrary_bytes_and_headers_never_5xx(client, emulators, route, body, headers):
    answer = client.http.post(route, headers=headers, body=body)
    assert 200 <= answer.status_code < 500
    if answer.status_code >= 400:
        assert set(json.loads(answer.body)) == {"error", "detail"}


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(provider=st.sampled_from(list(BUILDERS)), payload=st.dictionaries(
    st.sampled_from(["type", "id", "data", "uid", "status", "noticeId", "eventType", "payload", "action", "app",
                     "stream", "file", "path", "segment", "call", "name", "environment", "created_at"]),
    JSONISH, max_size=8))
def test_signed_but_arbitrary_payloads_never_5xx(client, emulators, provider, payload):
    request = BUILDERS[provider](emulators.secrets, payload=payload)
    answer = client.http.post(request.path, headers=request.headers, body=request.body)
    assert 200 <= answer.status_code < 500, answer.body


def test_duplicates_in_random_order_give_each_event_once(client, emulators):
    rng = random.Random(20261126)
    providers = list(BUILDERS)
    requests = [BUILDERS[providers[i % len(providers)]](emulators.secrets) for i in range(200)]
    deliveries = [r for r in requests for _ in range(3)]
    rng.shuffle(deliveries)
    depth = queue_depth(emulators)
    ids: set[str] = set()
    for request in deliveries:
        answer = client.http.post(request.path, headers=request.headers, body=request.body)
        assert answer.status_code == 200
        ids.update(json.loads(answer.body).get("events", []))
    assert queue_depth(emulators) == depth + 200
    history = EventHistory(emulators.settings.catalog_table)
    assert all(len(history.get(event_id)) == 1 for event_id in ids)
