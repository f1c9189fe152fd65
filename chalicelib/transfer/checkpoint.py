"""Checkpoints of multipart copies: the upload id, what the copy was of, and the
finished parts, persisted after every part so a copy can resume elsewhere."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from chalicelib.errors import RetryableError


class CopyInProgressError(RetryableError):
    """Another run (an SQS redelivery, a second worker) is copying to this destination."""


@dataclass
class Checkpoint:
    upload_id: str
    source_identity: str
    size: int
    part_size: int
    integrity: str
    parts: dict[int, dict[str, str]] = field(default_factory=dict)  # number -> {"ETag": …, "ChecksumCRC32"?: …}


class CheckpointStore(Protocol):
    def load(self, copy_id: str) -> Checkpoint | None: ...

    def create(self, copy_id: str, checkpoint: Checkpoint) -> None:
        """Store a new checkpoint; CopyInProgressError if one exists (another run owns the copy)."""

    def record_part(self, copy_id: str, number: int, part: dict[str, str]) -> None: ...

    def delete(self, copy_id: str) -> None: ...


class MemoryCheckpoints:
    """For the CLI and tests: lives as long as the process."""

    def __init__(self) -> None:
        self.items: dict[str, Checkpoint] = {}
        self._lock = threading.Lock()

    def load(self, copy_id: str) -> Checkpoint | None:
        return self.items.get(copy_id)

    def create(self, copy_id: str, checkpoint: Checkpoint) -> None:
        with self._lock:
            if copy_id in self.items:
                raise CopyInProgressError("another run owns this copy", detail=copy_id)
            self.items[copy_id] = checkpoint

    def record_part(self, copy_id: str, number: int, part: dict[str, str]) -> None:
        with self._lock:
            self.items[copy_id].parts[number] = part

    def delete(self, copy_id: str) -> None:
        with self._lock:
            self.items.pop(copy_id, None)


class DynamoCheckpoints:
    """In the catalog table: `pk = COPY#{copy_id}`, `sk = CHECKPOINT`. Each part is
    one `SET parts.#n` update, so concurrent workers never overwrite each other."""

    def __init__(self, table: str, client: Any = None) -> None:
        self.table = table
        self._client = client

    @property
    def client(self) -> Any:
        from chalicelib import clients

        return self._client or clients.aws("dynamodb")

    @staticmethod
    def _key(copy_id: str) -> dict[str, Any]:
        return {"pk": {"S": f"COPY#{copy_id}"}, "sk": {"S": "CHECKPOINT"}}

    def load(self, copy_id: str) -> Checkpoint | None:
        item = self.client.get_item(TableName=self.table, Key=self._key(copy_id), ConsistentRead=True).get("Item")
        if not item:
            return None
        parts = {int(n): {k: v["S"] for k, v in p["M"].items()} for n, p in item.get("parts", {}).get("M", {}).items()}
        return Checkpoint(upload_id=item["upload_id"]["S"], source_identity=item["source_identity"]["S"],
                          size=int(item["size"]["N"]), part_size=int(item["part_size"]["N"]),
                          integrity=item["integrity"]["S"], parts=parts)

    def create(self, copy_id: str, checkpoint: Checkpoint) -> None:
        from botocore.exceptions import ClientError

        item = {
            **self._key(copy_id),
            "upload_id": {"S": checkpoint.upload_id}, "source_identity": {"S": checkpoint.source_identity},
            "size": {"N": str(checkpoint.size)}, "part_size": {"N": str(checkpoint.part_size)},
            "integrity": {"S": checkpoint.integrity}, "updated_at": {"N": str(int(time.time()))},
            "parts": {"M": {str(n): _part_value(p) for n, p in checkpoint.parts.items()}},
        }
        try:
            self.client.put_item(TableName=self.table, Item=item, ConditionExpression="attribute_not_exists(pk)")
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                raise CopyInProgressError("another run owns this copy", detail=copy_id) from exc
            raise

    def record_part(self, copy_id: str, number: int, part: dict[str, str]) -> None:
        self.client.update_item(
            TableName=self.table, Key=self._key(copy_id),
            UpdateExpression="SET parts.#n = :part, updated_at = :now",
            ExpressionAttributeNames={"#n": str(number)},
            ExpressionAttributeValues={":part": _part_value(part), ":now": {"N": str(int(time.time()))}})

    def delete(self, copy_id: str) -> None:
        self.client.delete_item(TableName=self.table, Key=self._key(copy_id))


def _part_value(part: dict[str, str]) -> dict[str, Any]:
    return {"M": {k: {"S": v} for k, v in part.items()}}
