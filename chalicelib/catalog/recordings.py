"""Recording items in the catalog table: one per recording (`pk` = recording id,
`sk` = `META`), moved by conditional writes so a late event never moves a
recording backwards. Index entries: `gsi1` by stream, `gsi2` by status, both
ordered by `updated_at`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from chalicelib import clients
from chalicelib.catalog.states import RANK, TERMINAL, Status
from chalicelib.events import RecordingEvent


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Recordings:
    def __init__(self, table: str) -> None:
        self.table = table

    def move(self, event: RecordingEvent, target: Status) -> bool:
        """Apply `event` if it moves its recording forward; False when it changes nothing."""
        from botocore.exceptions import ClientError

        recording = event.data.recording
        if recording is None:
            return False
        now = _now()
        stream = event.data.stream.id or ""
        values: dict[str, Any] = {
            ":status": {"S": str(target)}, ":rank": {"N": str(RANK[target])}, ":now": {"S": now},
            ":provider": {"S": str(event.data.provider)}, ":event": {"S": event.id},
            ":facts": {"S": json.dumps(event.data.to_dict(), sort_keys=True)},
            ":g1": {"S": f"STREAM#{event.data.provider}#{stream}"}, ":g2": {"S": f"STATUS#{target}"},
            ":processed": {"S": str(Status.PROCESSED)}, ":failed": {"S": str(Status.FAILED)},
        }
        forward = "(#rank < :rank AND NOT #status IN (:processed, :failed))"
        if target is Status.FAILED:
            forward = "(NOT #status IN (:processed, :failed))"
        update = ("SET #status = :status, #rank = :rank, updated_at = :now, provider = :provider,"
                  " last_event = :event, facts = :facts, gsi1pk = :g1, gsi1sk = :now, gsi2pk = :g2, gsi2sk = :now,"
                  " created_at = if_not_exists(created_at, :now)")
        if target is Status.FAILED and event.data.error:
            update += ", last_error = :error"
            values[":error"] = {"S": f"{event.data.error.code}: {event.data.error.message}"}
        try:
            with clients.unavailable_on_error("catalog"):
                clients.aws("dynamodb").update_item(
                    TableName=self.table, Key={"pk": {"S": recording.id}, "sk": {"S": "META"}},
                    UpdateExpression=update, ConditionExpression=f"attribute_not_exists(pk) OR {forward}",
                    ExpressionAttributeNames={"#status": "status", "#rank": "rank"},
                    ExpressionAttributeValues=values)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def advance(self, recording_id: str, target: Status, **attributes: str) -> bool:
        """Move an existing recording forward to `target` (the pipeline's own steps),
        setting string `attributes` with it; False when it would not move forward."""
        from botocore.exceptions import ClientError

        now = _now()
        names = {"#status": "status", "#rank": "rank", **{f"#a{i}": k for i, k in enumerate(attributes)}}
        values: dict[str, Any] = {
            ":status": {"S": str(target)}, ":rank": {"N": str(RANK[target])}, ":now": {"S": now},
            ":g2": {"S": f"STATUS#{target}"}, ":processed": {"S": str(Status.PROCESSED)},
            ":failed": {"S": str(Status.FAILED)},
            **{f":a{i}": {"S": v} for i, v in enumerate(attributes.values())},
        }
        extra = "".join(f", #a{i} = :a{i}" for i in range(len(attributes)))
        forward = "(NOT #status IN (:processed, :failed))" if target is Status.FAILED else \
            "(#rank < :rank AND NOT #status IN (:processed, :failed))"
        try:
            with clients.unavailable_on_error("catalog"):
                clients.aws("dynamodb").update_item(
                    TableName=self.table, Key={"pk": {"S": recording_id}, "sk": {"S": "META"}},
                    UpdateExpression=f"SET #status = :status, #rank = :rank, updated_at = :now, gsi2pk = :g2,"
                                     f" gsi2sk = :now{extra}",
                    ConditionExpression=f"attribute_exists(pk) AND {forward}",
                    ExpressionAttributeNames=names, ExpressionAttributeValues=values)
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


def is_terminal(status: str) -> bool:
    return Status(status) in TERMINAL
