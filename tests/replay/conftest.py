"""A relay on the emulators with private stores (raw bucket, catalog, ledger, jobs
queue), so replay windows and catalog wipes see only this test's data."""

from __future__ import annotations

import contextlib
import io
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from chalice.test import Client

from chalicelib import clients
from chalicelib.settings import get_settings, reset_settings
from devstack.resources import create_table_args, load_template


def _plain(item: dict[str, Any]) -> dict[str, Any]:
    return {k: next(iter(v.values())) for k, v in item.items()}


@dataclass
class Relay:
    client: Client
    secrets: dict[str, str]
    queue_url: str

    def send(self, request: Any) -> dict[str, Any]:
        answer = self.client.http.post(request.path, body=request.body, headers=request.headers)
        assert answer.status_code in (200, 202), answer.body
        body: dict[str, Any] = json.loads(answer.body)
        return body

    def eventbridge(self, envelope: dict[str, Any]) -> None:
        self.client.lambda_.invoke("ivs_events", envelope)

    def drain(self) -> list[str]:
        """Run the queued `recording-event` jobs (as the worker would) and delete every
        other job (no `process-recording` here); returns the event ids applied."""
        from chalicelib.pipeline.jobs import run_job

        sqs, applied = clients.aws("sqs"), []
        while True:
            messages = sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10,
                                           WaitTimeSeconds=0).get("Messages", [])
            if not messages:
                return applied
            for message in messages:
                job = json.loads(message["Body"])
                if job.get("kind") == "recording-event":
                    run_job(job)
                    applied.append(job["event"]["id"])
                sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])

    def queued(self) -> int:
        attrs = clients.aws("sqs").get_queue_attributes(
            QueueUrl=self.queue_url, AttributeNames=["ApproximateNumberOfMessages",
                                                     "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
        return int(attrs["ApproximateNumberOfMessages"]) + int(attrs["ApproximateNumberOfMessagesNotVisible"])

    def catalog_items(self) -> list[dict[str, Any]]:
        pages = clients.aws("dynamodb").get_paginator("scan").paginate(TableName=get_settings().catalog_table)
        return [_plain(item) for page in pages for item in page["Items"]]

    def recordings(self) -> dict[str, dict[str, Any]]:
        return {item["pk"]: item for item in self.catalog_items() if item["sk"] == "META"}

    def events(self) -> dict[tuple[str, str], dict[str, Any]]:
        """The event history: (pk, sk) -> the stored event."""
        return {(item["pk"], item["sk"]): json.loads(item["event"])
                for item in self.catalog_items() if item["sk"].startswith("EVT#")}

    def ledger_size(self) -> int:
        table = get_settings().idempotency_table
        return int(clients.aws("dynamodb").scan(TableName=table, Select="COUNT")["Count"])

    def raw_keys(self) -> list[str]:
        pages = clients.aws("s3").get_paginator("list_objects_v2").paginate(Bucket=get_settings().raw_bucket)
        return [o["Key"] for page in pages for o in page.get("Contents", [])]

    def put_raw(self, key: str, document: Any) -> None:
        body = document if isinstance(document, bytes) else json.dumps(document).encode()
        clients.aws("s3").put_object(Bucket=get_settings().raw_bucket, Key=key, Body=body)

    def wipe_catalog(self) -> None:
        """Delete the recording and event items (not the table)."""
        dynamodb = clients.aws("dynamodb")
        for item in self.catalog_items():
            if item["sk"] == "META" or item["sk"].startswith("EVT#"):
                dynamodb.delete_item(TableName=get_settings().catalog_table,
                                     Key={"pk": {"S": item["pk"]}, "sk": {"S": item["sk"]}})

    def replay(self, *args: str) -> tuple[int, str]:
        """`python -m chalicelib.cli replay …` in this process; (exit code, stdout)."""
        from chalicelib.cli.__main__ import main

        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = main(["replay", "--quiet", *args])
        return code, out.getvalue()


@pytest.fixture
def relay(emulators, monkeypatch) -> Iterator[Relay]:
    from app import app
    from chalicelib.ingress.service import default_ingress

    suffix = uuid.uuid4().hex[:8]
    template = load_template()["Resources"]
    dynamodb, s3, sqs = clients.aws("dynamodb"), clients.aws("s3"), clients.aws("sqs")
    names = {"CATALOG_TABLE": f"replay-catalog-{suffix}", "IDEMPOTENCY_TABLE": f"replay-ledger-{suffix}"}
    for logical_id, name in zip(("CatalogTable", "IdempotencyTable"), names.values(), strict=True):
        dynamodb.create_table(**create_table_args(template[logical_id]["Properties"], name))
    raw_bucket = f"replay-raw-{suffix}"
    s3.create_bucket(Bucket=raw_bucket)
    queue_url = sqs.create_queue(QueueName=f"replay-jobs-{suffix}")["QueueUrl"]
    for name, value in {**names, "RAW_ARCHIVE_BUCKET": raw_bucket, "JOBS_QUEUE_URL": queue_url}.items():
        monkeypatch.setenv(name, value)
    reset_settings()
    default_ingress.cache_clear()
    try:
        with Client(app) as client:
            yield Relay(client, emulators.secrets, queue_url)
    finally:
        monkeypatch.undo()
        reset_settings()
        default_ingress.cache_clear()
        sqs.delete_queue(QueueUrl=queue_url)
        for name in names.values():
            dynamodb.delete_table(TableName=name)
