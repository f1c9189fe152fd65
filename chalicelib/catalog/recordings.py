"""Recording items in the catalog table: one per recording (`pk` = recording id,
`sk` = `META`), moved by conditional writes so a late event never moves a
recording backwards. Index entries: `gsi1` by stream, `gsi2` by status, both
ordered by `updated_at`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from chalicelib import clients
from chalicelib.catalog.states import RANK, Status
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

    def _transition(self, recording_id: str, target: Status, attributes: dict[str, str], now: str,
                    may_create: bool) -> bool:
        """One conditional UpdateItem: forward-only (failed from any non-final state)."""
        from botocore.exceptions import ClientError

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
        try:
            with clients.unavailable_on_error("catalog"):
                clients.aws("dynamodb").update_item(
                    TableName=self.table, Key={"pk": {"S": recording_id}, "sk": {"S": "META"}},
                    UpdateExpression=("SET #status = :status, #rank = :rank, updated_at = :now, gsi2pk = :g2,"
                                      f" gsi2sk = :now, created_at = if_not_exists(created_at, :now){extra}"),
                    ConditionExpression=condition, ExpressionAttributeNames=names, ExpressionAttributeValues=values)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def get(self, recording_id: str) -> dict[str, Any] | None:
        with clients.unavailable_on_error("catalog"):
            item = clients.aws("dynamodb").get_item(
                TableName=self.table, Key={"pk": {"S": recording_id}, "sk": {"S": "META"}},
                ConsistentRead=True).get("Item")
        if not item:
            return None
        return {k: next(iter(v.values())) for k, v in item.items()}

    def by_status(self, status: Status, limit: int = 100) -> list[str]:
        """Recording ids in `status`, least recently updated first (what reconciliation re-drives)."""
        with clients.unavailable_on_error("catalog"):
            answer = clients.aws("dynamodb").query(
                TableName=self.table, IndexName="gsi2", KeyConditionExpression="gsi2pk = :pk",
                ExpressionAttributeValues={":pk": {"S": f"STATUS#{status}"}}, Limit=limit)
        return [item["pk"]["S"] for item in answer["Items"]]

