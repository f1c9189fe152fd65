"""Local stand-ins for what AWS does around the Lambdas: an SQS event source
that drains the jobs queue into the jobs handler, and a schedule timer."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from chalice.local import LambdaContext

from chalicelib import clients
from chalicelib.observability import logger

Handler = Callable[[dict[str, Any], Any], Any]


def sqs_lambda_event(messages: list[dict[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    """`ReceiveMessage` results -> the event Lambda's SQS event source delivers."""
    return {"Records": [{
        "messageId": m["MessageId"],
        "receiptHandle": m["ReceiptHandle"],
        "body": m["Body"],
        "attributes": m.get("Attributes", {}),
        "messageAttributes": {},
        "md5OfBody": m.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    } for m in messages]}


def scheduled_event(region: str) -> dict[str, Any]:
    return {"version": "0", "id": "local-schedule", "detail-type": "Scheduled Event",
            "source": "aws.events", "account": "000000000000", "region": region,
            "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "resources": [], "detail": {}}


def context(name: str, timeout_s: int) -> LambdaContext:
    return LambdaContext(function_name=name, memory_size=1024, max_runtime_ms=timeout_s * 1000)


class QueueDrainer(threading.Thread):
    """Receive → handler → delete what the handler did not report as failed."""

    def __init__(self, handler: Handler, queue_url: str, region: str, stop: threading.Event,
                 timeout_s: int = 900) -> None:
        super().__init__(name="jobs-drainer", daemon=True)
        self.handler, self.queue_url, self.region, self.stop = handler, queue_url, region, stop
        self.timeout_s = timeout_s

    def run(self) -> None:
        sqs = clients.aws("sqs")
        arn = sqs.get_queue_attributes(QueueUrl=self.queue_url,
                                       AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        while not self.stop.is_set():
            try:
                self.drain_once(sqs, arn)
            except Exception:  # the loop must outlive any one bad batch, as Lambda would
                logger.exception("local jobs drainer: batch failed")
                self.stop.wait(1.0)

    def drain_once(self, sqs: Any, arn: str) -> int:
        messages = sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                       AttributeNames=["All"]).get("Messages", [])
        if not messages:
            return 0
        result = self.handler(sqs_lambda_event(messages, arn, self.region),
                              context("handle_jobs", self.timeout_s)) or {}
        failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
        done = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                for i, m in enumerate(messages) if m["MessageId"] not in failed]
        if done:
            sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=done)
        return len(messages)


class Timer(threading.Thread):
    """Calls a scheduled handler every `every_s` seconds until stopped."""

    def __init__(self, handler: Handler, every_s: float, region: str, stop: threading.Event) -> None:
        super().__init__(name="schedule-timer", daemon=True)
        self.handler, self.every_s, self.region, self.stop = handler, every_s, region, stop

    def run(self) -> None:
        while not self.stop.wait(self.every_s):
            try:
                self.handler(scheduled_event(self.region), context("reconcile", 900))
            except Exception:
                logger.exception("local schedule: run failed")
