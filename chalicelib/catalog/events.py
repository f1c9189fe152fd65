"""Event history in the catalog table.

One item per event under its subject (`pk` = recording or stream id,
`sk` = `EVT#{time}#{source}#{id}`), with two index entries: `gsi1` is the feed
per provider (`EVT#{provider}`, newest first by position) and `gsi2` finds an
event by id (`EVTID#{id}`). A position `{time}#{source}#{id}` orders events and
doubles as the opaque paging cursor.
"""

from __future__ import annotations

import base64
import heapq
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from chalicelib import clients
from chalicelib.errors import BadRequestError
from chalicelib.events import Provider, RecordingEvent

MAX_LIMIT = 100
MAX_KEY_TEXT = 700  # DynamoDB sort keys take 1,024 bytes; ids and cursors longer than this are not ours
_HIGH = "\uffff"  # sorts after every position


def position(event: RecordingEvent) -> str:
    return f"{event.time}#{event.source}#{event.id}"


def encode_cursor(pos: str) -> str:
    return base64.urlsafe_b64encode(pos.encode()).decode().rstrip("=")


def cursor_text(cursor: str) -> str:
    """The text inside an opaque cursor ("" when it is not base64 text)."""
    if len(cursor) > MAX_KEY_TEXT:
        raise BadRequestError("invalid cursor", detail="cursor")
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except ValueError:
        return ""


def decode_cursor(cursor: str) -> str:
    pos = cursor_text(cursor)
    if not pos[:1].isdigit() or pos.count("#") < 2:
        raise BadRequestError("invalid cursor", detail="cursor")
    return pos


def event_item(event: RecordingEvent) -> dict[str, Any]:
    pos = position(event)
    return {
        "pk": event.subject, "sk": f"EVT#{pos}",
        "gsi1pk": f"EVT#{event.data.provider}", "gsi1sk": pos,
        "gsi2pk": f"EVTID#{event.id}", "gsi2sk": event.source,
        "type": event.type.short, "event": event.to_json(),
    }


@dataclass(frozen=True)
class EventQuery:
    provider: str | None = None
    type: str | None = None
    subject: str | None = None
    since: str | None = None
    limit: int = 50
    cursor: str | None = None


class EventHistory:
    """DynamoDB adapter for the event history."""

    def __init__(self, table: str) -> None:
        self.table = table

    def append(self, event: RecordingEvent) -> None:
        with clients.unavailable_on_error("catalog"):
            clients.aws("dynamodb").put_item(TableName=self.table, Item=_to_ddb(event_item(event)))

    def get(self, event_id: str) -> list[dict[str, Any]]:
        """Every stored event with this id (one per source, normally one)."""
        if len(event_id.encode()) > MAX_KEY_TEXT:
            return []
        with clients.unavailable_on_error("catalog"):
            answer = clients.aws("dynamodb").query(
                TableName=self.table, IndexName="gsi2", KeyConditionExpression="gsi2pk = :pk",
                ExpressionAttributeValues={":pk": {"S": f"EVTID#{event_id}"}})
        return [json.loads(item["event"]["S"]) for item in answer["Items"]]

    def list(self, query: EventQuery) -> tuple[list[dict[str, Any]], str | None]:
        """Newest first; returns the events and the cursor of the next page (or None)."""
        before = decode_cursor(query.cursor) if query.cursor else _HIGH
        if query.since and query.since > before:
            return [], None  # the window is empty (DynamoDB refuses BETWEEN with lo > hi)
        if query.subject:
            streams = [self._partition(None, "pk", query.subject, "EVT#", query, before)]
        else:
            providers = [query.provider] if query.provider else [str(p) for p in Provider]
            streams = [self._partition("gsi1", "gsi1pk", f"EVT#{p}", "", query, before) for p in providers]
        merged = heapq.merge(*streams, key=lambda pair: pair[0], reverse=True)
        page = list(itertools.islice(merged, query.limit + 1))
        events = [json.loads(item) for _, item in page[: query.limit]]
        more = len(page) > query.limit
        return events, encode_cursor(page[query.limit - 1][0]) if more else None

    def _partition(self, index: str | None, key: str, value: str, prefix: str, query: EventQuery,
                   before: str) -> Iterator[tuple[str, str]]:
        """(position, event JSON) pairs of one partition, newest first, lazily paged."""
        sort_key = "sk" if index is None else f"{index}sk"
        values = {":pk": {"S": value}, ":lo": {"S": prefix + (query.since or "0")},
                  ":hi": {"S": prefix + before}}
        args: dict[str, Any] = {
            "TableName": self.table, "ScanIndexForward": False, "Limit": query.limit + 1,
            "KeyConditionExpression": f"{key} = :pk AND {sort_key} BETWEEN :lo AND :hi",
            "ExpressionAttributeValues": values,
        }
        if index:
            args["IndexName"] = index
        filters = []
        if query.type:
            filters.append("#type = :type")
            values[":type"] = {"S": query.type}
            args["ExpressionAttributeNames"] = {"#type": "type"}
        if query.subject and query.provider:
            filters.append("gsi1pk = :provider")
            values[":provider"] = {"S": f"EVT#{query.provider}"}
        if filters:
            args["FilterExpression"] = " AND ".join(filters)
        while True:
            with clients.unavailable_on_error("catalog"):
                answer = clients.aws("dynamodb").query(**args)
            for item in answer["Items"]:
                pos = item[sort_key]["S"].removeprefix(prefix)
                if pos != before:  # BETWEEN is inclusive; the cursor's own event was on the last page
                    yield pos, item["event"]["S"]
            if "LastEvaluatedKey" not in answer:
                return
            args["ExclusiveStartKey"] = answer["LastEvaluatedKey"]


def _to_ddb(item: dict[str, str]) -> dict[str, dict[str, str]]:
    return {k: {"S": v} for k, v in item.items()}
