from __future__ import annotations

import json

import pytest
from chalice.test import Client

from app import app
from chalicelib.errors import RetryableError
from chalicelib.pipeline.worker import Outcome, process_message


def test_known_job_runs(job_kinds):
    assert process_message(json.dumps({"kind": "ok", "n": 1})) is Outcome.DONE
    assert job_kinds == [{"kind": "ok", "n": 1}]


def test_retryable_error_propagates_so_sqs_redelivers(job_kinds):
    with pytest.raises(RetryableError):
        process_message(json.dumps({"kind": "retry"}))


@pytest.mark.parametrize("body", [
    json.dumps({"kind": "give-up"}),
    json.dumps({"kind": "no-such-kind"}),
    json.dumps(["not", "an", "object"]),
    "{not json",
])
def test_give_up_settles_the_message(job_kinds, body):
    # no exception: the batch reports success, so SQS deletes the message
    assert process_message(body) is Outcome.GIVEN_UP
    assert job_kinds == []


def test_batch_reports_only_the_retryable_item(job_kinds):
    bodies = [json.dumps({"kind": k}) for k in ("ok", "retry", "give-up", "ok")]
    with Client(app) as client:
        event = client.events.generate_sqs_event(queue_name="recording-relay-jobs", message_bodies=bodies)
        result = client.lambda_.invoke("handle_jobs", event).payload
    retry_id = event["Records"][1]["messageId"]
    assert result == {"batchItemFailures": [{"itemIdentifier": retry_id}]}
    assert len(job_kinds) == 2
