from __future__ import annotations

from collections.abc import Iterator

import pytest
from chalice.test import Client

from app import app
from chalicelib import clients


@pytest.fixture
def client(emulators) -> Iterator[Client]:
    with Client(app) as test_client:
        yield test_client


def queue_depth(emulators) -> int:
    attrs = clients.aws("sqs").get_queue_attributes(
        QueueUrl=emulators.settings.jobs_queue_url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"])
