"""The jobs queue adapter."""

from __future__ import annotations

import json
from typing import Any

from chalicelib import clients


class JobQueue:
    def __init__(self, url: str) -> None:
        self.url = url

    def send(self, job: dict[str, Any], delay_s: int = 0) -> None:
        with clients.unavailable_on_error("jobs queue"):
            clients.aws("sqs").send_message(QueueUrl=self.url, MessageBody=json.dumps(job, separators=(",", ":")),
                                            DelaySeconds=delay_s)


def event_job(event: dict[str, Any]) -> dict[str, Any]:
    """The job that carries one normalized event to the worker."""
    return {"kind": "recording-event", "event": event}
