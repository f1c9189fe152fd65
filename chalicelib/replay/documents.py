"""The read side of the raw archive: list one provider's documents in a time
window (one key prefix per UTC day, `raw/{provider}/{yyyy}/{mm}/{dd}/`), read
them, and turn each back into what ingress received.

Listing and reading are lazy and bounded: a day's keys come a page at a time, and
at most `workers` documents (each up to ~1 MiB) are read ahead of the caller."""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from chalicelib import clients
from chalicelib.errors import BadRequestError
from chalicelib.ingress.archive import RawArchive
from chalicelib.providers.base import InboundRequest


@dataclass(frozen=True)
class RawDocument:
    """One archived request or envelope. `document` is None when it is not a JSON
    object (`problem` says why); `received_at` is None when it names no usable time."""

    key: str
    location: str
    document: dict[str, Any] | None
    problem: str = ""

    @property
    def received_at(self) -> float | None:
        value = self.document.get("received_at") if self.document else None
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            return None
        return float(value)

    @property
    def route(self) -> str:
        return str(self.document.get("route") or "") if self.document else ""

    def envelope(self) -> dict[str, Any]:
        envelope = self.document.get("envelope") if self.document else None
        if not isinstance(envelope, dict):
            raise BadRequestError("archived envelope is not a JSON object", detail="envelope")
        return envelope

    def request(self) -> InboundRequest:
        """The request as archived: body bytes, headers and query (secrets were never kept)."""
        document = self.document or {}
        if isinstance(document.get("body"), str):
            body = document["body"].encode()
        elif isinstance(document.get("body_base64"), str):
            try:
                body = base64.b64decode(document["body_base64"], validate=True)
            except (binascii.Error, ValueError):
                raise BadRequestError("archived body is not base64", detail="body_base64") from None
        else:
            raise BadRequestError("archived document has no body", detail="body")
        return InboundRequest(body=body, headers=_strings(document, "headers"), query=_strings(document, "query"),
                              received_at=self.received_at or 0.0)


def _strings(document: dict[str, Any], name: str) -> dict[str, str]:
    values = document.get(name, {})
    if not isinstance(values, dict) or not all(isinstance(v, str) for v in values.values()):
        raise BadRequestError(f"archived {name} are not strings", detail=name)
    return {str(k).lower(): v for k, v in values.items()}


class RawReader:
    """S3 adapter over the raw archive bucket."""

    def __init__(self, bucket: str, workers: int = 8) -> None:
        self.bucket, self.workers = bucket, max(1, workers)

    def keys(self, prefix: str) -> Iterator[str]:
        """The document keys under `prefix`, listed lazily (a page of up to 1000 at a time)."""
        s3 = clients.aws("s3")
        with clients.unavailable_on_error("raw archive"):
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
                yield from (o["Key"] for o in page.get("Contents", []) if o["Key"].endswith(".json"))

    def count(self, prefix: str) -> int:
        """How many documents are under `prefix` (a listing that keeps no key)."""
        return sum(1 for _ in self.keys(prefix))

    def day(self, prefix: str) -> DayListing:
        return DayListing(self, prefix, self.count(prefix))

    def read(self, keys: Iterable[str]) -> Iterator[RawDocument]:
        """The documents of `keys`, in that order, with at most `workers` read ahead of the
        caller (in flight or waiting): memory is bounded whatever the number of keys."""
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="replay-read") as pool:
            ahead: deque[Future[RawDocument]] = deque()
            try:
                for key in keys:
                    if len(ahead) >= self.workers:
                        yield ahead.popleft().result()
                    ahead.append(pool.submit(self.read_one, key))
                while ahead:
                    yield ahead.popleft().result()
            finally:  # the caller stopped early (or a read failed): start no more of them
                for future in ahead:
                    future.cancel()

    def read_one(self, key: str) -> RawDocument:
        with clients.unavailable_on_error("raw archive"):
            body = clients.aws("s3").get_object(Bucket=self.bucket, Key=key)["Body"].read()
        location = RawArchive(self.bucket).location(key)
        try:
            document = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            return RawDocument(key, location, None, f"not JSON: {str(exc)[:100]}")
        if not isinstance(document, dict):
            return RawDocument(key, location, None, "not a JSON object")
        return RawDocument(key, location, document)


@dataclass(frozen=True)
class DayListing:
    """One UTC day of the archive: its size (counted when made), and its keys, listed
    anew each time it is iterated, so that no day's keys are held before it is replayed."""

    reader: RawReader
    prefix: str
    count: int

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[str]:
        return self.reader.keys(self.prefix)
