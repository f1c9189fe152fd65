from __future__ import annotations

import json
import uuid
from collections.abc import Callable

import pytest

from chalicelib import clients


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
