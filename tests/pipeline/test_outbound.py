"""Our own events out: EventBridge (read back through a rule to SQS) and the
Standard Webhooks delivery with its retry."""

from __future__ import annotations

import uuid
from http.server import BaseHTTPRequestHandler

import pytest
from standardwebhooks.webhooks import Webhook

from chalicelib.events import EventType, recording_id
from chalicelib.events.schema import validate
from chalicelib.pipeline.jobs import run_job
from chalicelib.pipeline.outbound import deliver_webhook, emit, own_event
from chalicelib.settings import reset_settings
from tests.transfer.servers import serving

FACTS = {"provider": "srs", "recording": {"id": "x", "provider_ids": {"file": "a.flv"}}}


def test_own_events_are_deterministic_and_valid(emulators):
    rec = recording_id("srs", uuid.uuid4().hex)
    first = own_event(EventType.RECORDING_PROCESSED, rec, FACTS)
    again = own_event(EventType.RECORDING_PROCESSED, rec, FACTS)
    assert first.id == again.id and first.source.startswith("/recording-relay/")
    validate(first.to_dict())


def test_emitted_events_reach_eventbridge(relay_events):
    event = own_event(EventType.RECORDING_ARCHIVED, recording_id("srs", uuid.uuid4().hex), FACTS)
    emit(event)
    assert event.to_dict() in relay_events()


class Receiver(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], bytes]] = []  # noqa: RUF012 - shared with the test
    status = 200

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.received.append((dict(self.headers), body))
        self.send_response(Receiver.status)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture
def receiver(monkeypatch, emulators):
    Receiver.received = []
    with serving(Receiver) as url:
        monkeypatch.setenv("OUTBOUND_WEBHOOK_URL", f"{url}/hooks/recordings")
        reset_settings()
        yield url
    monkeypatch.undo()
    reset_settings()


def test_webhook_is_signed_per_standard_webhooks(receiver, emulators):
    event = own_event(EventType.RECORDING_PROCESSED, recording_id("srs", uuid.uuid4().hex), FACTS)
    Receiver.status = 200
    run_job({"kind": "deliver-webhook", "event": event.to_dict(), "attempt": 1})
    [(headers, body)] = Receiver.received
    verified = Webhook(emulators.secrets["OUTBOUND_WEBHOOK_SECRET"]).verify(body, headers)
    assert verified == event.to_dict()
    assert headers["webhook-id"] == event.id


def test_failed_delivery_is_requeued_with_a_delay(receiver, emulators, monkeypatch):
    from chalicelib.pipeline import outbound

    sent: list[tuple[dict, int]] = []
    monkeypatch.setattr(outbound.JobQueue, "send", lambda self, job, delay_s=0: sent.append((job, delay_s)))
    Receiver.status = 500
    event = own_event(EventType.RECORDING_FAILED, recording_id("srs", uuid.uuid4().hex), FACTS)
    deliver_webhook({"kind": "deliver-webhook", "event": event.to_dict(), "attempt": 2})
    assert [(job["attempt"], delay) for job, delay in sent] == [(3, 20)]
    Receiver.status = 410  # the receiver wants no more
    sent.clear()
    deliver_webhook({"kind": "deliver-webhook", "event": event.to_dict(), "attempt": 3})
    assert sent == []


def test_a_publish_that_fails_is_queued_and_published_by_its_job(pipeline, relay_events, monkeypatch):
    import json

    from chalicelib import clients

    event = own_event(EventType.RECORDING_PROCESSED, recording_id("srs", uuid.uuid4().hex), FACTS)
    monkeypatch.setenv("EVENT_BUS_NAME", f"no-such-bus-{uuid.uuid4().hex[:6]}")
    reset_settings()
    emit(event)  # never raises
    [message] = clients.aws("sqs").receive_message(QueueUrl=pipeline.queue_url, MaxNumberOfMessages=10,
                                                   WaitTimeSeconds=1)["Messages"]
    job = json.loads(message["Body"])
    assert job == {"kind": "publish-event", "event": event.to_dict()}
    assert event.to_dict() not in relay_events()
    monkeypatch.delenv("EVENT_BUS_NAME")
    reset_settings()
    run_job(job)
    assert event.to_dict() in relay_events()
