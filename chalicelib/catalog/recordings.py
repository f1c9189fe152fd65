"""Recording items in the catalog table: one per recording (`pk` = recording id,
`sk` = `META`), moved by conditional writes so a late event never moves a
recording backwards. Index entries: `gsi1` by stream, `gsi2` by status, both
ordered by `updated_at`."""

from __future__ import annotations

import heapq
import itertools
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from chalicelib import clients
from chalicelib.catalog.events import cursor_text, encode_cursor
from chalicelib.catalog.states import RANK, Status
from chalicelib.errors import BadRequestError, UnavailableError
from chalicelib.events import RecordingEvent


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Recordings:
    def __init__(self, table: str) -> None:
        self.table = table

    def move(self, event: RecordingEvent, target: Status) -> bool:
        """Apply a provider's `event` if it moves its recording forward (creating the
        item on first sight); False when it changes nothing."""
        recording = event.data.recording
        if recording is None:
            return False
        now = _now()
        facts = {"provider": str(event.data.provider), "last_event": event.id,
                 "facts": json.dumps(event.data.to_dict(), sort_keys=True),
                 "gsi1pk": f"STREAM#{event.data.provider}#{event.data.stream.id or ''}", "gsi1sk": now}
        if target is Status.FAILED and event.data.error:
            facts["last_error"] = f"{event.data.error.code}: {event.data.error.message}"
        return self._transition(recording.id, target, facts, now, may_create=True)

    def advance(self, recording_id: str, target: Status, **attributes: str) -> bool:
        """Move an existing recording forward to `target` (the pipeline's own steps),
        setting string `attributes` with it; False when it would not move forward."""
        return self._transition(recording_id, target, attributes, _now(), may_create=False)

    def note(self, recording_id: str, **attributes: str) -> None:
        """Set string attributes of an existing recording without changing its state."""
        self._conditional(recording_id, "SET " + ", ".join(f"#a{i} = :a{i}" for i in range(len(attributes))),
                          "attribute_exists(pk)", {f"#a{i}": k for i, k in enumerate(attributes)},
                          {f":a{i}": {"S": v} for i, v in enumerate(attributes.values())})

    def touch(self, recording_id: str) -> bool:
        """Mark a recording that is being worked on (deferred, continued, waiting) as
        recently updated, so reconciliation does not take it for stuck."""
        now = _now()
        return self._conditional(
            recording_id, "SET updated_at = :now, gsi2sk = :now",
            "attribute_exists(pk) AND NOT #status IN (:processed, :failed)", {"#status": "status"},
            {":now": {"S": now}, ":processed": {"S": str(Status.PROCESSED)}, ":failed": {"S": str(Status.FAILED)}})

    def lease(self, recording_id: str, token: str, seconds: int) -> bool:
        """Take the recording's work lease unless another live holder has it."""
        now = _now()
        until = datetime.fromtimestamp(datetime.now(UTC).timestamp() + seconds, UTC).isoformat(
            timespec="milliseconds").replace("+00:00", "Z")
        return self._conditional(recording_id, "SET lease = :token, lease_until = :until",
                                 "attribute_exists(pk) AND (attribute_not_exists(lease_until) OR lease_until < :now)",
                                 {},
                                 {":token": {"S": token}, ":until": {"S": until}, ":now": {"S": now}})

    def release(self, recording_id: str, token: str) -> None:
        self._conditional(recording_id, "REMOVE lease, lease_until", "lease = :token", {},
                          {":token": {"S": token}})

    def take_waiting(self, recording_id: str) -> bool:
        """Clear a pending provider request of a `ready` recording; True for the one caller that did."""
        return self._conditional(recording_id, "REMOVE waiting_for",
                                 "attribute_exists(waiting_for) AND #status = :ready", {"#status": "status"},
                                 {":ready": {"S": str(Status.READY)}})

    def _conditional(self, recording_id: str, update: str, condition: str, names: dict[str, str],
                     values: dict[str, Any]) -> bool:
        """One conditional UpdateItem; False when the condition did not hold."""
        from botocore.exceptions import ClientError

        try:
            with clients.unavailable_on_error("catalog"):
                clients.aws("dynamodb").update_item(
                    TableName=self.table, Key={"pk": {"S": recording_id}, "sk": {"S": "META"}},
                    UpdateExpression=update, ConditionExpression=condition, ExpressionAttributeValues=values,
                    **({"ExpressionAttributeNames": names} if names else {}))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def add_segments(self, recording_id: str, locations: list[str]) -> None:
        """Add media segments to a recording (a set: a redelivered segment adds nothing),
        creating the item when the segment comes before anything else of its session."""
        with clients.unavailable_on_error("catalog"):
            clients.aws("dynamodb").update_item(
                TableName=self.table, Key={"pk": {"S": recording_id}, "sk": {"S": "META"}},
                UpdateExpression="ADD #s :s", ExpressionAttributeNames={"#s": "segments"},
                ExpressionAttributeValues={":s": {"SS": locations}})

    def get_many(self, recording_ids: list[str]) -> dict[str, dict[str, Any]]:
        """Items by id, 100 per BatchGetItem (unprocessed keys are asked again)."""
        found: dict[str, dict[str, Any]] = {}
        unique = list(dict.fromkeys(recording_ids))
        for start in range(0, len(unique), 100):
            keys = [{"pk": {"S": r}, "sk": {"S": "META"}} for r in unique[start:start + 100]]
            request: dict[str, Any] = {self.table: {"Keys": keys, "ConsistentRead": True}}
            for attempt in range(6):
                if attempt:  # keys left unprocessed under throttling: back off before asking again
                    time.sleep(0.05 * 2 ** attempt)
                with clients.unavailable_on_error("catalog"):
                    answer = clients.aws("dynamodb").batch_get_item(RequestItems=request)
                for item in answer["Responses"].get(self.table, []):
                    found[item["pk"]["S"]] = {k: next(iter(v.values())) for k, v in item.items()}
                request = answer.get("UnprocessedKeys") or {}
                if not request:
                    break
            else:
                raise UnavailableError("catalog throttled a batch read", detail=f"{len(keys)} keys")
        return found

    def stale(self, status: Status, before: str) -> Iterator[dict[str, Any]]:
        """Items in `status` last updated before `before`, least recently updated first."""
        args: dict[str, Any] = {
            "TableName": self.table, "IndexName": "gsi2", "KeyConditionExpression": "gsi2pk = :pk AND gsi2sk < :before",
            "ExpressionAttributeValues": {":pk": {"S": f"STATUS#{status}"}, ":before": {"S": before}}}
        while True:
            with clients.unavailable_on_error("catalog"):
                answer = clients.aws("dynamodb").query(**args)
            for item in answer["Items"]:
                yield {k: next(iter(v.values())) for k, v in item.items()}
            if "LastEvaluatedKey" not in answer:
                return
            args["ExclusiveStartKey"] = answer["LastEvaluatedKey"]

    def mark_redriven(self, recording_id: str, status: Status, now: str, cutoff: str) -> bool:
        """Count one re-drive, unless another run did since `cutoff` or the recording moved on."""
        return self._conditional(
            recording_id, "SET redriven_at = :now ADD attempts :one",
            "#status = :status AND (attribute_not_exists(redriven_at) OR redriven_at < :cutoff)",
            {"#status": "status"},
            {":now": {"S": now}, ":one": {"N": "1"}, ":status": {"S": str(status)}, ":cutoff": {"S": cutoff}})

    def _transition(self, recording_id: str, target: Status, attributes: dict[str, str], now: str,
                    may_create: bool) -> bool:
        """One conditional UpdateItem: forward-only (failed from any non-final state)."""
        names = {"#status": "status", "#rank": "rank", **{f"#a{i}": k for i, k in enumerate(attributes)}}
        values: dict[str, Any] = {
            ":status": {"S": str(target)}, ":rank": {"N": str(RANK[target])}, ":now": {"S": now},
            ":g2": {"S": f"STATUS#{target}"}, ":processed": {"S": str(Status.PROCESSED)},
            ":failed": {"S": str(Status.FAILED)},
            **{f":a{i}": {"S": v} for i, v in enumerate(attributes.values())},
        }
        extra = "".join(f", #a{i} = :a{i}" for i in range(len(attributes)))
        forward = "NOT #status IN (:processed, :failed)"
        if target is not Status.FAILED:
            forward = f"#rank < :rank AND {forward}"
        condition = f"attribute_not_exists(pk) OR ({forward})" if may_create else f"attribute_exists(pk) AND {forward}"
        moved = self._conditional(
            recording_id, ("SET #status = :status, #rank = :rank, updated_at = :now, gsi2pk = :g2,"
                           f" gsi2sk = :now, created_at = if_not_exists(created_at, :now){extra}"),
            condition, names, values)
        if moved:
            from chalicelib.observability import count

            count("RecordingsByState", state=str(target))
        return moved

    def get(self, recording_id: str) -> dict[str, Any] | None:
        with clients.unavailable_on_error("catalog"):
            item = clients.aws("dynamodb").get_item(
                TableName=self.table, Key={"pk": {"S": recording_id}, "sk": {"S": "META"}},
                ConsistentRead=True).get("Item")
        if not item:
            return None
        return {k: next(iter(v.values())) for k, v in item.items()}  # a string set stays a list

    def by_status(self, status: Status, limit: int = 100) -> list[str]:
        """Recording ids in `status`, least recently updated first (what reconciliation re-drives)."""
        with clients.unavailable_on_error("catalog"):
            answer = clients.aws("dynamodb").query(
                TableName=self.table, IndexName="gsi2", KeyConditionExpression="gsi2pk = :pk",
                ExpressionAttributeValues={":pk": {"S": f"STATUS#{status}"}}, Limit=limit)
        return [item["pk"]["S"] for item in answer["Items"]]

    def page(self, query: RecordingQuery) -> tuple[list[dict[str, Any]], str | None]:
        """Recordings newest first, flattened like `get`, and the cursor of the next page (or None).

        Without `stream` the status partitions of gsi2 are merged, ordered by `updated_at`.
        With `stream` its gsi1 partition is read, ordered by `gsi1sk`: the time a provider's
        event last moved the recording (the pipeline's own steps do not touch gsi1)."""
        after = decode_recording_cursor(query.cursor) if query.cursor else None
        if query.since and after and query.since > after[0]:
            return [], None  # the window is empty (DynamoDB refuses BETWEEN with lo > hi)
        if query.stream is not None:
            partitions = [self._partition("gsi1", f"STREAM#{query.provider}#{query.stream}", query, after)]
        else:
            statuses = [query.status] if query.status else [str(s) for s in Status]
            partitions = [self._partition("gsi2", f"STATUS#{s}", query, after) for s in statuses]
        merged = heapq.merge(*partitions, key=lambda pair: pair[0], reverse=True)
        found = list(itertools.islice(_unique(merged), query.limit + 1))
        more = len(found) > query.limit
        cursor = encode_recording_cursor(found[query.limit - 1][0]) if more else None
        return [item for _, item in found[: query.limit]], cursor

    def _partition(self, index: str, value: str, query: RecordingQuery,
                   after: tuple[str, str] | None) -> Iterator[tuple[tuple[str, str], dict[str, Any]]]:
        """((sort key, id), item) of one index partition strictly after the cursor, newest first,
        ties ordered by id so that every page boundary is exact; lazily paged."""
        sort_key = f"{index}sk"
        values: dict[str, Any] = {":pk": {"S": value}, ":lo": {"S": query.since or "0"},
                                  ":hi": {"S": after[0] if after else _HIGH}}
        args: dict[str, Any] = {
            "TableName": self.table, "IndexName": index, "ScanIndexForward": False, "Limit": query.limit + 1,
            "KeyConditionExpression": f"{index}pk = :pk AND {sort_key} BETWEEN :lo AND :hi",
            "ExpressionAttributeValues": values,
        }
        # The other filter is not in the key: provider on a status partition, status on a stream's.
        name, wanted = ("provider", query.provider) if index == "gsi2" else ("status", query.status)
        if wanted:
            args.update(FilterExpression=f"#{name} = :{name}", ExpressionAttributeNames={f"#{name}": name})
            values[f":{name}"] = {"S": wanted}
            # Limit counts items read, not matched: with a filter, read whole pages (1 MB)
            # so a partition with few matches takes a few calls, not one per `limit` items.
            del args["Limit"]

        def items() -> Iterator[tuple[tuple[str, str], dict[str, Any]]]:
            while True:
                with clients.unavailable_on_error("catalog"):
                    answer = clients.aws("dynamodb").query(**args)
                for item in answer["Items"]:
                    yield (item[sort_key]["S"], item["pk"]["S"]), {k: next(iter(v.values())) for k, v in item.items()}
                if "LastEvaluatedKey" not in answer:
                    return
                args["ExclusiveStartKey"] = answer["LastEvaluatedKey"]

        for _, tied in itertools.groupby(items(), key=lambda pair: pair[0][0]):
            for pos, item in sorted(tied, key=lambda pair: pair[0], reverse=True):
                if after is None or pos < after:
                    yield pos, item

    def retry(self, recording_id: str) -> bool:
        """Move a `failed` recording back to `ready` for another attempt (`attempts` + 1,
        a pending provider request forgotten, so it is asked again); False when it is
        unknown or not failed."""
        now = _now()
        return self._conditional(
            recording_id, ("SET #status = :ready, #rank = :rank, updated_at = :now, gsi2pk = :g2, gsi2sk = :now"
                           " REMOVE waiting_for ADD attempts :one"),
            "attribute_exists(pk) AND #status = :failed", {"#status": "status", "#rank": "rank"},
            {":ready": {"S": str(Status.READY)}, ":rank": {"N": str(RANK[Status.READY])}, ":now": {"S": now},
             ":g2": {"S": f"STATUS#{Status.READY}"}, ":one": {"N": "1"}, ":failed": {"S": str(Status.FAILED)}})


_HIGH = "\uffff"  # sorts after every timestamp


def _unique(pairs: Iterator[tuple[tuple[str, str], dict[str, Any]]],
            ) -> Iterator[tuple[tuple[str, str], dict[str, Any]]]:
    """Drop repeats of a recording (an index may briefly hold an item under its old status too)."""
    seen: set[str] = set()
    for pos, item in pairs:
        if pos[1] not in seen:
            seen.add(pos[1])
            yield pos, item


@dataclass(frozen=True)
class RecordingQuery:
    provider: str | None = None
    stream: str | None = None  # needs provider: gsi1 is keyed by both
    status: str | None = None
    since: str | None = None
    limit: int = 50
    cursor: str | None = None


def encode_recording_cursor(pos: tuple[str, str]) -> str:
    """The opaque cursor of a page boundary: (index sort key, recording id)."""
    return encode_cursor(f"{pos[0]}#{pos[1]}")


def decode_recording_cursor(cursor: str) -> tuple[str, str]:
    when, _, recording_id = cursor_text(cursor).partition("#")
    if not when[:1].isdigit() or not recording_id:
        raise BadRequestError("invalid cursor", detail="cursor")
    return when, recording_id
