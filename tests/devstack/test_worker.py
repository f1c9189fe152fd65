from __future__ import annotations

import json
import threading

import app as relay
from chalicelib import clients
from devstack.worker import QueueDrainer


def _counts(sqs, url: str) -> tuple[int, int]:
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]), int(attrs["ApproximateNumberOfMessagesNotVisible"])


def test_drainer_deletes_settled_messages_and_leaves_retries(emulators, job_kinds):
    sqs = clients.aws("sqs")
    url = sqs.create_queue(QueueName="drainer-test", Attributes={"VisibilityTimeout": "60"})["QueueUrl"]
    for kind in ("ok", "retry", "give-up"):
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"kind": kind}))

    drainer = QueueDrainer(relay.handle_jobs, url, emulators.settings.region, threading.Event())
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    received = 0
    while received < 3:
        received += drainer.drain_once(sqs, arn)

    assert job_kinds == [{"kind": "ok"}]
    assert _counts(sqs, url) == (0, 1)  # only the retryable message is left, in flight
