from __future__ import annotations

import json
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from chalice.test import Client

from chalicelib import clients
from chalicelib.catalog.recordings import Recordings
from chalicelib.settings import get_settings, reset_settings
from tests.pipeline.fakes import FakeProvider, fake_provider


@pytest.fixture
def relay_events(emulators) -> Callable[[], list[dict]]:
    """An EventBridge rule on our source, targeting a fresh queue; returns a reader
    of the RecordingEvents published since."""
    events, sqs = clients.aws("events"), clients.aws("sqs")
    queue = sqs.create_queue(QueueName=f"out-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    rule = f"relay-{uuid.uuid4().hex[:8]}"
    events.put_rule(Name=rule, EventPattern=json.dumps({"source": ["recording-relay"]}))
    events.put_targets(Rule=rule, Targets=[{"Id": "q", "Arn": arn}])

    def read() -> list[dict]:
        messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
        return [json.loads(m["Body"])["detail"] for m in messages]

    yield read
    events.remove_targets(Rule=rule, Ids=["q"])
    events.delete_rule(Name=rule)


@dataclass
class Pipeline:
    """The relay as deployed, on the emulators: HTTP routes through chalice's test
    client, EventBridge handlers, and a drainer feeding the jobs queue to the worker."""

    client: Client
    provider: FakeProvider
    queue_url: str
    secrets: dict[str, str]

    def send(self, request: Any) -> Any:
        answer = self.client.http.post(request.path, body=request.body, headers=request.headers)
        assert answer.status_code in (200, 202), answer.body
        return answer

    def eventbridge(self, envelope: dict[str, Any], handler: str = "ivs_events") -> None:
        self.client.lambda_.invoke(handler, envelope)

    def drain(self, until: Callable[[], bool], timeout_s: float = 90.0) -> None:
        """Run queued jobs (as the SQS event source would) until `until()` holds."""
        from chalicelib.pipeline.worker import handle_batch
        from devstack.worker import QueueDrainer

        sqs = clients.aws("sqs")
        arn = sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        drainer = QueueDrainer(handle_batch, self.queue_url, get_settings().region, threading.Event())
        deadline = time.monotonic() + timeout_s
        while not until():
            assert time.monotonic() < deadline, "the pipeline did not get there in time"
            drainer.drain_once(sqs, arn)

    def status(self, recording_id: str) -> str | None:
        item = Recordings(get_settings().catalog_table).get(recording_id)
        return item["status"] if item else None

    def reaches(self, recording_id: str, *statuses: str) -> Callable[[], bool]:
        return lambda: self.status(recording_id) in statuses


@pytest.fixture
def pipeline(emulators, monkeypatch) -> Iterator[Pipeline]:
    """A private jobs queue (other tests leave jobs on the shared one) and provider
    APIs pointed at a fake on loopback; deferrals and retries come back at once."""
    from app import app
    from chalicelib.ingress.service import default_ingress

    queue_url = clients.aws("sqs").create_queue(QueueName=f"jobs-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    with fake_provider() as provider:
        for name, value in {"JOBS_QUEUE_URL": queue_url, "DEFER_MAX_SECONDS": "1", "RETRY_BACKOFF_BASE_SECONDS": "0",
                            "MEDIAMTX_SETTLE_SECONDS": "0", "MUX_API_URL": f"{provider.base}/mux-api",
                            "MUX_STREAM_URL": f"{provider.base}/mux-stream",
                            "CLOUDFLARE_API_URL": f"{provider.base}/cf-api",
                            "CLOUDFLARE_ACCOUNT_ID": "023e105f4ecef8ad9ca31a8372d0c353"}.items():
            monkeypatch.setenv(name, value)
        reset_settings()
        default_ingress.cache_clear()
        try:
            with Client(app) as client:
                yield Pipeline(client, provider, queue_url, emulators.secrets)
        finally:
            monkeypatch.undo()
            reset_settings()
            default_ingress.cache_clear()
            clients.aws("sqs").delete_queue(QueueUrl=queue_url)
    assert os.environ.get("JOBS_QUEUE_URL") != queue_url
