"""Abort multipart uploads that were abandoned (a Lambda killed mid-copy leaves
parts that are billed and never visible). Reconciliation calls this."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any


def abort_stale_uploads(client: Any, bucket: str, older_than: timedelta,
                        is_live: Callable[[str, str], bool] = lambda key, upload_id: False,
                        now: datetime | None = None) -> list[tuple[str, str]]:
    """Abort uploads initiated before `now - older_than` unless `is_live(key, upload_id)`.
    Returns the (key, upload id) pairs it aborted."""
    cutoff = (now or datetime.now(UTC)) - older_than
    aborted = []
    for page in client.get_paginator("list_multipart_uploads").paginate(Bucket=bucket):
        for upload in page.get("Uploads", []):
            key, upload_id = upload["Key"], upload["UploadId"]
            if upload["Initiated"] < cutoff and not is_live(key, upload_id):
                client.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id)
                aborted.append((key, upload_id))
    return aborted
