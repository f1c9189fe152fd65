from __future__ import annotations

import hashlib
import os
import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from chalicelib import clients
from chalicelib.transfer.checkpoint import MemoryCheckpoints
from chalicelib.transfer.destination import Destination
from chalicelib.transfer.engine import Copier, TransferConfig
from chalicelib.transfer.integrity import Integrity, forget_probes
from chalicelib.transfer.locations import transfer_client
from chalicelib.transfer.plan import MIB
from chalicelib.transfer.sources import S3Source, Source

SMALL_PARTS = TransferConfig(workers=3, target_part_size=8 * MIB, integrity=Integrity.AUTO, deadline_margin_s=0)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class Stores:
    aws: Any
    vultr: Any
    source_bucket: str
    archive_bucket: str

    def put_source(self, data: bytes) -> S3Source:
        key = f"src/{uuid.uuid4().hex}"
        self.aws.put_object(Bucket=self.source_bucket, Key=key, Body=data)
        return S3Source(self.aws, self.source_bucket, key)

    def destination(self, client: Any = None) -> Destination:
        return Destination(client or self.vultr, self.archive_bucket, f"recordings/{uuid.uuid4().hex}.mp4")

    def archived(self, destination: Destination) -> bytes:
        return destination.client.get_object(Bucket=destination.bucket, Key=destination.key)["Body"].read()

    def open_uploads(self, destination: Destination) -> list[dict]:
        """Multipart uploads still open for this destination's key."""
        uploads = self.vultr.list_multipart_uploads(Bucket=self.archive_bucket).get("Uploads", [])
        return [u for u in uploads if u["Key"] == destination.key]


@pytest.fixture
def stores(emulators) -> Stores:
    forget_probes()
    return Stores(clients.aws("s3"), transfer_client(4), emulators.settings.ingest_bucket,
                  emulators.settings.vultr_bucket)


def copy(source: Source, destination: Destination, config: TransferConfig = SMALL_PARTS, **kwargs: Any):
    checkpoints = kwargs.pop("checkpoints", MemoryCheckpoints())
    return Copier(source, destination, checkpoints, config=config, sleep=lambda s: None, **kwargs).run()


def random_bytes(size: int) -> bytes:
    return os.urandom(size)
